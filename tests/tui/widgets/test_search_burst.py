"""Keys typed in one burst after "/" reach the search box on every listing screen (My
bookings, Training, Approvals, Users), as they do on the catalogue's: a paste, or a slow
SSH link, delivers "/meg" at once, and the letters used to go to the table (whose keys
act: "m", "e"...) before the focus moved. In the search box "/" is a character."""

from __future__ import annotations

import pytest
from textual import events
from textual.screen import Screen
from textual.widgets import DataTable, Input

from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.administration.users import UsersScreen
from equipshare.tui.screens.approvals import ApprovalsScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.screens.training import TrainingScreen
from tests.support.world import World
from tests.tui.conftest import settle

SCREENS = [
    ("alice", "m", MyBookingsScreen, "#my-bookings-search"),
    ("tech", "T", TrainingScreen, "#training-search"),
    ("mgr", "A", ApprovalsScreen, "#approvals-search"),
    ("root", "U", UsersScreen, "#users-search"),
]


@pytest.mark.parametrize(("actor", "key", "kind", "box"), SCREENS)
async def test_a_burst_after_slash_lands_in_the_search(
    context: ServiceContext, world: World, actor: str, key: str, kind: type[Screen[None]], box: str
) -> None:
    app = EquipshareApp(context, actor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press(key)
        await settle(pilot, lambda: isinstance(app.screen, kind))
        screen = app.screen
        await settle(pilot, lambda: isinstance(app.focused, DataTable))
        for name, character in (("slash", "/"), ("m", "m"), ("e", "e"), ("g", "g")):
            app.post_message(events.Key(name, character))  # queued together, as a driver does
        search = screen.query_one(box, Input)
        await settle(pilot, lambda: search.value == "meg")
        assert app.screen is screen and search.has_focus  # no letter acted on the table
        await pilot.press("slash")
        assert search.value == "meg/" and search.has_focus

"""What the app says about calendar feeds points to its own keys, not to the command line
(issue 20, clumsy forms): the subscribe dialog names F, where the feed is revoked, and a
saved .ics points to s for a feed that stays up to date."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.account.feed_url import FeedUrlModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.feed_tokens import FeedTokensScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from tests.support.world import World, london
from tests.tui.conftest import recorded, settle, shown


async def open_my_bookings(app: EquipshareApp, pilot: Pilot[None]) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    await pilot.press("m")
    await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen) and app.screen.loaded)


async def test_the_subscribe_dialog_points_to_f_and_f_revokes(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("s")
        modal = await shown(pilot, FeedUrlModal)
        note = str(modal.query_one("#feed-note", Static).render())
        assert "F (Feeds)" in note and "revokes this one" in note
        assert "equipshare" not in note  # no command to run elsewhere
        await pilot.press("escape", "F")
        await settle(pilot, lambda: isinstance(app.screen, FeedTokensScreen) and app.screen.loaded)


async def test_a_saved_calendar_points_to_s_for_a_feed(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    BookingService(context).book(
        "alice", BookingRequest("WAR-XPS-01", london(2026, 3, 17, 10), london(2026, 3, 17, 12))
    )
    app = EquipshareApp(context, "alice")
    app.downloads = tmp_path
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("i")
        await settle(pilot, lambda: (tmp_path / "equipshare-user-alice.ics").exists())
        await settle(pilot, lambda: bool(recorded(app).notified("information")))
        [saved] = [n for n in recorded(app).notified("information") if n.startswith("Saved")]
        assert "press s for a feed link" in saved and "equipshare feeds" not in saved

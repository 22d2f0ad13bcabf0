"""The app as a whole: role-aware global keys, the approvals badge, keymap, theme, palette."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, OptionList

from equipshare.config import TuiSettings
from equipshare.domain.errors import ConfigError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.approvals import ApprovalsScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.help import HelpScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.screens.week import WeekScreen
from equipshare.tui.widgets.week_grid import WeekGrid
from tests.support.world import World, london
from tests.tui.conftest import settle, shown


def with_settings(
    context: ServiceContext, keymap: dict[str, str] | None = None, tui: TuiSettings | None = None
) -> ServiceContext:
    settings = context.settings
    if keymap is not None:
        settings = replace(settings, keymap=keymap)
    if tui is not None:
        settings = replace(settings, tui=tui)
    return replace(context, settings=settings)


async def test_a_researcher_is_not_offered_staff_screens(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("escape")  # leave the search box, so keys reach the app
        await pilot.press("A", "D", "T")
        await pilot.pause()
        assert isinstance(app.screen, CatalogueScreen)
        await pilot.press("question_mark")
        await settle(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        described = [row[1] for row in app.screen.rows()]
        assert "Your upcoming and past bookings" in described
        assert not any("staff" in text for text in described)


async def test_a_manager_sees_the_waiting_count_and_it_falls_after_approving(
    context: ServiceContext, world: World
) -> None:
    booking = BookingService(context).book(
        "alice",
        BookingRequest(
            "WAR-MEG-01", london(2026, 3, 18, 10), london(2026, 3, 18, 12), project_code="GR-1"
        ),
    )
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: app.sub_title == "signed in as mgr · 1 to approve")
        await pilot.press("escape", "A")
        screen = await shown(pilot, ApprovalsScreen)
        await settle(pilot, lambda: screen.query_one(DataTable).row_count == 1)
        await pilot.press("a")
        await settle(pilot, lambda: app.sub_title == "signed in as mgr")
        assert BookingService(context).get("mgr", booking.id).status.value == "confirmed"


async def test_keys_follow_the_keymap(context: ServiceContext, world: World) -> None:
    remapped = with_settings(context, keymap={"app.my_bookings": "f2"})
    app = EquipshareApp(remapped, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("escape", "m")
        await pilot.pause()
        assert isinstance(app.screen, CatalogueScreen)
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen))
        await pilot.press("question_mark")
        await settle(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        assert ("f2", "Your upcoming and past bookings", "everywhere", "app.my_bookings") in (
            app.screen.rows()
        )


def test_an_unknown_binding_id_or_theme_is_refused_naming_the_key(
    context: ServiceContext, world: World
) -> None:
    with pytest.raises(ConfigError, match=r"\[keymap\] app\.my_booking: no key binding"):
        EquipshareApp(with_settings(context, keymap={"app.my_booking": "f2"}), "alice")
    with pytest.raises(ConfigError, match=r"\[tui\] theme: no theme is called 'solarised'"):
        EquipshareApp(with_settings(context, tui=TuiSettings(theme="solarised")), "alice")
    light = EquipshareApp(with_settings(context, tui=TuiSettings(theme="textual-light")), "alice")
    assert light.theme == "textual-light"


async def test_the_palette_books_an_instrument_found_by_name(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("ctrl+p")
        palette = await shown(pilot, CommandPalette)
        await pilot.press(*"book war-xps")
        commands = palette.query_one("CommandList", OptionList)
        await settle(pilot, lambda: commands.option_count >= 2)
        prompts = [str(option.prompt) for option in commands.options]
        assert any(p.startswith("Book WAR-XPS-01") for p in prompts), prompts
        index = next(i for i, p in enumerate(prompts) if p.startswith("Book WAR-XPS-01"))
        commands.highlighted = index
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
        assert isinstance(app.screen, WeekScreen) and app.screen.code == "WAR-XPS-01"
        assert isinstance(app.focused, WeekGrid)

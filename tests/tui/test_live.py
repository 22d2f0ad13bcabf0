"""Screens keep up with writes made anywhere (issue 20, stale screens): another user's booking
appears in an open week, My bookings, Approvals and the catalogue without a key pressed; a
refused clash shows the slot taken; an edited booking's price shows whole.

"Elsewhere" is a second engine on the same database file, as another process (the CLI,
another terminal app) would write. The check runs every [tui] live_check_ms, set short here
through the settings; the waits are for what the check causes, never fixed sleeps, except
where a test shows that nothing happens.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from equipshare.db.engine import Database
from equipshare.domain.enums import UserClass
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.charging.rates import RateService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.live import LiveScreen
from equipshare.tui.modals.bookings.booking_form import BookingForm
from equipshare.tui.screens.approvals import ApprovalsScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.help import HelpScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.screens.week import WeekScreen
from equipshare.tui.week_layout import CellState
from equipshare.tui.widgets.catalogue_table import CatalogueTable
from equipshare.tui.widgets.paged_table import PagedTable
from equipshare.tui.widgets.week_grid import WeekGrid
from tests.support.world import World, london
from tests.tui.conftest import recorded, settle, shown

XPS, MEG, RAM = "WAR-XPS-01", "WAR-MEG-01", "WAR-RAM-01"
#: The check's period here: short, so a test waits a fraction of a second for it.
PERIOD_MS = 100
#: How long a change may take to show: a few periods, and room for a loaded machine.
WITHIN = 10.0


def checking_every(context: ServiceContext, ms: int) -> ServiceContext:
    """The same services with the screens' change check every `ms` milliseconds."""
    settings = context.settings
    return replace(context, settings=replace(settings, tui=replace(settings.tui, live_check_ms=ms)))


@pytest.fixture
def live(context: ServiceContext) -> ServiceContext:
    return checking_every(context, PERIOD_MS)


@pytest.fixture
def elsewhere(database_url: str, context: ServiceContext) -> Iterator[ServiceContext]:
    """Services on a second engine of the same database: another process's writes."""
    other = Database.connect(database_url)
    yield replace(context, database=other)
    other.dispose()


def week_of(app: EquipshareApp) -> WeekScreen:
    return next(s for s in app.screen_stack if isinstance(s, WeekScreen))


def wednesday(app: EquipshareApp, hour: int) -> CellState:
    return week_of(app).query_one(WeekGrid).cells[2][hour].state


async def open_week(app: EquipshareApp, pilot: Pilot[None]) -> WeekScreen:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    app.open_week(XPS)
    await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
    return week_of(app)


async def test_another_users_booking_appears_in_the_open_week_without_a_key(
    live: ServiceContext, elsewhere: ServiceContext, world: World
) -> None:
    app = EquipshareApp(live, "alice")
    posted = recorded(app)
    async with app.run_test(size=(100, 30), message_hook=posted) as pilot:
        await open_week(app, pilot)
        assert wednesday(app, 14) is CellState.FREE
        # Nothing written: the checks run, and not one of them reloads the week.
        loads, checks = posted.count(WeekScreen.WeekLoaded), posted.count(LiveScreen.StampsRead)
        await settle(pilot, lambda: posted.count(LiveScreen.StampsRead) >= checks + 3)
        assert posted.count(WeekScreen.WeekLoaded) == loads

        written = time.monotonic()
        request = BookingRequest(XPS, london(2026, 3, 18, 14), london(2026, 3, 18, 16))
        BookingService(elsewhere).book("bob", request)
        await settle(pilot, lambda: wednesday(app, 14) is not CellState.FREE, timeout=WITHIN)
        assert time.monotonic() - written < WITHIN
        assert wednesday(app, 15) is not CellState.FREE
        assert posted.count(WeekScreen.WeekLoaded) == loads + 1
        assert posted.notified("error") == []


async def test_a_covered_screen_does_not_check_and_checks_at_once_when_uncovered(
    live: ServiceContext, elsewhere: ServiceContext, world: World
) -> None:
    app = EquipshareApp(checking_every(live, 60_000), "alice")  # only uncovering checks
    posted = recorded(app)
    async with app.run_test(size=(100, 30), message_hook=posted) as pilot:
        await open_week(app, pilot)
        await pilot.press("question_mark")
        await shown(pilot, HelpScreen)
        checks = posted.count(LiveScreen.StampsRead)
        request = BookingRequest(XPS, london(2026, 3, 18, 14), london(2026, 3, 18, 16))
        BookingService(elsewhere).book("bob", request)
        await pilot.pause(0.3)
        assert posted.count(LiveScreen.StampsRead) == checks
        await pilot.press("escape")
        await settle(pilot, lambda: wednesday(app, 14) is not CellState.FREE, timeout=WITHIN)


async def test_a_refused_clash_shows_the_slot_taken_in_the_week_behind_the_form(
    context: ServiceContext, elsewhere: ServiceContext, world: World
) -> None:
    # The check is an hour away: only the refusal can bring the other booking in.
    app = EquipshareApp(checking_every(context, 60_000), "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        await pilot.press("right", "right", *["down"] * 5)  # Wed 14:00
        assert wednesday(app, 14) is CellState.FREE
        await pilot.press("enter")
        form = await shown(pilot, BookingForm)
        assert form.value("start") == "2026-03-18 14:00"
        request = BookingRequest(XPS, london(2026, 3, 18, 14), london(2026, 3, 18, 16))
        BookingService(elsewhere).book("bob", request)

        await pilot.press("ctrl+s")
        await settle(pilot, lambda: wednesday(app, 14) is not CellState.FREE, timeout=WITHIN)
        assert isinstance(app.screen, BookingForm)  # the refusal is still beside its field
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen))
        assert wednesday(app, 14) is not CellState.FREE


async def test_an_approval_elsewhere_shows_in_my_bookings_and_a_request_in_approvals(
    live: ServiceContext, elsewhere: ServiceContext, world: World
) -> None:
    meg = BookingRequest(MEG, london(2026, 3, 18, 10), london(2026, 3, 18, 12), project_code="GR-1")
    mine = BookingService(live).book("alice", meg)
    app = EquipshareApp(live, "alice")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("m")
        screen = await shown(pilot, MyBookingsScreen)
        await settle(pilot, lambda: screen.loaded)
        assert screen.rows[str(mine.id)].status.value == "pending"
        BookingService(elsewhere).approve("mgr", mine.id)
        await settle(
            pilot, lambda: screen.rows[str(mine.id)].status.value == "confirmed", timeout=WITHIN
        )

    manager = EquipshareApp(live, "mgr")
    async with manager.run_test(size=(120, 30), message_hook=recorded(manager)) as pilot:
        await settle(pilot, lambda: manager.staff)
        await pilot.press("A")
        approvals = await shown(pilot, ApprovalsScreen)
        await settle(pilot, lambda: approvals.loaded)
        later = replace(meg, starts_at=london(2026, 3, 19, 10), ends_at=london(2026, 3, 19, 12))
        request = BookingService(elsewhere).book("bob", later)
        await settle(pilot, lambda: str(request.id) in approvals.rows, timeout=WITHIN)


async def test_the_catalogues_next_free_follows_a_booking_made_elsewhere(
    live: ServiceContext, elsewhere: ServiceContext, world: World
) -> None:
    app = EquipshareApp(live, "erin")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        table = app.screen.query_one("#catalogue-table", CatalogueTable)
        await settle(pilot, lambda: RAM in table.codes and "…" not in table.cell(RAM, "next_free"))
        assert table.cell(RAM, "next_free") == "Mon 16 Mar 10:00 GMT"
        request = BookingRequest(RAM, london(2026, 3, 16, 10), london(2026, 3, 16, 11))
        BookingService(elsewhere).book("alice", request)
        await settle(
            pilot, lambda: table.cell(RAM, "next_free") == "Mon 16 Mar 11:00 GMT", timeout=WITHIN
        )


@pytest.fixture
def drawn_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal draws frames while rows arrive: draw a paged table as soon as it is given
    a page, before it has measured the page's cells (when a cut cell would be kept)."""
    show_page = PagedTable.show_page

    def show_and_draw(table: PagedTable, *args: Any, **kwargs: Any) -> bool:
        shown = show_page(table, *args, **kwargs)
        for y in range(table.size.height):
            table.render_line(y)
        return shown

    monkeypatch.setattr(PagedTable, "show_page", show_and_draw)


@pytest.mark.usefixtures("drawn_at_once")
async def test_an_edited_bookings_price_shows_two_decimals(
    context: ServiceContext, world: World
) -> None:
    RateService(context).set("mgr", XPS, UserClass.INTERNAL, Decimal("48"))
    request = BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12))
    BookingService(context).book("alice", request)
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("m")
        screen = await shown(pilot, MyBookingsScreen)
        await settle(pilot, lambda: screen.loaded)
        table = screen.query_one(DataTable)
        assert "£96.00" in drawn_row(app, table)
        await pilot.press("e")
        form = await shown(pilot, BookingForm)
        form.query_one("#booking-length", Input).value = "3h"
        await pilot.press("ctrl+s")
        await settle(
            pilot,
            lambda: app.screen is screen and screen.loaded and "£144.00" in drawn_row(app, table),
        )


def drawn_row(app: EquipshareApp, table: DataTable[object]) -> str:
    """The table's first row as the terminal shows it: drawn, then read back."""
    app.export_screenshot()  # a full render, as the terminal gets
    line = table.render_lines(Region(0, 1, table.size.width, 1))[0]
    return line.text

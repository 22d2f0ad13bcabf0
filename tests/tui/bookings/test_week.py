"""Week calendar: states and colours, paging and jumping, booking a free range, refusals inline.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT). British Summer Time starts on
Sun 29 Mar 2026, so the week of 23 Mar holds the clock change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from equipshare.domain.enums import BookingStatus, DowntimeReason
from equipshare.domain.records.instruments.schedule import WeekView
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.my_bookings import MyBookingsService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.bookings.booking_form import BookingForm
from equipshare.tui.modals.bookings.go_to_date import GoToDateModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.instrument import InstrumentScreen
from equipshare.tui.screens.week import WeekScreen
from equipshare.tui.week_layout import CellState
from equipshare.tui.widgets.week_grid import WeekGrid
from tests.support.world import World, london
from tests.tui.conftest import Posted, settle, shown

XPS = "WAR-XPS-01"


@pytest.fixture
def busy_week(context: ServiceContext, world: World) -> dict[str, int]:
    bookings = BookingService(context)
    ids = {
        "bob": bookings.book(
            "bob", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12))
        ).id,
        "alice": bookings.book(
            "alice", BookingRequest(XPS, london(2026, 3, 18, 10), london(2026, 3, 18, 11))
        ).id,
    }
    DowntimeService(context).schedule(
        "tech",
        XPS,
        london(2026, 3, 19, 13),
        london(2026, 3, 19, 15),
        DowntimeReason.MAINTENANCE,
        "new filament",
    )
    return ids


def view_of(app: EquipshareApp) -> WeekView:
    view = week_screen(app).view
    assert view is not None
    return view


def week_screen(app: EquipshareApp) -> WeekScreen:
    assert isinstance(app.screen, WeekScreen)
    return app.screen


def grid(app: EquipshareApp) -> WeekGrid:
    return week_screen(app).query_one(WeekGrid)


async def open_week(app: EquipshareApp, pilot: Pilot[None], code: str = XPS) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    app.open_week(code)
    await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)


def status(app: EquipshareApp) -> str:
    return str(week_screen(app).query_one("#week-status", Static).render())


def form(app: EquipshareApp) -> BookingForm:
    assert isinstance(app.screen, BookingForm)
    return app.screen


def field_error(app: EquipshareApp, name: str) -> str:
    return str(form(app).query_one(f"#{name}-error", Static).render()).strip()


async def next_week_loaded(pilot: Pilot[None], posted: Posted, *keys: str) -> None:
    """Press `keys` and wait for the week they load (the one shown before is loaded too)."""
    before = posted.count(WeekScreen.WeekLoaded)
    await pilot.press(*keys)
    await settle(pilot, lambda: posted.count(WeekScreen.WeekLoaded) > before)


async def test_the_week_shows_each_state_and_pages_across_the_clock_change(
    context: ServiceContext, busy_week: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    posted = Posted()
    async with app.run_test(size=(100, 30), message_hook=posted) as pilot:
        await open_week(app, pilot)
        cells = grid(app).cells
        tuesday = {c.starts_at: c for c in cells[1]}
        assert tuesday[london(2026, 3, 17, 10)].state is CellState.PENDING
        assert tuesday[london(2026, 3, 17, 10)].label == "Booked (ASTON)"
        assert cells[2][10].state is CellState.MINE
        assert cells[3][13].state is CellState.DOWNTIME
        assert cells[5][12].state is CellState.CLOSED  # Saturday
        # The cursor starts today (Monday) at the first open hour, 09:00.
        assert (grid(app).cursor_day, grid(app).cursor_row) == (0, 9)

        await pilot.press("right", "down")
        assert status(app).startswith("Tue 17 Mar 2026 10:00-12:00 GMT · Booked (Aston")

        await next_week_loaded(pilot, posted, "right_square_bracket")
        assert view_of(app).week_start == date(2026, 3, 23)
        notice = str(week_screen(app).query_one("#week-notice", Static).render())
        assert "Clocks go forward on Sun 29 Mar (GMT to BST)" in notice
        assert grid(app).cells[6][1].state is CellState.SKIPPED

        await next_week_loaded(pilot, posted, "right_square_bracket")
        monday_nine = grid(app).cells[0][9]
        assert monday_nine.starts_at == datetime(2026, 3, 30, 8, tzinfo=UTC)  # 09:00 BST
        assert monday_nine.state is CellState.FREE

        await next_week_loaded(pilot, posted, "t")
        assert view_of(app).week_start == date(2026, 3, 16)

        await pilot.press("g")
        await shown(pilot, GoToDateModal)
        await next_week_loaded(pilot, posted, "ctrl+a", "ctrl+k", *"2026-10-28", "enter")
        assert isinstance(app.screen, WeekScreen) and app.screen.loaded
        assert view_of(app).week_start == date(2026, 10, 26)
        assert grid(app).cursor_day == 2  # Wednesday, the date asked for

        # Leaving Monday to the left goes to the previous week's Sunday.
        await next_week_loaded(pilot, posted, "left", "left", "left")
        assert view_of(app).week_start == date(2026, 10, 19)
        assert grid(app).cursor_day == 6


async def test_select_a_free_range_and_book_it(
    context: ServiceContext, busy_week: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    posted = Posted()
    async with app.run_test(size=(100, 30), message_hook=posted) as pilot:
        await open_week(app, pilot)
        await pilot.press("right", "right", "down", "down", "down", "shift+down")  # Wed 12-14
        assert status(app).startswith("Wed 18 Mar 2026 12:00-14:00 GMT · free")
        await pilot.press("enter")
        await shown(pilot, BookingForm)
        assert form(app).value("start") == "2026-03-18 12:00"
        assert form(app).value("length") == "2h"
        # The write, then the week loaded again because bookings changed.
        await next_week_loaded(pilot, posted, *"depth profile", "enter")
        assert isinstance(app.screen, WeekScreen) and app.screen.loaded

        rows = MyBookingsService(context).list("alice", upcoming=True)
        made = [r for r in rows if r.starts_at == london(2026, 3, 18, 12)]
        assert len(made) == 1 and made[0].ends_at == london(2026, 3, 18, 14)
        assert made[0].purpose == "depth profile" and made[0].status is BookingStatus.CONFIRMED
        # The grid reloaded by itself after the write.
        assert grid(app).cells[2][12].state is grid(app).cells[2][13].state is CellState.MINE


async def test_a_clash_is_refused_beside_the_start_with_the_nearest_free_slots(
    context: ServiceContext, busy_week: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_week(app, pilot)
        await pilot.press("right", "enter")  # Tue 09:00, free
        await shown(pilot, BookingForm)
        start = form(app).query_one("#booking-start", Input)
        start.value = "2026-03-17 10:00"  # bob's pending booking holds 10:00-12:00
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: field_error(app, "start") != "")
        assert "already booked" in field_error(app, "start")
        assert field_error(app, "length") == ""
        nearest = form(app).query_one("#booking-nearest", OptionList)
        offered = [str(nearest.get_option_at_index(i).prompt) for i in range(nearest.option_count)]
        assert offered[:3] == [  # an hour either side; earlier first on a tie
            "Free: Tue 17 Mar 2026 09:00-10:00 GMT",
            "Free: Tue 17 Mar 2026 12:00-13:00 GMT",
            "Free: Tue 17 Mar 2026 13:00-14:00 GMT",
        ]
        nearest.focus()
        nearest.highlighted = 1
        await pilot.press("enter")  # take the one after the clash
        assert start.value == "2026-03-17 12:00"
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen))
        rows = MyBookingsService(context).list("alice", upcoming=True)
        assert london(2026, 3, 17, 12) in [r.starts_at for r in rows]


async def test_bad_input_is_refused_beside_its_field_and_nothing_is_written(
    context: ServiceContext, busy_week: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await open_week(app, pilot)
        await pilot.press("right", "enter")
        await shown(pilot, BookingForm)
        form(app).query_one("#booking-length", Input).value = "forever"
        await pilot.press("ctrl+s")
        assert "not a length" in field_error(app, "length")
        form(app).query_one("#booking-length", Input).value = "10h"  # over the 8 h maximum
        await pilot.press("ctrl+s")
        # "not a length" is still showing until the service's refusal arrives.
        await settle(pilot, lambda: posted.count(BookingForm.BookingRefused) == 1)
        assert field_error(app, "length") != "" and not form(app).busy
        assert "8 hours" in field_error(app, "length") or "480" in field_error(app, "length")
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen))
        assert [r.booking_id for r in MyBookingsService(context).list("alice", upcoming=True)] == [
            busy_week["alice"]
        ]


async def test_w_on_the_instrument_screen_opens_its_week(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.open_instrument(XPS)
        await settle(pilot, lambda: isinstance(app.screen, InstrumentScreen))
        await pilot.press("w")
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
        assert week_screen(app).code == XPS
        await pilot.press("escape")
        assert isinstance(app.screen, InstrumentScreen)


async def test_the_mouse_moves_the_cursor_drags_a_range_and_double_click_books(
    context: ServiceContext, busy_week: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_week(app, pilot)
        week_grid = grid(app)
        width = (week_grid.size.width - 6) // 7
        row_y = 1 + 13 - week_grid.top  # the 13:00 row, under the header line

        def at(day: int, y: int) -> tuple[int, int]:
            return (6 + day * width + 1, y)

        await pilot.click(WeekGrid, offset=at(2, row_y))  # Wed 13:00
        assert (week_grid.cursor_day, week_grid.cursor_row) == (2, 13)
        await pilot.mouse_down(WeekGrid, offset=at(2, row_y))
        await pilot.hover(WeekGrid, offset=at(2, row_y + 2))
        await pilot.mouse_up(WeekGrid, offset=at(2, row_y + 2))
        assert status(app).startswith("Wed 18 Mar 2026 13:00-16:00 GMT · free")

        await pilot.click(WeekGrid, offset=at(4, row_y), times=2)  # Fri 13:00
        await shown(pilot, BookingForm)
        assert form(app).value("start") == "2026-03-20 13:00"


async def test_a_taller_terminal_shows_the_early_hours_it_has_room_for(
    context: ServiceContext, world: World
) -> None:
    """At 80x24 the grid opens scrolled to the opening hours; made taller, all 24 hours fit
    and are painted from 00:00, not from the old top above blank rows (seen in a snapshot)."""
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.open_week(XPS)
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
        assert "00:00" not in app.export_screenshot()
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        assert app.screen.query_one(WeekGrid).top == 0
        assert "00:00" in app.export_screenshot()

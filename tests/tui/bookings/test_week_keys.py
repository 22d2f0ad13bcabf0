"""Week calendar keys (issue 20): every press of ] counts, t goes to today, g reads the dates
the training import reads and says which forms it takes when it refuses one.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT).
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from functools import partial

from textual.widgets import Input, Static

from equipshare.domain.records.instruments.schedule import WeekView
from equipshare.services.bookings.service import WeekService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.bookings.go_to_date import GoToDateModal
from equipshare.tui.screens.week import WeekScreen
from equipshare.tui.widgets.week_grid import WeekGrid
from tests.support.world import World
from tests.tui.bookings.test_week import open_week, view_of
from tests.tui.conftest import recorded, settle, shown

THIS_MONDAY = date(2026, 3, 16)


def grid(app: EquipshareApp) -> WeekGrid:
    return app.screen.query_one(WeekGrid)


class GatedWeeks(WeekService):
    """A WeekService whose reads wait while the gate is shut, as a busy database makes them:
    keys pressed meanwhile arrive before any week they asked for."""

    def __init__(self, context: ServiceContext) -> None:
        super().__init__(context)
        self.gate = threading.Event()
        self.gate.set()

    def week(self, actor_username: str, code: str, day: date | None = None) -> WeekView:
        assert self.gate.wait(timeout=30), "the test never opened the gate"
        return super().week(actor_username, code, day)


def gated(app: EquipshareApp) -> GatedWeeks:
    weeks = GatedWeeks(app.context)
    app.weeks = weeks  # the app builds the week screen with its service on first use
    return weeks


def loaded(app: EquipshareApp) -> bool:
    return isinstance(app.screen, WeekScreen) and app.screen.loaded


async def test_ten_presses_of_right_bracket_with_no_pause_move_ten_weeks(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        weeks = gated(app)
        await open_week(app, pilot)
        # No pause between presses, and none answered before the last: each counts.
        weeks.gate.clear()
        await pilot.press(*["right_square_bracket"] * 10)
        weeks.gate.set()
        await settle(pilot, lambda: loaded(app))
        assert view_of(app).week_start == THIS_MONDAY + timedelta(weeks=10)
        weeks.gate.clear()
        await pilot.press(*["left_square_bracket"] * 3, "pagedown", "left_square_bracket")
        weeks.gate.set()
        await settle(pilot, lambda: loaded(app))
        assert view_of(app).week_start == THIS_MONDAY + timedelta(weeks=7)
        title = str(app.screen.query_one("#week-title", Static).render())
        assert "week of Mon 4 May 2026" in title


async def test_arrows_past_the_edge_count_every_press_too(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        weeks = gated(app)
        await open_week(app, pilot)
        weeks.gate.clear()
        await pilot.press("left", "left", "left")  # from Monday: Sunday, Saturday, Friday before
        weeks.gate.set()
        await settle(pilot, lambda: loaded(app))
        assert view_of(app).week_start == THIS_MONDAY - timedelta(weeks=1)
        assert grid(app).cursor_day == 4


async def test_t_goes_to_today_with_the_cursor_on_today(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        today_row = grid(app).cursor_row
        await pilot.press("right", "right", "down", "down", "right_square_bracket")
        await settle(pilot, lambda: loaded(app))
        assert grid(app).cursor_day == 2 and view_of(app).week_start != THIS_MONDAY
        await pilot.press("t")
        await settle(pilot, lambda: loaded(app))
        assert view_of(app).week_start == THIS_MONDAY
        assert (grid(app).cursor_day, grid(app).cursor_row) == (0, today_row)
        # Already on today: t still answers by putting the cursor back.
        await pilot.press("right", "t")
        await settle(pilot, lambda: loaded(app))
        assert (grid(app).cursor_day, grid(app).cursor_row) == (0, today_row)


async def test_g_reads_a_british_date_as_the_training_import_does(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        await pilot.press("g")
        modal = await shown(pilot, GoToDateModal)
        modal.query_one(Input).value = "16/12/2026"
        await pilot.press("enter")
        await settle(pilot, lambda: loaded(app))
        assert view_of(app).week_start == date(2026, 12, 14)
        assert grid(app).cursor_day == 2  # Wednesday 16 December


async def test_g_names_the_forms_it_reads_when_it_refuses_one(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        await pilot.press("g")
        modal = await shown(pilot, GoToDateModal)
        modal.query_one(Input).value = "31/02/2026"
        await pilot.press("enter")
        await pilot.pause()
        error = str(modal.query_one("#go-error", Static).render())
        assert "31/02/2026" in error
        assert "2026-12-16" in error and "16/12/2026" in error
        assert isinstance(app.screen, GoToDateModal)


def shows_week(app: EquipshareApp, monday: date) -> bool:
    return loaded(app) and view_of(app).week_start == monday


async def test_g_reads_a_day_and_month_s_name_and_tomorrow(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        for typed, monday, day in (
            ("16 Dec", date(2026, 12, 14), 2),
            ("tomorrow", date(2026, 3, 16), 1),
        ):
            await pilot.press("g")
            modal = await shown(pilot, GoToDateModal)
            modal.query_one(Input).value = typed
            await pilot.press("enter")
            await settle(pilot, partial(shows_week, app, monday))
            assert grid(app).cursor_day == day

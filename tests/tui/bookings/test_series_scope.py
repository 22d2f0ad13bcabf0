"""Series in the TUI: booking one that skips its clashes, and moving or cancelling "just this
one", "this and following" or "all" of it from My bookings and the week calendar.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT); British Summer Time starts on
Sun 29 Mar 2026, so a weekly series keeps its wall-clock time across the change.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, Static

from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.scheduling.bookings import (
    BookingRecord,
    BookingRequest,
    RecurrenceRule,
)
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.my_bookings import MyBookingsService
from equipshare.services.bookings.series import SeriesService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.bookings.booking_form import BookingForm
from equipshare.tui.modals.bookings.reason import CancelBookingModal
from equipshare.tui.modals.bookings.series_scope import SeriesScopeModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.screens.week import WeekScreen
from tests.support.world import World, london
from tests.tui.conftest import recorded, settle, shown

XPS = "WAR-XPS-01"


def series_of(context: ServiceContext, start: datetime, count: int) -> list[BookingRecord]:
    """alice's weekly XPS series of one-hour sessions from `start`."""
    result = SeriesService(context).book_series(
        "alice",
        BookingRequest(XPS, start, start.replace(hour=start.hour + 1), purpose="films"),
        RecurrenceRule(freq="weekly", count=count),
    )
    return list(result.bookings)


def booking(context: ServiceContext, booking_id: int) -> BookingRecord:
    return BookingService(context).get("root", booking_id)


def notes(app: EquipshareApp, severity: str) -> list[str]:
    return recorded(app).notified(severity)


async def open_week(app: EquipshareApp, pilot: Pilot[None]) -> WeekScreen:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    app.open_week(XPS)
    await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
    assert isinstance(app.screen, WeekScreen)
    return app.screen


async def open_my_bookings(app: EquipshareApp, pilot: Pilot[None]) -> MyBookingsScreen:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    await pilot.press("m")
    await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen) and app.screen.loaded)
    assert isinstance(app.screen, MyBookingsScreen)
    return app.screen


async def weekly_form(pilot: Pilot[None], count: str, *, skip: bool) -> BookingForm:
    """On the form Enter opened: repeat weekly `count` times, ticking skip conflicts."""
    form = await shown(pilot, BookingForm)
    form.query_one("#booking-repeat", Select).value = "weekly"
    skip_box = form.query_one("#booking-skip", Checkbox)
    await settle(pilot, lambda: not skip_box.disabled)
    form.query_one("#booking-count", Input).value = count
    if skip:
        skip_box.focus()
        await pilot.press("space")
        assert skip_box.value
    return form


@pytest.fixture
def clash(context: ServiceContext, world: World) -> int:
    """bob holds Tue 24 Mar 10:00-11:00: the second Tuesday of a weekly series from the 17th."""
    request = BookingRequest(XPS, london(2026, 3, 24, 10), london(2026, 3, 24, 11))
    return BookingService(context).book("bob", request).id


async def test_a_weekly_series_skips_its_clash_and_says_which_date(
    context: ServiceContext, clash: int
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        await pilot.press("right", "down", "enter")  # Tue 17 Mar 10:00, an hour
        await weekly_form(pilot, "3", skip=True)
        await pilot.press("ctrl+s")
        await settle(
            pilot, lambda: isinstance(app.screen, WeekScreen) and bool(notes(app, "warning"))
        )

        mine = MyBookingsService(context).list("alice", upcoming=True)
        assert [(r.starts_at, r.status) for r in mine] == [
            (london(2026, 3, 17, 10), BookingStatus.CONFIRMED),
            (london(2026, 3, 31, 10), BookingStatus.CONFIRMED),  # 10:00 BST
        ]
        report = notes(app, "warning")[0].splitlines()
        assert report[0].endswith(": 2 booked, 1 skipped") and report[0].startswith("series ")
        assert report[1].startswith("skipped Tue 24 Mar 2026 10:00-11:00 GMT: ")
        assert "already booked" in report[1]
        assert notes(app, "error") == []


async def test_without_skip_conflicts_the_clash_refuses_the_whole_series(
    context: ServiceContext, clash: int
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        await pilot.press("right", "down", "enter")
        form = await weekly_form(pilot, "3", skip=False)
        await pilot.press("ctrl+s")
        error = form.query_one("#start-error", Static)
        await settle(pilot, lambda: str(error.render()).strip() != "")
        text = str(error.render())
        assert "occurrence 2 of 3, 10:00-11:00 Tue 24 Mar 2026 GMT" in text
        assert "already booked" in text
        assert isinstance(app.screen, BookingForm)
        assert MyBookingsService(context).list("alice", upcoming=True) == ()


async def test_move_this_and_following_moves_only_the_later_occurrences(
    context: ServiceContext, world: World
) -> None:
    first, second, third = series_of(context, london(2026, 3, 18, 10), 3)
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("down", "e")  # the second occurrence, Wed 25 Mar
        modal = await shown(pilot, SeriesScopeModal)
        question = str(modal.query_one("#scope-question", Static).render())
        assert f"Booking {second.id} on {XPS}, Wed 25 Mar 2026 10:00-11:00 GMT" in question
        await pilot.press("f")
        form = await shown(pilot, BookingForm)
        title = str(form.query_one("#booking-title", Static).render())
        assert title.startswith(f"Move booking {second.id} (this and following) on {XPS}")
        assert form.query_one("#booking-project", Input).disabled
        form.query_one("#booking-start", Input).value = "14:00"
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen) and app.screen.loaded)

        assert booking(context, first.id).starts_at == london(2026, 3, 18, 10)
        assert booking(context, first.id).sequence == 0
        assert booking(context, second.id).starts_at == london(2026, 3, 25, 14)
        assert booking(context, third.id).starts_at == london(2026, 4, 1, 14)  # 14:00 BST
        assert booking(context, third.id).ends_at == london(2026, 4, 1, 15)
        info = notes(app, "information")
        assert f"Booking {second.id} is now Wed 25 Mar 2026 14:00-15:00 GMT (confirmed)" in info[-1]
        assert notes(app, "error") == []


async def test_a_series_move_to_another_day_is_refused_beside_the_start(
    context: ServiceContext, world: World
) -> None:
    first, *_ = series_of(context, london(2026, 3, 18, 10), 2)
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("e")
        await shown(pilot, SeriesScopeModal)
        await pilot.press("a")
        form = await shown(pilot, BookingForm)
        form.query_one("#booking-start", Input).value = "2026-03-19 10:00"
        await pilot.press("ctrl+s")
        error = str(form.query_one("#start-error", Static).render())
        assert "give a time of day such as 14:00; each occurrence keeps its own day" in error
        assert booking(context, first.id).starts_at == london(2026, 3, 18, 10)


async def test_cancel_all_from_the_week_cancels_the_occurrences_not_yet_over(
    context: ServiceContext, world: World, clock: FrozenClock
) -> None:
    past, today, later = series_of(context, london(2026, 3, 16, 10), 3)
    clock.instant = london(2026, 3, 23, 9)  # the first occurrence is over
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        week = await open_week(app, pilot)
        assert week.view is not None and week.view.week_start.isoformat() == "2026-03-23"
        await pilot.press("down", "c")  # Mon 23 Mar 10:00, today's occurrence
        await shown(pilot, SeriesScopeModal)
        await pilot.press("a")
        await shown(pilot, CancelBookingModal)
        await pilot.press(*"project ended", "enter")
        await settle(
            pilot,
            lambda: any(n.startswith("Cancelled 2 bookings") for n in notes(app, "information")),
        )
        assert booking(context, past.id).status is BookingStatus.CONFIRMED
        for cancelled in (today, later):
            record = booking(context, cancelled.id)
            assert record.status is BookingStatus.CANCELLED
            assert record.status_reason == "project ended"
        assert notes(app, "error") == []


async def test_cancel_just_this_one_leaves_the_rest_of_the_series(
    context: ServiceContext, world: World
) -> None:
    first, second = series_of(context, london(2026, 3, 18, 10), 2)
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("c")
        await shown(pilot, SeriesScopeModal)
        await pilot.press("t")
        await shown(pilot, CancelBookingModal)
        await pilot.press("enter")
        await settle(pilot, lambda: booking(context, first.id).status is BookingStatus.CANCELLED)
        assert booking(context, second.id).status is BookingStatus.CONFIRMED


async def test_escape_on_the_scope_question_changes_nothing(
    context: ServiceContext, world: World
) -> None:
    first, second = series_of(context, london(2026, 3, 18, 10), 2)
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("c")
        await shown(pilot, SeriesScopeModal)
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen))
        assert {booking(context, b.id).status for b in (first, second)} == {BookingStatus.CONFIRMED}


async def test_a_single_booking_asks_no_scope(context: ServiceContext, world: World) -> None:
    single = BookingService(context).book(
        "alice", BookingRequest(XPS, london(2026, 3, 18, 10), london(2026, 3, 18, 11))
    )
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("e")
        form = await shown(pilot, BookingForm)
        assert not any(isinstance(s, SeriesScopeModal) for s in app.screen_stack)
        title = str(form.query_one("#booking-title", Static).render())
        assert title.startswith(f"Move booking {single.id} on {XPS}")
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen))
        await pilot.press("c")
        await shown(pilot, CancelBookingModal)
        assert not any(isinstance(s, SeriesScopeModal) for s in app.screen_stack)
        await pilot.press("enter")
        await settle(pilot, lambda: booking(context, single.id).status is BookingStatus.CANCELLED)
        assert f"Cancelled booking {single.id} on {XPS}" in notes(app, "information")


async def test_the_week_refuses_someone_elses_booking_and_free_time(
    context: ServiceContext, clash: int
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        await pilot.press("c")  # Mon 16 Mar 09:00: free
        await settle(pilot, lambda: bool(notes(app, "warning")))
        assert notes(app, "warning") == ["No booking under the cursor"]
        await pilot.press("right_square_bracket")
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
        await pilot.press("right", "down", "e")  # Tue 24 Mar 10:00: bob's
        await settle(pilot, lambda: bool(notes(app, "error")))
        assert isinstance(app.screen, WeekScreen)
        assert "change this booking" in notes(app, "error")[0]
        assert booking(context, clash).starts_at == london(2026, 3, 24, 10)

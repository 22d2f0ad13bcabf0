"""The TUI says what a cancel or a move costs: the cancel question says what cancelling now
costs before it is confirmed (late fee, or free until when, or free for staff), the
notification after says what it did cost, and a move names the old and new price.

The clock starts at Mon 16 Mar 2026 09:00 UTC (GMT). The XPS costs alice £30 an hour.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from equipshare.domain.enums import BookingStatus, UserClass
from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.service import BookingService, SeriesService
from equipshare.services.charging.rates import FacilityPolicyService, RateService
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
TUE_10, TUE_11 = london(2026, 3, 17, 10), london(2026, 3, 17, 11)


@pytest.fixture
def priced(context: ServiceContext, world: World) -> None:
    RateService(context).set("mgr", XPS, UserClass.INTERNAL, Decimal("30"))
    FacilityPolicyService(context).set(
        "mgr", "WAR-PRP", free_cancellation_hours=24, late_cancellation_percent=100
    )


def book(context: ServiceContext, start: datetime, end: datetime) -> int:
    return BookingService(context).book("alice", BookingRequest(XPS, start, end)).id


def notes(app: EquipshareApp, severity: str = "information") -> list[str]:
    return recorded(app).notified(severity)


def notice(modal: CancelBookingModal) -> str | None:
    found = modal.query("#reason-notice")
    return str(found.first(Static).render()) if found else None


async def open_my_bookings(app: EquipshareApp, pilot: Pilot[None]) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    await pilot.press("m")
    await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen) and app.screen.loaded)


async def test_a_late_cancel_says_its_fee_before_and_after(
    context: ServiceContext, priced: None, clock: FrozenClock
) -> None:
    booking = book(context, TUE_10, TUE_11)
    clock.instant = london(2026, 3, 17, 8)  # two hours before the start
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("c")
        modal = await shown(pilot, CancelBookingModal)
        assert notice(modal) == (
            "Cancelling now costs £30.00, 100% late fee (within 24 h of the start)."
        )
        assert BookingService(context).get("alice", booking).status is BookingStatus.CONFIRMED
        await pilot.press("enter")
        expected = (
            f"Cancelled booking {booking} on {XPS}; late cancellation fee £30.00 "
            "(100% of £30.00, within 24 h of the start)"
        )
        await settle(pilot, lambda: expected in notes(app))
        assert BookingService(context).get("alice", booking).charge_pence == 3000
        assert notes(app, "error") == []


async def test_an_early_cancel_says_until_when_it_is_free(
    context: ServiceContext, priced: None
) -> None:
    booking = book(context, london(2026, 3, 18, 10), london(2026, 3, 18, 11))
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("c")
        modal = await shown(pilot, CancelBookingModal)
        assert notice(modal) == (
            "Cancelling now is free until Tue 17 Mar 2026 10:00 GMT; then £30.00 (100% late fee)."
        )
        await pilot.press("enter")
        expected = (
            f"Cancelled booking {booking} on {XPS}; no charge (more than 24 h before the start)"
        )
        await settle(pilot, lambda: expected in notes(app))
        assert BookingService(context).get("alice", booking).charge_pence == 0


async def test_an_unpriced_booking_is_asked_about_without_money(
    context: ServiceContext, world: World
) -> None:
    booking = book(context, TUE_10, TUE_11)
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("c")
        modal = await shown(pilot, CancelBookingModal)
        assert notice(modal) is None
        await pilot.press("enter")
        await settle(pilot, lambda: f"Cancelled booking {booking} on {XPS}" in notes(app))


async def test_cancelling_a_series_from_the_week_quotes_every_occurrence(
    context: ServiceContext, priced: None, clock: FrozenClock
) -> None:
    series = SeriesService(context).book_series(
        "alice", BookingRequest(XPS, TUE_10, TUE_11), RecurrenceRule("weekly", count=2)
    )
    clock.instant = london(2026, 3, 17, 8)
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.open_week(XPS)
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
        week = app.screen
        assert isinstance(week, WeekScreen)
        week.ask_to_cancel(series.bookings[0].id)
        await shown(pilot, SeriesScopeModal)
        await pilot.press("a")
        modal = await shown(pilot, CancelBookingModal)
        assert notice(modal) == (
            "Cancelling these 2 bookings now costs £30.00: a late fee on 1 of them "
            "(within 24 h of the start)."
        )
        await pilot.press(*"project ended", "enter")
        expected = (
            f"Cancelled 2 bookings on {XPS}: {series.bookings[0].id}, {series.bookings[1].id}; "
            "late cancellation fees £30.00"
        )
        await settle(pilot, lambda: expected in notes(app))


async def test_staff_are_told_they_cancel_free(
    context: ServiceContext, priced: None, clock: FrozenClock
) -> None:
    booking = book(context, TUE_10, TUE_11)
    clock.instant = london(2026, 3, 17, 8)
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        # The manager's standing arrives first, so nothing else is loading behind the week.
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        app.open_week(XPS)
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
        week = app.screen
        assert isinstance(week, WeekScreen)
        week.ask_to_cancel(booking)
        modal = await shown(pilot, CancelBookingModal)
        assert notice(modal) == "Cancelling now is free (facility staff and admins cancel free)."
        await pilot.press(*"service visit", "enter")
        await settle(
            pilot,
            lambda: (
                (
                    f"Cancelled booking {booking} on {XPS}; "
                    "no charge (facility staff and admins cancel free)"
                )
                in notes(app)
            ),
        )


async def test_a_move_names_the_old_and_new_price(context: ServiceContext, priced: None) -> None:
    booking = book(context, TUE_10, TUE_11)
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("e")
        form = await shown(pilot, BookingForm)
        form.query_one("#booking-length", Input).value = "2h"
        await pilot.press("ctrl+s")
        expected = (
            f"Booking {booking} is now Tue 17 Mar 2026 10:00-12:00 GMT (confirmed)\n"
            "Price £30.00 -> £60.00"
        )
        await settle(pilot, lambda: expected in notes(app))
        assert BookingService(context).get("alice", booking).charge_pence == 6000

"""Charge quotes on both engines: what cancelling would cost is what cancelling then
charges (late, free, staff, the edge of the free window, across a clock change, a series),
what a booking costs before a move, and why a used session bills what it does.

The clock starts at Mon 16 Mar 2026 09:00 UTC (GMT); London goes to BST on Sun 29 Mar.
Prices are worked out by hand: the XPS at £20 an hour internal, so 2 h is 4000p.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from equipshare.db.engine import Database
from equipshare.domain.enums import BookingStatus, ChargeBasis, UserClass
from equipshare.domain.errors import PermissionDenied, RefusedError
from equipshare.domain.money.charge_quotes import (
    FeeWaiver,
    fee_words,
    price_change_words,
    quote_words,
    use_charge_words,
)
from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.service import (
    BookingService,
    ChargeQuoteService,
    CheckInService,
    SeriesService,
)
from equipshare.services.plumbing.context import ServiceContext
from tests.support.pricing import plant_rate, set_policy
from tests.support.world import World, london

XPS, RAM = "WAR-XPS-01", "WAR-RAM-01"
TUE_10, TUE_12 = london(2026, 3, 17, 10), london(2026, 3, 17, 12)


@pytest.fixture
def quotes(context: ServiceContext, world: World) -> ChargeQuoteService:
    return ChargeQuoteService(context)


@pytest.fixture
def priced(database: Database, world: World) -> None:
    plant_rate(database, world, XPS, UserClass.INTERNAL, "20", "25")
    plant_rate(database, world, RAM, UserClass.INTERNAL, "20")


def at(clock: FrozenClock, instant: datetime) -> None:
    clock.instant = instant.astimezone(UTC)


def book(svc: BookingService, start: datetime, end: datetime, code: str = XPS) -> int:
    return svc.book("alice", BookingRequest(code, start, end)).id


def test_a_late_cancellation_is_quoted_and_charged_the_same(
    svc: BookingService,
    quotes: ChargeQuoteService,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
) -> None:
    set_policy(database, world, free_hours=24, late_percent=100)
    booking = book(svc, TUE_10, TUE_12)
    at(clock, TUE_10 - timedelta(hours=3))
    quote = quotes.cancellation("alice", booking)
    (line,) = quote.lines
    assert (line.booking_id, line.terms.late, line.terms.waived) == (booking, True, None)
    assert quote.fee_pence == 4000
    assert fee_words(line.terms) == (
        "late cancellation fee £40.00 (100% of £40.00, within 24 h of the start)"
    )
    assert quote_words(quote) == (
        "Cancelling now costs £40.00, 100% late fee (within 24 h of the start)."
    )
    assert svc.get("alice", booking).status is BookingStatus.CONFIRMED  # asking changed nothing
    assert svc.cancel("alice", booking).charge_pence == quote.fee_pence


def test_a_free_cancellation_says_until_when_it_stays_free(
    svc: BookingService,
    quotes: ChargeQuoteService,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
) -> None:
    set_policy(database, world, free_hours=24, late_percent=50)
    booking = book(svc, london(2026, 3, 18, 10), london(2026, 3, 18, 12))
    quote = quotes.cancellation("alice", booking)
    (line,) = quote.lines
    assert quote.fee_pence == 0 and not line.terms.late
    assert line.terms.free_until == london(2026, 3, 17, 10)
    assert fee_words(line.terms) == "no charge (more than 24 h before the start)"
    assert quote_words(quote) == (
        "Cancelling now is free until Tue 17 Mar 2026 10:00 GMT; then £20.00 (50% late fee)."
    )
    assert svc.cancel("alice", booking).charge_pence == 0


def test_staff_cancel_free_inside_the_window_and_are_told_why(
    svc: BookingService,
    quotes: ChargeQuoteService,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
) -> None:
    set_policy(database, world, free_hours=24, late_percent=100)
    booking = book(svc, TUE_10, TUE_12)
    at(clock, TUE_10 - timedelta(hours=1))
    for staff in ("mgr", "root"):
        quote = quotes.cancellation(staff, booking)
        assert quote.fee_pence == 0 and quote.lines[0].terms.waived is FeeWaiver.STAFF
        assert quote_words(quote) == (
            "Cancelling now is free (facility staff and admins cancel free)."
        )
    # The owner would pay; the manager cancels, and pays nothing, as quoted.
    assert quotes.cancellation("alice", booking).fee_pence == 4000
    assert svc.cancel("mgr", booking, "instrument needed").charge_pence == 0


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=1)])
def test_the_edge_of_the_free_window_is_quoted_as_it_is_charged(
    svc: BookingService,
    quotes: ChargeQuoteService,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
    offset: timedelta,
) -> None:
    set_policy(database, world, free_hours=24, late_percent=50)
    booking = book(svc, TUE_10, TUE_12)
    at(clock, TUE_10 - timedelta(hours=24) + offset)  # exactly 24 h ahead is still free
    quote = quotes.cancellation("alice", booking)
    assert quote.fee_pence == (2000 if offset else 0)
    assert svc.cancel("alice", booking).charge_pence == quote.fee_pence


def test_the_free_window_counts_real_hours_across_the_clock_change(
    svc: BookingService,
    quotes: ChargeQuoteService,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
) -> None:
    # Sun 29 Mar 10:00 BST is 09:00 UTC; 24 real hours before is Sat 09:00 GMT, not 10:00.
    set_policy(database, world, free_hours=24, late_percent=50)
    start = london(2026, 3, 29, 10)
    booking = book(svc, start, start + timedelta(hours=2), RAM)
    at(clock, london(2026, 3, 28, 9))
    free = quotes.cancellation("alice", booking)
    assert free.fee_pence == 0
    assert quote_words(free) == (
        "Cancelling now is free until Sat 28 Mar 2026 09:00 GMT; then £20.00 (50% late fee)."
    )
    at(clock, london(2026, 3, 28, 9, 30))  # 24.5 h by the wall clock, 23.5 h in fact
    late = quotes.cancellation("alice", booking)
    assert late.fee_pence == 2000
    assert svc.cancel("alice", booking).charge_pence == late.fee_pence


def test_a_series_scope_is_quoted_occurrence_by_occurrence(
    context: ServiceContext,
    svc: BookingService,
    quotes: ChargeQuoteService,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
) -> None:
    set_policy(database, world, free_hours=24, late_percent=50)
    series = SeriesService(context).book_series(
        "alice", BookingRequest(XPS, TUE_10, TUE_12), RecurrenceRule("weekly", count=3)
    )
    first, *later = (b.id for b in series.bookings)
    at(clock, TUE_10 - timedelta(hours=2))
    quote = quotes.cancellation("alice", first, "all")
    assert [line.booking_id for line in quote.lines] == [first, *later]
    assert [line.terms.fee_pence for line in quote.lines] == [2000, 0, 0]
    assert quote_words(quote) == (
        "Cancelling these 3 bookings now costs £20.00: a late fee on 1 of them "
        "(within 24 h of the start)."
    )
    following = quotes.cancellation("alice", later[0], "following")
    assert [line.booking_id for line in following.lines] == later
    cancelled = SeriesService(context).cancel_occurrences("alice", first, scope="all", reason="")
    assert {b.id: b.charge_pence for b in cancelled} == {
        line.booking_id: line.terms.fee_pence for line in quote.lines
    }


def test_a_quote_is_refused_as_the_cancel_would_be(
    svc: BookingService, quotes: ChargeQuoteService, clock: FrozenClock, priced: None
) -> None:
    booking = book(svc, TUE_10, TUE_12)
    with pytest.raises(PermissionDenied):
        quotes.cancellation("bob", booking)
    with pytest.raises(PermissionDenied):
        svc.cancel("bob", booking)
    at(clock, TUE_12)
    with pytest.raises(RefusedError, match="has already ended") as quoted:
        quotes.cancellation("alice", booking)
    with pytest.raises(RefusedError) as real:
        svc.cancel("alice", booking)
    assert str(quoted.value) == str(real.value)


def test_prices_before_a_move_cover_the_series_and_a_move_reprices(
    context: ServiceContext, svc: BookingService, quotes: ChargeQuoteService, priced: None
) -> None:
    series = SeriesService(context).book_series(
        "alice", BookingRequest(XPS, TUE_10, TUE_12), RecurrenceRule("weekly", count=2)
    )
    ids = [b.id for b in series.bookings]
    before = {p.booking_id: p for p in quotes.prices("alice", ids[1])}
    assert set(before) == set(ids) and {p.pence for p in before.values()} == {4000}
    moved = SeriesService(context).modify_occurrences(
        "alice", ids[0], scope="all", new_start_time=time(11), new_length=timedelta(hours=3)
    )
    after = {b.id: b.charge_pence for b in moved}
    assert after == {ids[0]: 6000, ids[1]: 6000}
    assert price_change_words(before[ids[0]], after[ids[0]], True) == "price £40.00 -> £60.00"
    assert price_change_words(before[ids[0]], 4000, True) == "price unchanged, £40.00"
    with pytest.raises(PermissionDenied):
        quotes.prices("bob", ids[0])


@pytest.mark.parametrize("basis", [ChargeBasis.ACTUAL, ChargeBasis.BOOKED])
def test_a_check_out_is_explained_by_the_facility_basis(
    context: ServiceContext,
    svc: BookingService,
    quotes: ChargeQuoteService,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
    basis: ChargeBasis,
) -> None:
    set_policy(database, world, basis=basis)
    booking = book(svc, TUE_10, TUE_12)
    checkins = CheckInService(context)
    at(clock, london(2026, 3, 17, 10, 2))
    checkins.check_in("alice", booking)
    at(clock, london(2026, 3, 17, 11, 55))
    record = checkins.check_out("alice", booking)
    use = quotes.use("alice", booking)
    assert use.charge_pence == record.charge_pence and use.booked_pence == 4000
    if basis is ChargeBasis.ACTUAL:
        # 113 minutes at £20 an hour: 3766.67p, half up to 3767p.
        assert (use.used_minutes, use.charge_pence) == (113, 3767)
        assert use_charge_words(use) == (
            "charge £37.67 for 1 h 53 min used, check-in to check-out (booked £40.00)"
        )
    else:
        assert (use.used_minutes, use.charge_pence) == (None, 4000)
        assert use_charge_words(use) == "charge £40.00 as booked (the facility bills booked time)"

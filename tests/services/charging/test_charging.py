"""Booking prices on both engines: frozen at booking, kept in step with every change, and
closed nightly (no-shows pay in full).

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT); sessions are on the days after.
Prices are worked out by hand in each test: 2 hours at £20 is 4000p, and so on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from equipshare.db.engine import Database
from equipshare.domain.enums import (
    AccessLevel,
    BookingStatus,
    ChargeBasis,
    DowntimeReason,
    UserClass,
)
from equipshare.domain.records.scheduling.bookings import BookingRecord, BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.checkin import CheckInService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.past import PastBookingService
from equipshare.services.calendar.importing import CalendarImportService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.pricing import plant_rate, plant_rates_for_every_class, set_policy
from tests.support.world import World, add_instrument, london

XPS = "WAR-XPS-01"
TUE_10, TUE_12 = london(2026, 3, 17, 10), london(2026, 3, 17, 12)


@pytest.fixture
def svc(context: ServiceContext, world: World) -> BookingService:
    return BookingService(context)


@pytest.fixture
def priced(database: Database, world: World) -> None:
    """The XPS at £20 an hour for internal users, with a technician at £25 an hour."""
    plant_rate(database, world, XPS, UserClass.INTERNAL, "20", "25")


def book(
    svc: BookingService, user: str, start: datetime, end: datetime, **kw: str
) -> BookingRecord:
    code = kw.pop("code", XPS)
    return svc.book(user, BookingRequest(code, start, end, **kw))


def move_to(clock: FrozenClock, instant: datetime) -> None:
    clock.instant = instant.astimezone(UTC)


def charges(record: BookingRecord) -> tuple[int, int]:
    return record.instrument_charge_pence, record.technician_charge_pence


# -- the price, frozen when booked ---------------------------------------------------------


def test_the_price_is_frozen_when_booked(
    svc: BookingService, database: Database, world: World, clock: FrozenClock, priced: None
) -> None:
    # A card from next Friday on: already published, but not in force on the day of booking.
    plant_rate(database, world, XPS, UserClass.INTERNAL, "99", valid_from=date(2026, 3, 20))
    later_session = book(svc, "alice", london(2026, 3, 24, 10), london(2026, 3, 24, 12))
    assert later_session.hourly_rate_pence == 2000 and later_session.charge_pence == 4000
    first = book(svc, "alice", TUE_10, TUE_12)
    assert (first.user_class, first.hourly_rate_pence, first.technician_rate_pence) == (
        UserClass.INTERNAL,
        2000,
        2500,
    )
    assert charges(first) == (4000, 0)  # not assisted: no technician time
    # A rate change from today on prices new bookings, never the ones already made.
    plant_rate(database, world, XPS, UserClass.INTERNAL, "50", valid_from=date(2026, 3, 16))
    assert svc.get("alice", first.id).charge_pence == 4000
    assert svc.modify("alice", first.id, ends_at=london(2026, 3, 17, 13)).charge_pence == 6000
    second = book(svc, "alice", london(2026, 3, 18, 10), london(2026, 3, 18, 11))
    assert second.hourly_rate_pence == 5000 and second.charge_pence == 5000
    # The card in force is the one of the facility's local date of booking: 23:30 UTC on
    # Thu 2 Apr is already Fri 3 Apr in London (BST), when a new card starts.
    plant_rate(database, world, XPS, UserClass.INTERNAL, "70", valid_from=date(2026, 4, 3))
    move_to(clock, datetime(2026, 4, 2, 23, 30, tzinfo=UTC))
    third = book(svc, "alice", london(2026, 4, 7, 10), london(2026, 4, 7, 11))
    assert third.hourly_rate_pence == 7000


def test_the_class_follows_the_users_institution(
    svc: BookingService, database: Database, world: World
) -> None:
    add_instrument(
        database,
        world,
        "AST-TEM-01",
        "AST-EM",
        access_level=AccessLevel.INDUSTRY,
        requires_training=False,
    )
    rates = plant_rates_for_every_class(database, world, "AST-TEM-01")
    expected = {
        "bob": UserClass.INTERNAL,  # Aston, like the instrument
        "alice": UserClass.PARTNER,  # Warwick, a consortium partner
        "carol": UserClass.EXTERNAL_ACADEMIC,  # Sheffield, not a partner
        "dave": UserClass.INDUSTRY,  # Acme Materials Ltd
    }
    for hour, (user, user_class) in enumerate(expected.items(), start=10):
        record = book(
            svc, user, london(2026, 3, 17, hour), london(2026, 3, 17, hour + 1), code="AST-TEM-01"
        )
        assert record.user_class is user_class, user
        assert record.charge_pence == rates[user_class], user


def test_an_instrument_without_a_rate_card_costs_nothing(svc: BookingService) -> None:
    record = book(svc, "alice", TUE_10, TUE_12, code="WAR-RAM-01")
    assert record.user_class is UserClass.INTERNAL
    assert (record.hourly_rate_pence, record.technician_rate_pence) == (None, None)
    assert record.charge_pence == 0


def test_an_assisted_session_adds_the_technicians_time_and_changes_reprice_it(
    svc: BookingService, priced: None
) -> None:
    record = book(svc, "alice", TUE_10, TUE_12, technician_username="tech")
    assert charges(record) == (4000, 5000)
    longer = svc.modify("alice", record.id, ends_at=london(2026, 3, 17, 13))
    assert charges(longer) == (6000, 7500)
    alone = svc.modify("alice", record.id, technician_username=None)
    assert charges(alone) == (6000, 0)
    assert alone.hourly_rate_pence == 2000 and alone.technician_rate_pence == 2500


# -- cancelling and rejecting ---------------------------------------------------------------


def test_cancelling_early_is_free_and_late_costs_the_facility_share(
    svc: BookingService, database: Database, world: World, clock: FrozenClock, priced: None
) -> None:
    set_policy(database, world, free_hours=24, late_percent=33)
    early = book(svc, "alice", TUE_10, TUE_12, technician_username="tech")  # 25 h ahead
    cancelled = svc.cancel("alice", early.id)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.cancelled_at == clock.now()
    assert cancelled.charge_pence == 0
    late = book(svc, "alice", TUE_10, TUE_12, technician_username="tech")
    move_to(clock, TUE_10 - timedelta(hours=23))
    fee = svc.cancel("alice", late.id)
    # 33% of each part, half up: 4000p -> 1320p and 5000p -> 1650p.
    assert charges(fee) == (1320, 1650)


def test_staff_and_downtime_cancel_late_for_free_and_rejection_is_free(
    svc: BookingService,
    context: ServiceContext,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
) -> None:
    by_staff = book(svc, "alice", TUE_10, TUE_12)
    by_downtime = book(svc, "alice", london(2026, 3, 17, 13), london(2026, 3, 17, 15))
    move_to(clock, TUE_10 - timedelta(hours=2))
    assert svc.cancel("mgr", by_staff.id, "instrument needed").charge_pence == 0
    DowntimeService(context).schedule(
        "tech",
        XPS,
        london(2026, 3, 17, 13),
        london(2026, 3, 17, 16),
        DowntimeReason.REPAIR,
        confirm_cancellations=True,
    )
    gone = svc.get("alice", by_downtime.id)
    assert gone.status is BookingStatus.CANCELLED and gone.charge_pence == 0
    assert gone.cancelled_at == clock.now()
    plant_rate(database, world, "WAR-MEG-01", UserClass.INTERNAL, "421.76")
    asked = book(
        svc,
        "alice",
        london(2026, 3, 18, 8),
        london(2026, 3, 18, 10),
        code="WAR-MEG-01",
        project_code="EP/X01234/1",
    )
    assert asked.status is BookingStatus.PENDING and asked.charge_pence == 84352
    refused = svc.reject("mgr", asked.id, "reserved for calibration")
    assert refused.charge_pence == 0 and refused.hourly_rate_pence == 42176


# -- use: check-out and close-past ----------------------------------------------------------


@pytest.mark.parametrize("basis", list(ChargeBasis))
def test_check_out_bills_the_time_used_only_on_actual_basis(
    svc: BookingService,
    context: ServiceContext,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
    basis: ChargeBasis,
) -> None:
    set_policy(database, world, basis=basis)
    record = book(svc, "alice", TUE_10, TUE_12, technician_username="tech")
    checkin = CheckInService(context)
    move_to(clock, TUE_10 + timedelta(minutes=5))
    assert checkin.check_in("alice", record.id).charge_pence == 9000
    move_to(clock, TUE_10 + timedelta(minutes=60, seconds=30))
    out = checkin.check_out("alice", record.id)
    if basis is ChargeBasis.ACTUAL:
        # 55.5 minutes bill as 56: 56 x 2000 / 60 = 1866.67p -> 1867p; 56 x 2500 / 60 -> 2333p.
        assert charges(out) == (1867, 2333)
    else:
        assert charges(out) == (4000, 5000)


def test_close_past_marks_no_shows_only_where_check_in_is_required_and_they_pay_in_full(
    svc: BookingService,
    context: ServiceContext,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
) -> None:
    set_policy(database, world, "WAR-PRP", requires_check_in=True)
    plant_rate(database, world, "AST-SEM-01", UserClass.INTERNAL, "10")
    missed = book(svc, "alice", TUE_10, TUE_12)
    came = book(svc, "alice", london(2026, 3, 17, 13), london(2026, 3, 17, 14))
    elsewhere = book(svc, "bob", TUE_10, london(2026, 3, 17, 11), code="AST-SEM-01")
    assert elsewhere.status is BookingStatus.CONFIRMED
    move_to(clock, london(2026, 3, 17, 13))
    CheckInService(context).check_in("alice", came.id)
    move_to(clock, london(2026, 3, 18, 2, 15))
    closer = PastBookingService(context)
    dry = closer.close_past("root", dry_run=True)
    assert dry.no_show_ids == (missed.id,)
    assert svc.get("root", missed.id).status is BookingStatus.CONFIRMED  # dry: nothing changed
    report = closer.close_past("root")
    assert report.no_show_ids == (missed.id,)
    assert report.completed_ids == tuple(sorted((came.id, elsewhere.id)))
    no_show = svc.get("root", missed.id)
    assert no_show.status is BookingStatus.NO_SHOW and no_show.charge_pence == 4000
    assert svc.get("root", came.id).status is BookingStatus.COMPLETED
    assert svc.get("root", elsewhere.id).charge_pence == 1000  # Aston needs no check-in
    again = closer.close_past("root")
    assert (again.no_show_ids, again.completed_ids) == ((), ())


def test_close_past_bills_actual_time_to_the_booked_end_when_nobody_checked_out(
    svc: BookingService,
    context: ServiceContext,
    database: Database,
    world: World,
    clock: FrozenClock,
    priced: None,
) -> None:
    set_policy(database, world, basis=ChargeBasis.ACTUAL)
    stayed = book(svc, "alice", TUE_10, TUE_12)
    never_came = book(svc, "alice", london(2026, 3, 17, 13), london(2026, 3, 17, 14))
    move_to(clock, TUE_10 + timedelta(minutes=30))
    CheckInService(context).check_in("alice", stayed.id)
    move_to(clock, london(2026, 3, 18, 2))
    report = PastBookingService(context).close_past("root")
    assert report.repriced_ids == (stayed.id,)
    assert svc.get("root", stayed.id).charge_pence == 3000  # 10:30-12:00 at £20
    assert svc.get("root", never_came.id).charge_pence == 2000  # the booked hour stands
    assert PastBookingService(context).close_past("root").repriced_ids == ()


def test_a_calendar_import_freezes_the_owners_price_too(
    context: ServiceContext, world: World, priced: None
) -> None:
    event = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            "UID:x@outlook",
            "DTSTART:20260323T100000Z",
            "DTEND:20260323T120000Z",
            "ORGANIZER:mailto:alice@example.ac.uk",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    ).encode()
    report = CalendarImportService(context).import_calendar("tech", XPS, event, source="c.ics")
    (made,) = report.created
    assert made.record_id is not None
    record = BookingService(context).get("root", made.record_id)
    assert (record.user_class, record.hourly_rate_pence, record.charge_pence) == (
        UserClass.INTERNAL,
        2000,
        4000,
    )

"""Check-in and check-out on both engines: the window, who may, refusals and staff corrections.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT in London); alice's XPS booking
runs 11:00-13:00 that day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.domain.enums import BookingStatus, ChargeBasis, UserClass
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRecord, BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.checkin import CheckInService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.pricing import set_policy
from tests.support.world import World, london

XPS = "WAR-XPS-01"
START, END = london(2026, 3, 16, 11), london(2026, 3, 16, 13)
MEG_START = london(2026, 3, 16, 12)  # the MEG books fixed 2-hour blocks


@pytest.fixture
def checkin(context: ServiceContext, world: World) -> CheckInService:
    return CheckInService(context)


@pytest.fixture
def booking(context: ServiceContext, world: World) -> BookingRecord:
    return BookingService(context).book("alice", BookingRequest(XPS, START, END))


def at(clock: FrozenClock, instant: datetime) -> None:
    clock.instant = instant.astimezone(UTC)


def audit_count(db: Database, booking_id: int, action: str) -> int:
    with db.readonly() as s:
        return (
            s.scalar(
                select(func.count()).where(
                    AuditEvent.entity_id == str(booking_id), AuditEvent.action == action
                )
            )
            or 0
        )


def state(context: ServiceContext, booking_id: int) -> tuple[datetime | None, datetime | None]:
    record = BookingService(context).get("root", booking_id)
    return record.checked_in_at, record.checked_out_at


def test_the_user_checks_in_and_out_in_the_window_and_it_is_audited(
    checkin: CheckInService, booking: BookingRecord, clock: FrozenClock, database: Database
) -> None:
    at(clock, START - timedelta(minutes=15))  # the window opens 15 minutes early
    done = checkin.check_in("alice", booking.id)
    assert done.checked_in_at == START - timedelta(minutes=15)
    assert done.status is BookingStatus.CONFIRMED and done.checked_out_at is None
    at(clock, START + timedelta(minutes=70))
    out = checkin.check_out("alice", booking.id)
    assert out.checked_out_at == START + timedelta(minutes=70)
    assert out.checked_in_at == done.checked_in_at
    assert audit_count(database, booking.id, "booking.check_in") == 1
    assert audit_count(database, booking.id, "booking.check_out") == 1


@pytest.mark.parametrize(
    "when",
    [START - timedelta(minutes=16), END, END + timedelta(hours=1)],
    ids=["early", "at-end", "after"],
)
def test_the_user_cannot_check_in_outside_the_window(
    checkin: CheckInService,
    booking: BookingRecord,
    clock: FrozenClock,
    context: ServiceContext,
    when: datetime,
) -> None:
    at(clock, when)
    with pytest.raises(RefusedError, match="15 minutes before its start") as refused:
        checkin.check_in("alice", booking.id)
    assert refused.value.field == "at"
    assert "GMT" in str(refused.value)
    assert state(context, booking.id) == (None, None)


def test_only_the_owner_staff_of_the_facility_and_admins_may_check_in(
    checkin: CheckInService, booking: BookingRecord, clock: FrozenClock
) -> None:
    at(clock, START)
    for stranger in ("erin", "bob", "otherstaff"):
        with pytest.raises(PermissionDenied, match="check in to or out of this booking"):
            checkin.check_in(stranger, booking.id)
    assert checkin.check_in("tech", booking.id).checked_in_at == START
    at(clock, START + timedelta(hours=1))
    assert checkin.check_out("root", booking.id).checked_out_at == START + timedelta(hours=1)
    with pytest.raises(NotFound):
        checkin.check_in("alice", 999_999)


def test_a_second_check_in_or_out_is_refused_and_changes_nothing(
    checkin: CheckInService,
    booking: BookingRecord,
    clock: FrozenClock,
    context: ServiceContext,
    database: Database,
) -> None:
    at(clock, START)
    checkin.check_in("alice", booking.id)
    at(clock, START + timedelta(minutes=5))
    with pytest.raises(RefusedError, match="already checked in, at 11:00 GMT Mon 16 Mar 2026"):
        checkin.check_in("alice", booking.id)
    at(clock, START + timedelta(minutes=30))
    checkin.check_out("alice", booking.id)
    at(clock, START + timedelta(minutes=40))
    with pytest.raises(RefusedError, match="already checked out, at 11:30 GMT"):
        checkin.check_out("tech", booking.id)
    assert state(context, booking.id) == (START, START + timedelta(minutes=30))
    assert audit_count(database, booking.id, "booking.check_in") == 1
    assert audit_count(database, booking.id, "booking.check_out") == 1


def test_check_out_needs_a_check_in_and_must_come_after_it(
    checkin: CheckInService, booking: BookingRecord, clock: FrozenClock
) -> None:
    at(clock, START + timedelta(minutes=10))
    with pytest.raises(RefusedError, match="never checked in"):
        checkin.check_out("alice", booking.id)
    checkin.check_in("alice", booking.id)
    with pytest.raises(RefusedError, match="must come after the check-in"):
        checkin.check_out("tech", booking.id, at=START)
    with pytest.raises(RefusedError, match="must come after the check-in"):
        checkin.check_out("alice", booking.id)  # the same instant is not after it


def test_only_confirmed_bookings_take_a_users_check_in(
    checkin: CheckInService, context: ServiceContext, clock: FrozenClock
) -> None:
    pending = BookingService(context).book(
        "alice",
        BookingRequest("WAR-MEG-01", MEG_START, MEG_START + timedelta(hours=2), project_code="P1"),
    )
    assert pending.status is BookingStatus.PENDING
    at(clock, MEG_START)
    with pytest.raises(RefusedError, match="is pending; only confirmed bookings"):
        checkin.check_in("alice", pending.id)
    with pytest.raises(RefusedError, match="is pending; only confirmed or completed or no_show"):
        checkin.check_in("mgr", pending.id)


def test_only_staff_may_give_another_time_and_never_a_future_one(
    checkin: CheckInService,
    booking: BookingRecord,
    clock: FrozenClock,
    database: Database,
    world: World,
) -> None:
    at(clock, START + timedelta(minutes=30))
    with pytest.raises(PermissionDenied, match="at another time") as refused:
        checkin.check_in("alice", booking.id, at=START)
    assert refused.value.field == "at"
    with pytest.raises(RefusedError, match="in the future"):
        checkin.check_in("tech", booking.id, at=START + timedelta(minutes=31))
    with pytest.raises(InputError, match="no time zone"):
        checkin.check_in("tech", booking.id, at=datetime(2026, 3, 16, 11))  # noqa: DTZ001
    assert checkin.check_in("tech", booking.id, at=START).checked_in_at == START
    # Staff without a time, after the end, are told they may give one.
    later = plant_booking(database, world, "alice", XPS, END, END + timedelta(minutes=30))
    at(clock, END + timedelta(hours=1))
    with pytest.raises(RefusedError, match="staff may give --at"):
        checkin.check_in("tech", later)
    assert checkin.check_in("tech", later, at=END).checked_in_at == END


@pytest.mark.parametrize("basis", list(ChargeBasis))
def test_staff_correct_a_no_show_into_a_completed_session_priced_by_the_basis(
    checkin: CheckInService,
    clock: FrozenClock,
    database: Database,
    world: World,
    basis: ChargeBasis,
) -> None:
    set_policy(database, world, basis=basis, requires_check_in=True)
    start = london(2026, 3, 13, 10)  # last Friday, 10:00-12:00 at £60 an hour
    missed = plant_booking(
        database,
        world,
        "alice",
        XPS,
        start,
        start + timedelta(hours=2),
        BookingStatus.NO_SHOW,
        user_class=UserClass.INTERNAL,
        hourly_rate_pence=6000,
        instrument_charge_pence=12000,
        technician_charge_pence=0,
    )
    with pytest.raises(RefusedError, match="staff may give --at"):
        checkin.check_in("tech", missed)
    with pytest.raises(PermissionDenied):
        checkin.check_in("alice", missed, at=start)
    came = checkin.check_in("tech", missed, at=start + timedelta(minutes=30))
    assert came.status is BookingStatus.COMPLETED
    # ACTUAL: 10:30 to the booked end, 90 minutes; BOOKED: the two hours booked.
    assert came.charge_pence == (9000 if basis is ChargeBasis.ACTUAL else 12000)
    left = checkin.check_out("mgr", missed, at=start + timedelta(minutes=75))
    assert left.status is BookingStatus.COMPLETED
    assert left.charge_pence == (4500 if basis is ChargeBasis.ACTUAL else 12000)


def test_the_user_cannot_check_in_to_a_closed_booking(
    checkin: CheckInService, database: Database, world: World
) -> None:
    start = london(2026, 3, 13, 10)
    done = plant_booking(
        database, world, "alice", XPS, start, start + timedelta(hours=1), BookingStatus.COMPLETED
    )
    with pytest.raises(RefusedError, match="is completed; only confirmed bookings"):
        checkin.check_in("alice", done)
    assert checkin.check_in("root", done, at=start).status is BookingStatus.COMPLETED

"""An instrument's status on both engines: who may change it, the reason refusals quote, and
the future bookings it strands, cancelled through the downtime's path or kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import FacilityStaff
from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.domain.enums import (
    BookingStatus,
    InstrumentStatus,
    NotificationKind,
    StaffRole,
    WaitlistStatus,
)
from equipshare.domain.errors import InputError, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRecord, BookingRequest
from equipshare.services.availability.service import AvailabilityService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.service import WaitlistService
from equipshare.services.catalogue.service import InstrumentStatusService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
OUT = InstrumentStatus.OUT_OF_SERVICE
PUMP = "turbo pump failed; back by April"


@pytest.fixture
def status(context: ServiceContext) -> InstrumentStatusService:
    return InstrumentStatusService(context)


@pytest.fixture
def bookings(context: ServiceContext) -> BookingService:
    return BookingService(context)


@pytest.fixture
def booked(bookings: BookingService, world: World) -> list[BookingRecord]:
    """alice before the clocks change, bob after."""
    return [
        bookings.book(
            "alice", BookingRequest(XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 12))
        ),
        bookings.book("bob", BookingRequest(XPS, london(2026, 3, 30, 10), london(2026, 3, 30, 12))),
    ]


def booking_statuses(database: Database, ids: list[int]) -> list[tuple[BookingStatus, str | None]]:
    with database.readonly() as s:
        return [(s.get_one(Booking, i).status, s.get_one(Booking, i).status_reason) for i in ids]


def audits(database: Database, action: str) -> list[AuditEvent]:
    with database.readonly() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_out_of_service_refuses_new_bookings_quoting_the_reason(
    status: InstrumentStatusService, bookings: BookingService, database: Database, world: World
) -> None:
    change = status.set_status("tech", XPS, OUT, PUMP)

    assert change.changed and change.instrument.status is OUT
    assert change.instrument.status_reason == PUMP and change.affected == ()
    with pytest.raises(RefusedError) as refused:
        bookings.book(
            "alice", BookingRequest(XPS, london(2026, 3, 24, 10), london(2026, 3, 24, 11))
        )
    assert str(refused.value) == f"WAR-XPS-01 is out of service and cannot be booked: {PUMP}"
    [event] = audits(database, "instrument.status")
    assert event.actor_id == world.users["tech"]
    assert event.before == {"status": "available", "status_reason": None}
    assert event.after == {
        "status": "out_of_service",
        "status_reason": PUMP,
        "kept_booking_ids": [],
    }


def test_slots_for_a_retired_instrument_quote_the_reason_too(
    status: InstrumentStatusService, context: ServiceContext, world: World
) -> None:
    status.set_status("mgr", XPS, InstrumentStatus.RETIRED, "replaced by WAR-XPS-02")

    with pytest.raises(RefusedError, match="retired and cannot be booked: replaced by WAR-XPS-02"):
        AvailabilityService(context).find_slots(
            "alice", instrument_code=XPS, length=timedelta(hours=1)
        )


def test_stranded_bookings_refuse_the_change_until_the_caller_decides(
    status: InstrumentStatusService, database: Database, booked: list[BookingRecord]
) -> None:
    with pytest.raises(RefusedError, match="would strand 2 future bookings: booking") as refused:
        status.set_status("tech", XPS, OUT, PUMP)

    assert "10:00-12:00 Mon 30 Mar 2026 (alice" not in str(refused.value)
    assert "(bob, 10:00-12:00 Mon 30 Mar 2026 BST)" in str(refused.value)  # BST, on the wall clock
    assert audits(database, "instrument.status") == []
    preview = status.set_status("tech", XPS, OUT, PUMP, dry_run=True)
    assert [b.id for b in preview.affected] == [b.id for b in booked] and preview.dry_run
    assert booking_statuses(database, [b.id for b in booked])[0][0] is BookingStatus.CONFIRMED


def test_cancelling_the_affected_goes_the_downtime_way(
    status: InstrumentStatusService, database: Database, booked: list[BookingRecord]
) -> None:
    ids = [b.id for b in booked]

    change = status.set_status("tech", XPS, OUT, PUMP, cancel_affected=True, previewed=ids)

    assert change.cancelled and [b.status for b in change.affected] == [BookingStatus.CANCELLED] * 2
    reason = f"WAR-XPS-01 is out of service: {PUMP}"
    assert booking_statuses(database, ids) == [(BookingStatus.CANCELLED, reason)] * 2
    with database.readonly() as s:
        told = s.scalars(select(Notification).where(Notification.booking_id.in_(ids))).all()
        charges = [s.get_one(Booking, i).instrument_charge_pence for i in ids]
    cancelled = [n for n in told if n.kind is NotificationKind.CANCELLED_BY_DOWNTIME]
    assert sorted(n.user_id or 0 for n in cancelled) == sorted(b.user_id for b in booked)
    assert all(PUMP in n.body for n in cancelled)
    assert charges == [0, 0]  # free, as a downtime's cancellation is
    assert len(audits(database, "booking.cancel")) == 2
    [event] = audits(database, "instrument.status")
    assert event.after is not None and event.after["cancelled_booking_ids"] == ids


def test_keeping_the_affected_leaves_them_booked(
    status: InstrumentStatusService, database: Database, booked: list[BookingRecord]
) -> None:
    change = status.set_status("mgr", XPS, OUT, PUMP, cancel_affected=False)

    assert not change.cancelled and len(change.affected) == 2
    kept = booking_statuses(database, [b.id for b in booked])
    assert [s for s, _ in kept] == [b.status for b in booked]  # confirmed, and bob's pending
    # A new reason later asks nothing again: the bookings were kept once already.
    again = status.set_status("mgr", XPS, OUT, "engineer visits Tuesday")
    assert again.changed and again.instrument.status_reason == "engineer visits Tuesday"


def test_a_preview_gone_stale_is_refused(
    status: InstrumentStatusService, booked: list[BookingRecord]
) -> None:
    with pytest.raises(RefusedError, match="changed since the preview \\(1 shown, 2 now\\)"):
        status.set_status("tech", XPS, OUT, PUMP, cancel_affected=True, previewed=[booked[0].id])


def test_back_in_service_takes_bookings_again(
    status: InstrumentStatusService, bookings: BookingService, database: Database, world: World
) -> None:
    afm = "WAR-AFM-01"  # out of service in the world, with no reason
    change = status.set_status("tech", afm, InstrumentStatus.AVAILABLE)

    assert change.before_status is OUT and change.instrument.status_reason is None
    assisted = BookingRequest(
        afm, london(2026, 3, 24, 10), london(2026, 3, 24, 11), technician_username="tech"
    )
    assert bookings.book("alice", assisted).status is BookingStatus.CONFIRMED
    unchanged = status.set_status("tech", afm, InstrumentStatus.AVAILABLE)
    assert not unchanged.changed and len(audits(database, "instrument.status")) == 1


def test_a_reason_is_needed_to_take_an_instrument_out(
    status: InstrumentStatusService, world: World
) -> None:
    with pytest.raises(InputError, match=r"^reason: say why the instrument is out of service"):
        status.set_status("tech", XPS, OUT, "  ")
    with pytest.raises(InputError, match=r"^reason: 301 characters"):
        status.set_status("tech", XPS, OUT, "x" * 301)


@pytest.mark.parametrize("who", ["alice", "otherstaff", "gone"])
def test_only_the_facility_staff_and_admins_change_the_status(
    status: InstrumentStatusService, database: Database, world: World, who: str
) -> None:
    with database.sessions.begin() as s:  # a manager elsewhere is no manager here
        s.execute(
            update(FacilityStaff)
            .values(role=StaffRole.MANAGER)
            .where(FacilityStaff.user_id == world.users["otherstaff"])
        )
    with pytest.raises(PermissionDenied, match=rf"^{who} may not change this instrument's status"):
        status.set_status(who, XPS, InstrumentStatus.LIMITED, "one detector only")


def test_an_admin_limits_an_instrument_which_still_takes_bookings(
    status: InstrumentStatusService, bookings: BookingService, booked: list[BookingRecord]
) -> None:
    change = status.set_status("root", XPS, InstrumentStatus.LIMITED, "one detector only")

    assert change.affected == () and change.instrument.status is InstrumentStatus.LIMITED
    bookings.book("alice", BookingRequest(XPS, london(2026, 3, 24, 10), london(2026, 3, 24, 11)))


def test_out_of_service_ends_the_waitlist_holds_and_tells_their_holders(
    status: InstrumentStatusService,
    bookings: BookingService,
    context: ServiceContext,
    database: Database,
    booked: list[BookingRecord],
    world: World,
) -> None:
    """A hold on an instrument that takes no bookings kept the range from nobody for nothing."""
    waitlist = WaitlistService(context)
    entry = waitlist.join("bob", XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 12))
    bookings.cancel("alice", booked[0].id)
    assert waitlist.mine("bob")[0].status is WaitlistStatus.OFFERED

    status.set_status("tech", XPS, OUT, PUMP, cancel_affected=False, previewed=[booked[1].id])

    with database.readonly() as s:
        row = s.get_one(WaitlistEntry, entry.id)
        told = s.scalars(select(Notification).where(Notification.subject.like("Hold ended%"))).all()
    assert row.status is WaitlistStatus.EXPIRED and row.hold_expires_at is not None
    assert [n.user_id for n in told] == [row.user_id] == [world.users["bob"]]
    assert f"WAR-XPS-01 is out of service: {PUMP}" in told[0].body

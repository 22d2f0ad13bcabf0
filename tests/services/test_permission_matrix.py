"""The permission matrix through the real BookingService, on SQLite and PostgreSQL.

For each action every person of the test world tries it on a fresh booking; the
observed outcomes must equal a table written out by hand. A refusal must leave no
trace: the booking keeps its status and no audit event is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import ConflictError, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRecord, BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

PEOPLE = (
    "alice",
    "erin",
    "bob",
    "carol",
    "dave",
    "tech",
    "tech2",
    "mgr",
    "otherstaff",
    "root",
    "gone",
)
WARWICK_STAFF_MESSAGE = "manager or technician of Warwick Photoemission RTP"

# Outcomes: ok = done; denied = PermissionDenied; refused = another rule's refusal.
DECIDE_ON_WARWICK = {
    "alice": "denied",
    "erin": "denied",
    "bob": "denied",  # nobody approves their own request
    "carol": "denied",
    "dave": "denied",
    "tech": "ok",
    "tech2": "ok",
    "mgr": "ok",
    "otherstaff": "denied",  # an Aston technician has no say over Warwick's instruments
    "root": "ok",
    "gone": "denied",
}
DECIDE_ON_ASTON = {
    "alice": "denied",
    "erin": "denied",
    "bob": "denied",  # an Aston researcher is not Aston's facility staff
    "carol": "denied",
    "dave": "denied",
    "tech": "denied",
    "tech2": "denied",
    "mgr": "denied",
    "otherstaff": "ok",
    "root": "ok",
    "gone": "denied",
}
CHANGE_ALICES_BOOKING = {
    "alice": "ok",
    "erin": "denied",  # same institution is not the same person
    "bob": "denied",
    "carol": "denied",
    "dave": "denied",
    "tech": "ok",
    "tech2": "ok",
    "mgr": "ok",
    "otherstaff": "denied",
    "root": "ok",
    "gone": "denied",
}
BOOK_FOR_ALICE = {
    "erin": "denied",
    "bob": "denied",
    "carol": "denied",
    "dave": "denied",
    "tech": "ok",
    "tech2": "ok",
    "mgr": "ok",
    "otherstaff": "denied",
    "root": "ok",
    "gone": "denied",
}


def xps_slot(n: int) -> tuple[datetime, datetime]:
    """The n-th one-hour slot in the XPS's opening hours, from Tue 17 Mar 2026, in London."""
    day, hour = divmod(n, 7)
    start = london(2026, 3, 17, 10 + hour) + timedelta(days=day)
    return start, start + timedelta(hours=1)


def outcome(action: Callable[[], object]) -> str:
    try:
        action()
    except PermissionDenied:
        return "denied"
    except RefusedError as refusal:
        return f"refused: {refusal}"
    return "ok"


def audit_count(context: ServiceContext) -> int:
    with context.database.readonly() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def status_of(context: ServiceContext, booking_id: int) -> BookingStatus:
    with context.database.readonly() as s:
        return s.scalars(select(Booking.status).where(Booking.id == booking_id)).one()


def book(service: BookingService, who: str, slot: int, code: str = "WAR-XPS-01") -> BookingRecord:
    start, end = xps_slot(slot)
    return service.book(who, BookingRequest(code, start, end))


def try_on_fresh_bookings(
    context: ServiceContext,
    owner: str,
    act: Callable[[BookingService, str, BookingRecord], object],
    *,
    code: str = "WAR-XPS-01",
    people: tuple[str, ...] = PEOPLE,
) -> dict[str, str]:
    """Give each person a fresh booking of `owner` to act on; refusals must change nothing."""
    service = BookingService(context)
    observed: dict[str, str] = {}
    for n, who in enumerate(people):
        booking = book(service, owner, n, code)
        before = audit_count(context)
        observed[who] = outcome(partial(act, service, who, booking))
        if observed[who] != "ok":
            assert audit_count(context) == before, f"{who}'s refusal wrote an audit event"
            assert status_of(context, booking.id) is booking.status
    return observed


def test_approve(context: ServiceContext, world: World) -> None:
    observed = try_on_fresh_bookings(
        context, "bob", lambda s, who, b: s.approve(who, b.id, "ok by me")
    )
    assert observed == DECIDE_ON_WARWICK


def test_reject(context: ServiceContext, world: World) -> None:
    observed = try_on_fresh_bookings(
        context, "bob", lambda s, who, b: s.reject(who, b.id, "clashes with a service visit")
    )
    assert observed == DECIDE_ON_WARWICK


def test_approve_across_the_institution_line(context: ServiceContext, world: World) -> None:
    # carol (Sheffield) on Aston's SEM starts pending; Aston's staff decide, Warwick's cannot.
    observed = try_on_fresh_bookings(
        context, "carol", lambda s, who, b: s.approve(who, b.id), code="AST-SEM-01"
    )
    assert observed == DECIDE_ON_ASTON


def test_cancel(context: ServiceContext, world: World) -> None:
    observed = try_on_fresh_bookings(
        context, "alice", lambda s, who, b: s.cancel(who, b.id, "plans changed")
    )
    assert observed == CHANGE_ALICES_BOOKING


def test_modify(context: ServiceContext, world: World) -> None:
    def later(s: BookingService, who: str, b: BookingRecord) -> object:
        return s.modify(who, b.id, purpose=f"edited by {who}")

    assert try_on_fresh_bookings(context, "alice", later) == CHANGE_ALICES_BOOKING


def test_book_on_behalf(context: ServiceContext, world: World) -> None:
    service = BookingService(context)
    observed = {}
    for n, who in enumerate(BOOK_FOR_ALICE):
        start, end = xps_slot(n)
        request = BookingRequest("WAR-XPS-01", start, end, on_behalf_of="alice")
        observed[who] = outcome(partial(service.book, who, request))
    assert observed == BOOK_FOR_ALICE
    with context.database.readonly() as s:
        owners = s.scalars(select(Booking.user_id).distinct()).all()
    assert owners == [world.users["alice"]]


def test_override_is_for_facility_staff_booking_on_behalf(
    context: ServiceContext, world: World
) -> None:
    service = BookingService(context)
    saturday = london(2026, 3, 21, 10)  # the XPS is closed at weekends
    observed = {}
    for n, who in enumerate(BOOK_FOR_ALICE):
        start = saturday + timedelta(hours=n)
        request = BookingRequest(
            "WAR-XPS-01", start, start + timedelta(hours=1), on_behalf_of="alice"
        )
        observed[who] = outcome(partial(service.book, who, request, override_policy=True))
    assert observed == BOOK_FOR_ALICE
    with context.database.readonly() as s:
        actions = s.scalars(select(AuditEvent.action)).all()
    assert actions == ["booking.override"] * 4


def test_nobody_overrides_for_themselves(context: ServiceContext, world: World) -> None:
    service = BookingService(context)
    start = london(2026, 3, 21, 10)
    request = BookingRequest("WAR-XPS-01", start, start + timedelta(hours=1))
    with pytest.raises(RefusedError, match="only for booking on behalf") as refused:
        service.book("tech", request, override_policy=True)
    assert not isinstance(refused.value, PermissionDenied)
    with pytest.raises(PermissionDenied, match="override the booking policy"):
        service.book("alice", request, override_policy=True)


def test_nobody_overrides_a_conflict(context: ServiceContext, world: World) -> None:
    service = BookingService(context)
    taken = book(service, "alice", 0)
    start, end = xps_slot(0)
    for who in ("tech", "root"):
        request = BookingRequest("WAR-XPS-01", start, end, on_behalf_of="bob")
        with pytest.raises(ConflictError, match=f"booking {taken.id}"):
            service.book(who, request, override_policy=True)


def test_refusals_name_the_missing_right(context: ServiceContext, world: World) -> None:
    service = BookingService(context)
    pending = book(service, "bob", 0)
    with pytest.raises(PermissionDenied) as refused:
        service.approve("otherstaff", pending.id)
    assert "approve bookings" in str(refused.value)
    assert WARWICK_STAFF_MESSAGE in str(refused.value)
    mine = book(service, "alice", 1)
    with pytest.raises(PermissionDenied) as refused:
        service.cancel("bob", mine.id)
    assert "cancel this booking" in str(refused.value)
    assert "the booking's owner" in str(refused.value)
    assert WARWICK_STAFF_MESSAGE in str(refused.value)
    with pytest.raises(PermissionDenied, match="deactivated"):
        book(service, "gone", 2)
    assert service.cancel("root", mine.id, "admin tidy-up").status is BookingStatus.CANCELLED


def test_deactivated_user_cannot_be_booked_for(context: ServiceContext, world: World) -> None:
    # WAR-RAM-01 needs no training, so only the account's state can stop this booking.
    service = BookingService(context)
    start = london(2026, 3, 17, 10)
    request = BookingRequest("WAR-RAM-01", start, start + timedelta(hours=1), on_behalf_of="gone")
    with pytest.raises(RefusedError, match="deactivated"):
        service.book("tech", request)

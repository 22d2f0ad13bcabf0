"""My bookings: the actor's own bookings split into upcoming and past, with who must approve.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT in London); see tests/support/world.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import NotFound
from equipshare.domain.records.scheduling.bookings import BookingRequest, MyBookingRow
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.my_bookings import MyBookingsService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"


def book(svc: BookingService, user: str, code: str, start: datetime, end: datetime) -> int:
    project = "GR-1" if code == "WAR-MEG-01" else None
    return svc.book(user, BookingRequest(code, start, end, project_code=project)).id


@pytest.fixture
def booked(context: ServiceContext, world: World, clock: FrozenClock) -> dict[str, int]:
    """Alice's and Bob's bookings; then the clock moves to Tue 17 Mar 09:00 UTC."""
    svc = BookingService(context)
    ids = {
        "mon-11": book(svc, "alice", XPS, london(2026, 3, 16, 11), london(2026, 3, 16, 12)),
        "mon-13": book(svc, "alice", XPS, london(2026, 3, 16, 13), london(2026, 3, 16, 14)),
        "tue": book(svc, "alice", XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12)),
        "wed-meg": book(
            svc, "alice", "WAR-MEG-01", london(2026, 3, 18, 10), london(2026, 3, 18, 12)
        ),
        "thu-sem": book(
            svc, "alice", "AST-SEM-01", london(2026, 3, 19, 10), london(2026, 3, 19, 11)
        ),
        "fri": book(svc, "alice", XPS, london(2026, 3, 20, 10), london(2026, 3, 20, 11)),
        "bob": book(svc, "bob", XPS, london(2026, 3, 18, 14), london(2026, 3, 18, 15)),
    }
    svc.cancel("alice", ids["fri"], "plans changed")
    clock.instant = datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
    return ids


def ids_of(rows: tuple[MyBookingRow, ...]) -> list[int]:
    return [row.booking_id for row in rows]


def test_upcoming_are_own_bookings_soonest_first(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    rows = MyBookingsService(context).list("alice", upcoming=True)
    assert ids_of(rows) == [booked[k] for k in ("tue", "wed-meg", "thu-sem", "fri")]
    assert booked["bob"] not in ids_of(rows)
    tue = rows[0]
    assert (tue.instrument_code, tue.facility_name, tue.timezone) == (
        XPS,
        "Warwick Photoemission RTP",
        "Europe/London",
    )
    assert tue.starts_at == datetime(2026, 3, 17, 10, tzinfo=UTC)
    assert tue.ends_at == datetime(2026, 3, 17, 12, tzinfo=UTC)
    assert tue.status is BookingStatus.CONFIRMED and tue.approvers == ()
    assert rows[3].status is BookingStatus.CANCELLED


def test_past_are_ended_bookings_latest_first(
    context: ServiceContext, booked: dict[str, int], clock: FrozenClock
) -> None:
    service = MyBookingsService(context)
    assert ids_of(service.list("alice", upcoming=False)) == [booked["mon-13"], booked["mon-11"]]
    clock.instant = datetime(2026, 3, 17, 12, 0, tzinfo=UTC)  # Tuesday's booking just ended
    assert ids_of(service.list("alice", upcoming=False))[0] == booked["tue"]
    assert booked["tue"] not in ids_of(service.list("alice", upcoming=True))
    assert ids_of(service.list("alice", upcoming=False, limit=1)) == [booked["tue"]]


def test_pending_bookings_name_their_approvers(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    rows = {row.booking_id: row for row in MyBookingsService(context).list("alice", upcoming=True)}
    meg = rows[booked["wed-meg"]]
    assert meg.status is BookingStatus.PENDING
    assert meg.approvers == ("Mgr",)  # the manager, not the technicians
    sem = rows[booked["thu-sem"]]
    assert sem.status is BookingStatus.PENDING  # cross-institution
    assert sem.approvers == ("Otherstaff",)  # no manager there: its technician


def test_someone_without_bookings_sees_none(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    service = MyBookingsService(context)
    assert service.list("erin", upcoming=True) == ()
    assert service.list("erin", upcoming=False) == ()
    with pytest.raises(NotFound):
        service.list("nobody", upcoming=True)

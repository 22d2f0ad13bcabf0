"""A booking after it is made: a change is checked by every rule again and bumps its
iCalendar sequence; a cancellation keeps the row with its reason, and an ended booking
stays as it was. On SQLite and PostgreSQL, on the clock of tests/support/world.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import ConflictError, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import london


def req(start: datetime, end: datetime) -> BookingRequest:
    return BookingRequest("WAR-XPS-01", start, end)


def test_modify_rechecks_rules_and_bumps_sequence(svc: BookingService) -> None:
    booked = svc.book("alice", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11)))
    other = svc.book("alice", req(london(2026, 3, 17, 13), london(2026, 3, 17, 14)))
    moved = svc.modify(
        "alice", booked.id, starts_at=london(2026, 3, 17, 11), ends_at=london(2026, 3, 17, 13)
    )
    assert (moved.starts_at, moved.sequence) == (datetime(2026, 3, 17, 11, tzinfo=UTC), 1)
    with pytest.raises(ConflictError, match=f"booking {other.id}"):
        svc.modify("alice", booked.id, ends_at=london(2026, 3, 17, 14))
    with pytest.raises(RefusedError, match="opening hours"):
        svc.modify("alice", booked.id, ends_at=london(2026, 3, 17, 18))
    assert svc.get("alice", booked.id).sequence == 1  # refused changes wrote nothing
    with pytest.raises(PermissionDenied, match="bob may not change this booking"):
        svc.modify("bob", booked.id, purpose="mine now")


def test_cancel_keeps_the_row_with_reason(svc: BookingService) -> None:
    booked = svc.book("alice", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11)))
    with pytest.raises(PermissionDenied, match="the booking's owner"):
        svc.cancel("bob", booked.id)
    cancelled = svc.cancel("alice", booked.id, "instrument not needed")
    assert (cancelled.status, cancelled.status_reason, cancelled.sequence) == (
        BookingStatus.CANCELLED,
        "instrument not needed",
        1,
    )
    with pytest.raises(RefusedError, match="is cancelled"):
        svc.cancel("alice", booked.id)


def test_a_booking_that_has_ended_cannot_be_cancelled(
    svc: BookingService, context: ServiceContext
) -> None:
    booked = svc.book("alice", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11)))
    context.clock.advance(days=2)  # type: ignore[attr-defined]
    with pytest.raises(RefusedError, match=f"booking {booked.id} has already ended"):
        svc.cancel("alice", booked.id)
    assert svc.get("alice", booked.id).status is BookingStatus.CONFIRMED

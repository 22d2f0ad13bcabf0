"""No active booking lasts more than 14 days, so every overlap check can read only the
bookings that start within 14 days before its range, and still miss none."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument, OpeningHours
from equipshare.domain.enums import LONGEST_BOOKING, BookingStatus
from equipshare.domain.errors import ConflictError, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"


@pytest.fixture
def svc(context: ServiceContext, world: World) -> BookingService:
    with context.database.sessions.begin() as s:  # round the clock, any length the cap allows
        s.execute(
            update(Instrument)
            .where(Instrument.code == XPS)
            .values(max_minutes=20160, allow_overnight=True, max_days_ahead=365)
        )
        xps = select(Instrument.id).where(Instrument.code == XPS).scalar_subquery()
        s.execute(delete(OpeningHours).where(OpeningHours.instrument_id == xps))
    return BookingService(context)


def test_a_longer_booking_is_refused_even_when_staff_override_policy(svc: BookingService) -> None:
    start = london(2026, 3, 20, 0).astimezone(UTC)  # UTC: a day is 24 hours
    request = BookingRequest(
        XPS, start, start + LONGEST_BOOKING + timedelta(hours=1), on_behalf_of="alice"
    )
    with pytest.raises(RefusedError, match="no booking may last more than 14 days") as caught:
        svc.book("tech", request, override_policy=True)
    assert caught.value.field == "length"


def test_a_fortnight_that_began_13_days_ago_still_blocks_an_overlap(svc: BookingService) -> None:
    start = london(2026, 3, 20, 0).astimezone(UTC)  # across the clock change on 29 March
    long = svc.book("alice", BookingRequest(XPS, start, start + LONGEST_BOOKING))
    assert long.ends_at - long.starts_at == LONGEST_BOOKING
    late = start + timedelta(days=13, hours=23)
    with pytest.raises(ConflictError, match=f"booking {long.id}"):
        svc.book("bob", BookingRequest(XPS, late, late + timedelta(hours=2)))
    after = start + LONGEST_BOOKING  # touching its end is fine
    assert svc.book("bob", BookingRequest(XPS, after, after + timedelta(hours=1))).id


def test_the_database_refuses_an_active_booking_past_the_cap(
    context: ServiceContext, svc: BookingService
) -> None:
    start = london(2026, 3, 20, 0).astimezone(UTC)  # UTC: a day is 24 hours
    booked = svc.book("alice", BookingRequest(XPS, start, start + timedelta(hours=2)))
    too_long = start + LONGEST_BOOKING + timedelta(minutes=30)
    with (
        pytest.raises(IntegrityError, match="active_length_capped"),
        context.database.sessions.begin() as s,
    ):
        s.execute(update(Booking).where(Booking.id == booked.id).values(ends_at=too_long))
    # A booking that no longer holds its slot may keep any length: no check reads it.
    with context.database.sessions.begin() as s:
        s.execute(
            update(Booking)
            .where(Booking.id == booked.id)
            .values(status=BookingStatus.CANCELLED, ends_at=too_long)
        )

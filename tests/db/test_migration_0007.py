"""Migration 0007 caps active bookings at 14 days, and stops, naming them, on any longer."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select, text

from equipshare.db import migrate
from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import DatabaseError
from tests.support.world import T0, build_world, london


def _long_booking(db: Database, status: BookingStatus, days: int) -> int:
    """A database at 0006 holding the world and one booking `days` long.

    The world is built at head by today's models, then taken down to 0006: the models
    hold columns later revisions add (0008's status_reason) that 0006 lacks.
    """
    migrate.upgrade(db.engine)
    world = build_world(db)
    migrate.downgrade(db.engine, "0006")
    with db.sessions.begin() as s:
        s.execute(text("UPDATE instruments SET max_minutes = 50000"))  # before the cap
        start = london(2026, 3, 20, 9).astimezone(UTC)  # a day is 24 hours
        booking = Booking(
            instrument_id=world.instruments["WAR-XPS-01"],
            user_id=world.users["alice"],
            created_by_id=world.users["alice"],
            starts_at=start,
            ends_at=start + timedelta(days=days),
            status=status,
            purpose="beamtime",
            ical_uid=f"long-{status}@test",
            sequence=0,
            created_at=T0,
            updated_at=T0,
        )
        s.add(booking)
        s.flush()
        return booking.id


def test_an_active_booking_over_the_cap_stops_the_upgrade(empty_database_url: str) -> None:
    db = Database.connect(empty_database_url)
    try:
        booking_id = _long_booking(db, BookingStatus.CONFIRMED, 15)
        with pytest.raises(DatabaseError, match=rf"1 active booking\(s\) .*\(ids {booking_id}\)"):
            migrate.upgrade(db.engine)
        assert migrate.current_revision(db.engine) == "0006"  # nothing half done
    finally:
        db.dispose()


def test_ended_long_bookings_stay_and_instruments_are_capped(empty_database_url: str) -> None:
    db = Database.connect(empty_database_url)
    try:
        booking_id = _long_booking(db, BookingStatus.COMPLETED, 30)
        migrate.upgrade(db.engine)
        with db.readonly() as s:
            ended = s.get(Booking, booking_id)
            assert ended is not None and ended.ends_at - ended.starts_at == timedelta(days=30)
            assert set(s.scalars(select(Instrument.max_minutes))) == {20160}
    finally:
        db.dispose()

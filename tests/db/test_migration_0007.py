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
    world = build_world(db)
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
        migrate.upgrade(db.engine, "0006")
        booking_id = _long_booking(db, BookingStatus.CONFIRMED, 15)
        with pytest.raises(DatabaseError, match=rf"1 active booking\(s\) .*\(ids {booking_id}\)"):
            migrate.upgrade(db.engine)
        assert migrate.current_revision(db.engine) == "0006"  # nothing half done
    finally:
        db.dispose()


def test_ended_long_bookings_stay_and_instruments_are_capped(empty_database_url: str) -> None:
    db = Database.connect(empty_database_url)
    try:
        migrate.upgrade(db.engine, "0006")
        booking_id = _long_booking(db, BookingStatus.COMPLETED, 30)
        migrate.upgrade(db.engine)
        with db.readonly() as s:
            ended = s.get(Booking, booking_id)
            assert ended is not None and ended.ends_at - ended.starts_at == timedelta(days=30)
            assert set(s.scalars(select(Instrument.max_minutes))) == {20160}
    finally:
        db.dispose()

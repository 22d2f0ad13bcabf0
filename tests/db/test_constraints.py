"""The database itself refuses bad rows, even from writers that bypass equipshare."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument
from equipshare.domain.enums import BookingStatus
from tests.support import factories
from tests.support.factories import T0


def seed_world(db: Database) -> tuple[int, int]:
    with db.sessions.begin() as s:
        user, instrument = factories.world(s)
        return user.id, instrument.id


def booking(
    user_id: int,
    instrument_id: int,
    start_h: float,
    end_h: float,
    uid: str,
    status: BookingStatus = BookingStatus.CONFIRMED,
) -> Booking:
    return Booking(
        instrument_id=instrument_id,
        user_id=user_id,
        created_by_id=user_id,
        starts_at=T0 + timedelta(hours=start_h),
        ends_at=T0 + timedelta(hours=end_h),
        status=status,
        ical_uid=uid,
        created_at=T0,
        updated_at=T0,
    )


def test_end_must_follow_start(database: Database) -> None:
    user_id, instrument_id = seed_world(database)
    with pytest.raises(IntegrityError, match="ends_after_starts"), database.sessions.begin() as s:
        s.add(booking(user_id, instrument_id, 2, 1, "backwards"))


def test_unknown_status_is_refused_by_the_database(database: Database) -> None:
    user_id, instrument_id = seed_world(database)
    with database.sessions.begin() as s:
        s.add(booking(user_id, instrument_id, 0, 1, "ok"))
    with pytest.raises(IntegrityError, match="status_valid"), database.engine.begin() as conn:
        conn.execute(text("UPDATE bookings SET status = 'maybe'"))


def test_instrument_codes_are_unique(database: Database) -> None:
    with database.sessions.begin() as s:
        inst = factories.institution(s)
        fac = factories.facility(s, inst)
        factories.instrument(s, fac, "WAR-SEM-01")
    with pytest.raises(IntegrityError), database.sessions.begin() as s:
        factories.instrument(s, s.get_one(type(fac), fac.id), "WAR-SEM-01")


def test_foreign_keys_are_enforced(database: Database) -> None:
    user_id, _ = seed_world(database)
    with pytest.raises(IntegrityError), database.sessions.begin() as s:
        s.add(booking(user_id, 9999, 0, 1, "orphan"))


def test_policy_checks(database: Database) -> None:
    seed_world(database)
    with pytest.raises(IntegrityError, match="slot_minutes_valid"), database.sessions.begin() as s:
        s.execute(update(Instrument).values(slot_minutes=7))
    with pytest.raises(IntegrityError, match="length_range"), database.sessions.begin() as s:
        s.execute(update(Instrument).values(min_minutes=600, max_minutes=60))


def test_overlapping_active_bookings(database: Database) -> None:
    """PostgreSQL refuses them outright; touching, cancelled and other instruments are fine."""
    user_id, instrument_id = seed_world(database)
    with database.sessions.begin() as s:
        s.add(booking(user_id, instrument_id, 0, 2, "a"))
        s.add(booking(user_id, instrument_id, 2, 3, "touching"))
        s.add(booking(user_id, instrument_id, 1, 2, "cancelled", BookingStatus.CANCELLED))
    if database.backend != "postgresql":
        return  # SQLite relies on BEGIN IMMEDIATE in the booking service (tested there)
    with (
        pytest.raises(IntegrityError, match="ex_bookings_no_overlap"),
        database.sessions.begin() as s,
    ):
        s.add(booking(user_id, instrument_id, 1, 3, "overlap", BookingStatus.PENDING))
    # Reviving the cancelled booking over a live one is refused too.
    with (
        pytest.raises(IntegrityError, match="ex_bookings_no_overlap"),
        database.sessions.begin() as s,
    ):
        s.execute(
            update(Booking)
            .where(Booking.ical_uid == "cancelled")
            .values(status=BookingStatus.CONFIRMED)
        )


def test_audit_events_are_append_only(database: Database) -> None:
    with database.sessions.begin() as s:
        s.add(
            AuditEvent(
                occurred_at=T0,
                action="booking.create",
                entity_type="booking",
                entity_id="1",
                after={"status": "confirmed"},
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), database.sessions.begin() as s:
        s.execute(update(AuditEvent).values(action="booking.delete"))
    with database.readonly() as s:
        event = s.scalars(select(AuditEvent)).one()
    assert event.action == "booking.create"
    assert event.after == {"status": "confirmed"}

"""Rows planted straight into the database, past every service rule, for the safety tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus
from tests.support.world import T0, World


def plant_booking(
    db: Database,
    world: World,
    user: str,
    instrument: str,
    starts_at: datetime,
    ends_at: datetime,
    status: BookingStatus = BookingStatus.CONFIRMED,
    **extra: Any,
) -> int:
    """Insert a booking with no checks at all; returns its id."""
    with db.sessions.begin() as session:
        row = Booking(
            instrument_id=world.instruments[instrument],
            user_id=world.users[user],
            created_by_id=extra.pop("created_by_id", world.users[user]),
            starts_at=starts_at,
            ends_at=ends_at,
            status=status,
            purpose="planted",
            ical_uid=extra.pop("ical_uid", f"planted-{uuid.uuid4()}@test"),
            sequence=0,
            created_at=extra.pop("created_at", T0),
            updated_at=T0,
            **extra,
        )
        session.add(row)
        session.flush()
        return row.id


def plant_audit(db: Database, at: datetime, actor_id: int | None = None) -> int:
    with db.sessions.begin() as session:
        row = AuditEvent(
            occurred_at=at,
            actor_id=actor_id,
            action="test.event",
            entity_type="test",
            entity_id="1",
            before=None,
            after={"planted": True},
        )
        session.add(row)
        session.flush()
        return row.id

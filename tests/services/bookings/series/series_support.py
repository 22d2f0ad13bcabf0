"""What the series tests share: the instruments, times, rules and database counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, BookingSeries
from equipshare.db.models.queue import Notification
from equipshare.domain.enums import NotificationKind
from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from tests.support.world import london

XPS = "WAR-XPS-01"
RAM = "WAR-RAM-01"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def monday_mornings(start_day: int = 23) -> BookingRequest:
    """10:00-12:00 London on Monday 23 March (still GMT), for alice on the XPS."""
    return BookingRequest(XPS, london(2026, 3, start_day, 10), london(2026, 3, start_day, 12))


def weekly(count: int | None = None, until: date | None = None) -> RecurrenceRule:
    return RecurrenceRule("weekly", count=count, until=until)


def counts(database: Database) -> dict[str, int]:
    with database.readonly() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Booking, BookingSeries, AuditEvent, Notification)
        }


def audit_actions(database: Database) -> list[str]:
    with database.readonly() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all())


def booking_rows(database: Database) -> list[Booking]:
    with database.readonly() as s:
        return list(s.scalars(select(Booking).order_by(Booking.starts_at)).all())


def notifications(database: Database, kind: NotificationKind) -> list[tuple[int, int | None]]:
    with database.readonly() as s:
        rows = s.execute(
            select(Notification.user_id, Notification.booking_id)
            .where(Notification.kind == kind)
            .order_by(Notification.id)
        ).all()
        return [(user or 0, booking) for user, booking in rows]

"""The notification outbox: messages owed to people, written with the change they report.

Most messages are written in the transaction of the change itself (a booking, a decision,
a downtime). Two are owed because time passed, not because anything changed: a reminder
before a booking and a warning before training expires. `enqueue_due` writes those; it
runs at the start of every `equipshare notify`, and a dedupe key per message (unique in
the table) makes running it every five minutes add each message once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from equipshare.config import NotificationSettings
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.queue import Notification
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, NotificationKind, NotificationStatus
from equipshare.domain.time.timewords import local_range
from equipshare.services.notify.staleness import STATE, state_in_session, with_state
from equipshare.services.plumbing.prebuilt import NOTIFICATIONS, run_later


def notification_values(
    *,
    user_id: int | None,
    kind: NotificationKind,
    subject: str,
    body: str,
    at: datetime,
    booking_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    describes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The column values of one pending outbox message.

    `describes`: the state of its subject the message reports (`booking_state`), kept so
    that notify skips it if that state has moved on by the time it is sent.
    """
    payload = with_state(payload, describes)
    return {
        "user_id": user_id,
        "kind": kind,
        "booking_id": booking_id,
        "subject": subject,
        "body": body,
        "payload": payload,
        "created_at": at,
        "status": NotificationStatus.PENDING,
        "dedupe_key": dedupe_key,
        "next_attempt_at": at,
        "attempts": 0,
    }


def queue_notification(
    session: Session,
    *,
    user_id: int | None,
    kind: NotificationKind,
    subject: str,
    body: str,
    at: datetime,
    booking_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    describes: dict[str, Any] | None = None,
) -> Notification:
    """Add one message to the outbox in the caller's transaction; returns the (unflushed) row.

    `user_id` is None only for a sign-in link to an address with no account yet.

    Call it after the change the message reports: unless `describes` says otherwise, the
    state the message keeps is its booking's (or, for `{"waitlist_entry": id}` in the
    payload, that entry's) as the transaction holds it now, and notify skips the message
    if that state has moved on by the time it is sent.
    """
    if describes is None:
        describes = state_in_session(session, booking_id, payload)
    row = Notification(
        **notification_values(
            user_id=user_id,
            kind=kind,
            subject=subject,
            body=body,
            at=at,
            booking_id=booking_id,
            payload=payload,
            dedupe_key=dedupe_key,
            describes=describes,
        )
    )
    session.add(row)
    return row


# Inline: no RETURNING of the new id, which nobody reads, so on PostgreSQL `run_later`
# can queue it with the next round trip (a RETURNING is a round trip of its own).
_INSERT = insert(NOTIFICATIONS).inline()


def insert_notification(session: Session, values: dict[str, Any]) -> None:
    """Write a message (from `notification_values`) now, with a prebuilt Core insert.

    Pass `describes` to `notification_values` on hot paths: without it the booking's
    state is read here, which may cost a query.
    """
    if values["booking_id"] is not None and STATE not in (values["payload"] or {}):
        state = state_in_session(session, values["booking_id"], values["payload"])
        values = values | {"payload": with_state(values["payload"], state)}
    run_later(session, _INSERT, values)


def local_instant(at: datetime, timezone: str) -> str:
    """'Tue 14 Apr 2026 09:00 BST': one instant in a facility's zone, naming the zone."""
    local = at.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %Y} {local:%H:%M} {local.tzname()}"


def reminder_key(booking_id: int, sequence: int) -> str:
    """One reminder per booking version: a moved booking (sequence risen) earns a new one."""
    return f"reminder:{booking_id}:{sequence}"


def training_expiry_key(record_id: int, expires_at: datetime) -> str:
    """One warning per record and expiry date: an extended expiry earns a new one."""
    return f"training-expiry:{record_id}:{expires_at:%Y%m%dT%H%M%SZ}"


@dataclass(frozen=True)
class _Owed:
    key: str
    user_id: int
    kind: NotificationKind
    subject: str
    body: str
    booking_id: int | None
    payload: dict[str, Any] | None


@dataclass(frozen=True)
class DueCounts:
    """How many time-based messages one `enqueue_due` added."""

    reminders: int
    training_expiring: int
    added_ids: frozenset[int] = frozenset()


def _reminders_owed(session: Session, now: datetime, hours: int) -> list[_Owed]:
    """Confirmed bookings starting within `hours`, made before that window opened.

    A booking made inside the window already got its confirmation moments ago; a reminder
    on top would be noise.
    """
    window = timedelta(hours=hours)
    rows = session.execute(
        select(Booking, Instrument.code, Facility.timezone)
        .join(Instrument, Booking.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.starts_at > now,
            Booking.starts_at <= now + window,
        )
        .order_by(Booking.starts_at, Booking.id)
    ).all()
    owed = []
    for booking, code, zone in rows:
        if booking.created_at > booking.starts_at - window:
            continue
        when = local_range(booking.starts_at, booking.ends_at, zone)
        owed.append(
            _Owed(
                key=reminder_key(booking.id, booking.sequence),
                user_id=booking.user_id,
                kind=NotificationKind.BOOKING_REMINDER,
                subject=f"Reminder: {code} {when}",
                body=f"Your booking {booking.id} on {code} starts {when}.",
                booking_id=booking.id,
                payload={"sequence": booking.sequence},
            )
        )
    return owed


def _training_owed(session: Session, now: datetime, days: int) -> list[_Owed]:
    """Unrevoked training expiring within `days`, unless a later record already renews it."""
    rows = session.execute(
        select(TrainingRecord, Instrument.code, Facility.timezone)
        .join(Instrument, TrainingRecord.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .where(
            TrainingRecord.revoked_at.is_(None),
            TrainingRecord.expires_at > now,
            TrainingRecord.expires_at <= now + timedelta(days=days),
        )
        .order_by(TrainingRecord.expires_at, TrainingRecord.id)
    ).all()
    owed = []
    for record, code, zone in rows:
        assert record.expires_at is not None  # the query asked for an expiry
        if renewed(session, record):
            continue
        owed.append(
            _Owed(
                key=training_expiry_key(record.id, record.expires_at),
                user_id=record.user_id,
                kind=NotificationKind.TRAINING_EXPIRING,
                subject=f"Training expiring: {code}",
                body=f"Your {record.level.value} training on {code} expires "
                f"{local_instant(record.expires_at, zone)}. "
                "Ask the facility's technicians to renew it before you book past that.",
                booking_id=None,
                payload={"training_record": record.id},
            )
        )
    return owed


def renewed(session: Session, record: TrainingRecord) -> bool:
    """Whether a later record at the same level outlasts `record`: then no warning is owed."""
    later = session.scalar(
        select(TrainingRecord.id).where(
            TrainingRecord.user_id == record.user_id,
            TrainingRecord.instrument_id == record.instrument_id,
            TrainingRecord.id != record.id,
            TrainingRecord.revoked_at.is_(None),
            TrainingRecord.level == record.level,
            or_(
                TrainingRecord.expires_at.is_(None),
                TrainingRecord.expires_at > record.expires_at,
            ),
        )
    )
    return later is not None


def enqueue_due(session: Session, now: datetime, settings: NotificationSettings) -> DueCounts:
    """Queue the reminders and training warnings now owed that are not queued yet.

    Each insert runs in a savepoint: a concurrent run that queued the same key first makes
    ours fail on the unique key, which is then simply skipped.
    """
    owed = _reminders_owed(session, now, settings.reminder_hours)
    owed += _training_owed(session, now, settings.training_expiry_days)
    if not owed:
        return DueCounts(0, 0)
    known = set(
        session.scalars(
            select(Notification.dedupe_key).where(
                Notification.dedupe_key.in_([o.key for o in owed])
            )
        )
    )
    added = {NotificationKind.BOOKING_REMINDER: 0, NotificationKind.TRAINING_EXPIRING: 0}
    ids: set[int] = set()
    for item in owed:
        if item.key in known:
            continue
        try:
            with session.begin_nested():
                row = queue_notification(
                    session,
                    user_id=item.user_id,
                    kind=item.kind,
                    subject=item.subject,
                    body=item.body,
                    at=now,
                    booking_id=item.booking_id,
                    payload=item.payload,
                    dedupe_key=item.key,
                )
        except IntegrityError:
            continue
        added[item.kind] += 1
        ids.add(row.id)
    return DueCounts(
        added[NotificationKind.BOOKING_REMINDER],
        added[NotificationKind.TRAINING_EXPIRING],
        frozenset(ids),
    )

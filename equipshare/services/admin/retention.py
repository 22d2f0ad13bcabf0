"""Retention: purge what is past its keeping period, and anonymise long-inactive people.

Both are admin-only and run in one transaction; a dry run does the same work and rolls
it back, so it reports exactly what a real run would do. Both are set-based (a handful of
statements, whatever the size of the database) and safe to run twice: the second run
finds nothing left to do and writes nothing, not even an audit event.

Audit events: the database's append-only trigger (migration 0001) refuses UPDATEs, so
history cannot be rewritten; it allows DELETE on purpose, so that history can be
forgotten once past `[retention] audit_days`. `purge` is the only code that deletes
audit events, and it never deletes one younger than that, whatever `--before` says.

Billed history: a charged booking (a late cancellation with a fee), or one an issued
statement billed (its fee since waived), is purged only once an issued statement has
billed it and it ended more than `[retention] financial_days` ago; a charged one that no
month has issued yet is on an open statement and stays. Anonymise leaves
alone anyone with a charged booking that ended within `financial_days`: a statement
prints their username, and an open month's (or its later adjustments) must not change.
Issued statements store the username as billed, so they never change either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from typing import cast as typed
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    String,
    and_,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, BookingSeries
from equipshare.db.models.catalogue import Institution, User
from equipshare.db.models.charging import IssuedLine
from equipshare.db.models.credit import TechnicianProfile
from equipshare.db.models.feeds import FeedToken
from equipshare.db.models.queue import Notification
from equipshare.db.models.ssh import SshKey
from equipshare.db.models.training import TrainingRecord
from equipshare.db.models.web import SignInLink, WebSession
from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.operations.maintenance import (
    AnonymisedUser,
    AnonymiseReport,
    PurgeReport,
)
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.services.plumbing.row_records import require_admin

PURGED_STATUSES = (BookingStatus.CANCELLED.value, BookingStatus.REJECTED.value)
# What a statement bills once over (with a charge): see services/charging/billed_lines.py.
BILLED_STATUSES = (
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
    BookingStatus.CONFIRMED,
    BookingStatus.CANCELLED,
)
PSEUDONYM_PREFIX = "anon-"
# Rows per UPDATE ... WHERE id IN (...): well under SQLite's bound-parameter limit.
CHUNK = 500


def local_midnight(day: date, timezone: str) -> datetime:
    """The instant `day` begins in the organisation's zone, in UTC."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def pseudonym_sql() -> ColumnElement[str]:
    """`'anon-' || id` in SQL, the same on both engines."""
    return literal(PSEUDONYM_PREFIX) + cast(User.id, String)


def _count(session: Session, statement: Executable) -> int:
    """Rows a DELETE removed."""
    return int(typed(CursorResult[Any], session.execute(statement)).rowcount)


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


class RetentionService:
    """Deletes and anonymises what the retention settings and UK GDPR say to let go."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._settings = context.settings

    def purge(self, actor_username: str, before: date, *, dry_run: bool = False) -> PurgeReport:
        """Delete cancelled and rejected bookings that ended before `before` and audit events
        from before it, never anything younger than the retention periods allow."""
        now = self._clock.now()
        asked = local_midnight(before, self._settings.organisation.timezone)
        retention = self._settings.retention
        bookings_before = min(asked, now - timedelta(days=retention.cancelled_days))
        charged_before = min(bookings_before, now - timedelta(days=retention.financial_days))
        audit_before = min(asked, now - timedelta(days=retention.audit_days))
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "purge old data")
                report = _purge(session, dry_run, bookings_before, charged_before, audit_before)
                if report.bookings or report.audit_events or report.sign_ins:
                    record_audit(
                        session,
                        actor_id=actor.id,
                        action="retention.purge",
                        entity_type="database",
                        entity_id="purge",
                        at=now,
                        after={
                            "bookings_before": bookings_before,
                            "charged_before": charged_before,
                            "audit_before": audit_before,
                            "bookings": report.bookings,
                            "notifications": report.notifications,
                            "series": report.series,
                            "audit_events": report.audit_events,
                            "sign_ins": report.sign_ins,
                        },
                    )
                if dry_run:
                    raise DryRun
                return report
        except DryRun:
            return report

    def anonymise(
        self, actor_username: str, inactive_since: date, *, dry_run: bool = False
    ) -> AnonymiseReport:
        """Replace the name, email and username of everyone inactive since `inactive_since`
        with `anon-<id>`, deactivate them and drop their feed tokens, SSH keys and messages.

        Their bookings, training and waitlist rows keep their user id and institution, so
        usage statistics still add up. The acting admin is never anonymised, so the last
        admin never is. Old audit events are not rewritten (the database forbids it); they
        go when `purge` passes `[retention] audit_days`.
        """
        now = self._clock.now()
        since = local_midnight(inactive_since, self._settings.organisation.timezone)
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "anonymise users")
                financial_since = now - timedelta(days=self._settings.retention.financial_days)
                users = _inactive_users(session, since, actor.id, financial_since)
                _anonymise(session, [user.user_id for user in users])
                for user in users:
                    record_audit(
                        session,
                        actor_id=actor.id,
                        action="user.anonymise",
                        entity_type="user",
                        entity_id=user.user_id,
                        at=now,
                        after={
                            "username": user.pseudonym,
                            "inactive_since": inactive_since.isoformat(),
                        },
                    )
                report = AnonymiseReport(dry_run, inactive_since, tuple(users))
                if dry_run:
                    raise DryRun
                return report
        except DryRun:
            return report


def charged() -> ColumnElement[bool]:
    """A booking that bills something: a late cancellation's fee, a session's price."""
    return Booking.instrument_charge_pence + Booking.technician_charge_pence > 0


def issued_billed() -> ColumnElement[bool]:
    """A booking that an issued statement has billed (its stored copy outlives it)."""
    return exists().where(IssuedLine.booking_id == Booking.id)


def _purge(
    session: Session,
    dry_run: bool,
    bookings_before: datetime,
    charged_before: datetime,
    audit_before: datetime,
) -> PurgeReport:
    past = and_(Booking.status.in_(PURGED_STATUSES), Booking.ends_at < bookings_before)
    # Billed: charged now (an open month bills it) or billed by an issued statement (a
    # waived fee still owes its adjustment); such a row goes only once issued and old.
    billed = or_(charged(), issued_billed())
    billed_away = and_(Booking.ends_at < charged_before, issued_billed())
    doomed = select(Booking.id).where(past, or_(~billed, billed_away))
    kept = session.scalar(select(func.count(Booking.id)).where(past, billed, ~billed_away))
    touched = [
        series_id
        for series_id in session.scalars(
            select(Booking.series_id).where(Booking.id.in_(doomed)).distinct()
        )
        if series_id is not None
    ]
    notifications = _count(session, delete(Notification).where(Notification.booking_id.in_(doomed)))
    bookings = _count(session, delete(Booking).where(Booking.id.in_(doomed)))
    series = 0
    for chunk in _chunks(touched):
        # A series is deleted only once every occurrence of it has gone.
        series += _count(
            session,
            delete(BookingSeries).where(
                BookingSeries.id.in_(chunk),
                ~exists().where(Booking.series_id == BookingSeries.id),
            ),
        )
    audit = _count(session, delete(AuditEvent).where(AuditEvent.occurred_at < audit_before))
    sign_ins = _count(session, delete(WebSession).where(WebSession.last_seen_at < audit_before))
    sign_ins += _count(session, delete(SignInLink).where(SignInLink.created_at < audit_before))
    return PurgeReport(
        dry_run=dry_run,
        bookings_before=bookings_before,
        audit_before=audit_before,
        bookings=bookings,
        notifications=notifications,
        series=series,
        audit_events=audit,
        kept_charged=int(kept or 0),
        sign_ins=sign_ins,
    )


def _inactive_users(
    session: Session, since: datetime, actor_id: int, financial_since: datetime
) -> list[AnonymisedUser]:
    """Users with no sign of life from `since` on: no booking held, made or assisted that
    ends or was made then, no audited action, no training given or taken, no feed used,
    no browser or SSH sign-in;
    and with no charged booking that ended within `[retention] financial_days`."""
    uid = User.id
    billed = exists().where(
        Booking.user_id == uid,
        charged(),
        Booking.status.in_(BILLED_STATUSES),
        Booking.ends_at >= financial_since,
    )
    booked = exists().where(
        or_(Booking.user_id == uid, Booking.created_by_id == uid, Booking.technician_id == uid),
        or_(Booking.ends_at >= since, Booking.created_at >= since),
    )
    acted = exists().where(AuditEvent.actor_id == uid, AuditEvent.occurred_at >= since)
    trained = exists().where(
        or_(TrainingRecord.user_id == uid, TrainingRecord.trainer_id == uid),
        TrainingRecord.trained_at >= since,
    )
    subscribed = exists().where(
        FeedToken.user_id == uid,
        or_(FeedToken.created_at >= since, FeedToken.last_used_at >= since),
    )
    signed_in = exists().where(WebSession.user_id == uid, WebSession.last_seen_at >= since)
    ssh_used = exists().where(SshKey.user_id == uid, SshKey.last_used_at >= since)
    bookings = select(func.count(Booking.id)).where(Booking.user_id == uid).scalar_subquery()
    rows = session.execute(
        select(uid, User.role, Institution.code, bookings)
        .join(Institution, Institution.id == User.institution_id)
        .where(
            uid != actor_id,
            User.created_at < since,
            User.username != pseudonym_sql(),
            ~booked,
            ~acted,
            ~trained,
            ~subscribed,
            ~signed_in,
            ~ssh_used,
            ~billed,
        )
        .order_by(uid)
    ).all()
    return [
        AnonymisedUser(
            user_id=user_id,
            pseudonym=f"{PSEUDONYM_PREFIX}{user_id}",
            role=str(getattr(role, "value", role)),
            institution_code=code,
            bookings=count,
        )
        for user_id, role, code, count in rows
    ]


def _anonymise(session: Session, ids: Sequence[int]) -> None:
    pseudonym = pseudonym_sql()
    for chunk in _chunks(ids):
        session.execute(
            update(User)
            .where(User.id.in_(chunk))
            .values(username=pseudonym, display_name=pseudonym, email=None, active=False)
            .execution_options(synchronize_session=False)
        )
        # Free text about the person, and rows that exist only to reach them.
        session.execute(
            update(TrainingRecord)
            .where(TrainingRecord.user_id.in_(chunk))
            .values(notes="")
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(FeedToken).where(FeedToken.user_id.in_(chunk)))
        # Their browsers' user agents and addresses; the account cannot sign in any more.
        session.execute(delete(WebSession).where(WebSession.user_id.in_(chunk)))
        # Their SSH keys (labels such as "alice@laptop", the last address used).
        session.execute(delete(SshKey).where(SshKey.user_id.in_(chunk)))
        # How papers would credit them: a name to print, an ORCID iD, a title.
        session.execute(delete(TechnicianProfile).where(TechnicianProfile.user_id.in_(chunk)))
        session.execute(delete(Notification).where(Notification.user_id.in_(chunk)))

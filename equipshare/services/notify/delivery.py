"""Delivering the outbox by email, at most once per message, with retries and backoff.

Why not one transaction per call, like every other service: a message must be claimed
and committed as `sending` *before* it goes to the SMTP server, and marked `sent` in
another transaction after. That order is the whole guarantee. A crash (or kill -9)
between the two leaves the row `sending`; no later run sends it again, because only
`pending` rows are claimed. After `[notifications] claim_timeout_minutes` notify reports
it as needing attention, and an admin who has checked the mail server's log settles it
with `--requeue ID` (send again) or `--mark-sent ID`. We chose at-most-once over
at-least-once because a duplicate "your booking was cancelled" or reminder confuses
people, while a rare reported gap costs an admin a minute.

Failures the server states are certain and handled alone: a 4xx is retried after
`retry_base_seconds`, doubled per attempt, up to `max_attempts`; a 5xx fails the
message at once. A connection lost mid-send is uncertain, so that row stays `sending`
and the run stops.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from equipshare.config import Settings
from equipshare.db.models.catalogue import User
from equipshare.db.models.queue import Notification
from equipshare.domain.enums import NotificationStatus
from equipshare.domain.errors import ConfigError, PermissionDenied, RefusedError
from equipshare.domain.records.operations.notify import DeliveryRecord, NotifyReport, StuckMessage
from equipshare.domain.rules.permissions import Actor
from equipshare.services.notify.mailer import (
    DeliveryUncertain,
    Mailer,
    MailServerUnavailable,
    Outgoing,
    SendRefused,
    SmtpMailer,
    sender_domain,
)
from equipshare.services.notify.messages import Rendered, Withheld, render
from equipshare.services.notify.outbox import enqueue_due
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext

Progress = Callable[[int, int], None]
SETTLEABLE = (NotificationStatus.SENDING, NotificationStatus.FAILED)


class _DryRun(Exception):
    def __init__(self, report: NotifyReport) -> None:
        self.report = report


def require_smtp_configured(settings: Settings) -> None:
    """Refuse (exit 2, one line) when equipshare.toml does not say where mail goes."""
    where = str(settings.source) if settings.source else "built-in defaults (no config file)"
    if not settings.smtp.host:
        raise ConfigError(f"{where}: [smtp] host is not set; notify needs an SMTP server")
    if not settings.smtp.from_address:
        raise ConfigError(f"{where}: [smtp] from_address is not set")


def _require_admin(actor: Actor) -> None:
    if not (actor.user.active and actor.user.is_admin):
        raise PermissionDenied(
            f"{actor.user.username} may not deliver or settle notifications: that needs an admin"
        )


def _username(session: Session, user_id: int | None) -> str:
    if user_id is None:  # a sign-in link to an address with no account yet
        return "(no account yet)"
    return session.scalar(select(User.username).where(User.id == user_id)) or f"#{user_id}"


class NotifyService:
    """Queue what time has made due, then send what is due; admins only."""

    def __init__(
        self, context: ServiceContext, mailer_factory: Callable[[], Mailer] | None = None
    ) -> None:
        self._db = context.database
        self._clock = context.clock
        self._settings = context.settings
        self._mailer_factory = mailer_factory or (lambda: SmtpMailer(context.settings.smtp))

    # -- the run ------------------------------------------------------------------------

    def run(
        self,
        actor_username: str,
        *,
        dry_run: bool = False,
        limit: int | None = None,
        progress: Progress | None = None,
    ) -> NotifyReport:
        """Queue due reminders and training warnings, then deliver due messages.

        A dry run does the queueing and rendering in a transaction it rolls back, and
        connects to no mail server: it reports exactly what would be sent or skipped.
        """
        require_smtp_configured(self._settings)
        with self._db.readonly() as session:
            _require_admin(row_records.load_actor(session, actor_username))
        if dry_run:
            return self._preview(limit)
        mailer = self._mailer_factory()
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            counts = enqueue_due(session, now, self._settings.notifications)
        with self._db.readonly() as session:
            due = list(session.scalars(self._due_query(now, limit)))
        deliveries: list[DeliveryRecord] = []
        stopped: str | None = None
        try:
            for done, notification_id in enumerate(due, 1):
                try:
                    outcome = self._deliver(notification_id, mailer)
                except MailServerUnavailable as exc:
                    stopped = str(exc)
                    break
                if outcome is not None:
                    deliveries.append(outcome)
                    if outcome.status is NotificationStatus.SENDING:
                        stopped = f"the connection broke while sending message {outcome.detail}"
                        break
                if progress:
                    progress(done, len(due))
        finally:
            mailer.close()
        return NotifyReport(
            dry_run=False,
            reminders_queued=counts.reminders,
            training_warnings_queued=counts.training_expiring,
            deliveries=tuple(deliveries),
            stuck=self._stuck(),
            stopped=stopped,
        )

    def _due_query(self, now: datetime, limit: int | None) -> Select[int]:
        query = (
            select(Notification.id)
            .where(
                Notification.status == NotificationStatus.PENDING,
                Notification.next_attempt_at <= now,
            )
            .order_by(Notification.next_attempt_at, Notification.id)
        )
        return query.limit(limit) if limit is not None else query

    def _preview(self, limit: int | None) -> NotifyReport:
        now = self._clock.now()
        organisation = self._settings.organisation.name
        try:
            with self._db.sessions.begin() as session:
                counts = enqueue_due(session, now, self._settings.notifications)
                deliveries = []
                for notification_id in session.scalars(self._due_query(now, limit)).all():
                    row = session.get_one(Notification, notification_id)
                    record = self._record(
                        session, row, render(session, row, organisation, now), preview=True
                    )
                    if notification_id in counts.added_ids:  # rolled back: its id would mislead
                        record = replace(record, notification_id=None)
                    deliveries.append(record)
                raise _DryRun(
                    NotifyReport(
                        dry_run=True,
                        reminders_queued=counts.reminders,
                        training_warnings_queued=counts.training_expiring,
                        deliveries=tuple(deliveries),
                        stuck=self._stuck_in(session, now),
                    )
                )
        except _DryRun as rolled_back:
            return rolled_back.report

    # -- one message --------------------------------------------------------------------

    def _deliver(self, notification_id: int, mailer: Mailer) -> DeliveryRecord | None:
        claimed = self._claim(notification_id)
        if claimed is None or isinstance(claimed, DeliveryRecord):
            return claimed
        token, message, record = claimed
        try:
            mailer.ready()
        except MailServerUnavailable:
            self._release(notification_id, token)  # nothing went out: undo the claim
            raise
        try:
            mailer.send(message)
        except SendRefused as refused:
            return self._refused(notification_id, token, refused, record)
        except DeliveryUncertain as lost:
            return self._uncertain(notification_id, token, str(lost), record)
        return self._mark_sent(notification_id, token, record)

    def _claim(
        self, notification_id: int
    ) -> tuple[str, Outgoing, DeliveryRecord] | DeliveryRecord | None:
        """Take one pending row for this run and commit that before anything is sent."""
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            row = session.get(Notification, notification_id, with_for_update=True)
            if row is None or row.status is not NotificationStatus.PENDING:
                return None  # another run took it first
            shown = render(session, row, self._settings.organisation.name, now)
            if isinstance(shown, Withheld):
                row.status, row.last_error = NotificationStatus.SKIPPED, shown.reason
                return self._record(session, row, shown)
            token = uuid.uuid4().hex
            row.status, row.claim_token, row.claimed_at = NotificationStatus.SENDING, token, now
            row.attempts += 1
            row.sent_to = shown.to
            message = Outgoing(
                to=shown.to,
                subject=shown.subject,
                body=shown.body,
                message_id=(
                    f"<equipshare-notification-{row.id}"
                    f"@{sender_domain(self._settings.smtp.from_address)}>"
                ),
                date=now,
            )
            return token, message, self._record(session, row, shown)

    def _claimed_row(self, session: Session, notification_id: int, token: str) -> Notification:
        row = session.get(Notification, notification_id, with_for_update=True)
        if row is None or row.claim_token != token:  # pragma: no cover - settled meanwhile
            raise RefusedError(f"notification {notification_id} was settled while sending")
        return row

    def _release(self, notification_id: int, token: str) -> None:
        with self._db.sessions.begin() as session:
            row = self._claimed_row(session, notification_id, token)
            row.status, row.claim_token, row.claimed_at = NotificationStatus.PENDING, None, None
            row.attempts -= 1

    def _mark_sent(
        self, notification_id: int, token: str, record: DeliveryRecord
    ) -> DeliveryRecord:
        with self._db.sessions.begin() as session:
            row = self._claimed_row(session, notification_id, token)
            row.status, row.sent_at, row.last_error = (
                NotificationStatus.SENT,
                self._clock.now(),
                None,
            )
            row.claim_token = None
        return replace(record, status=NotificationStatus.SENT)

    def _refused(
        self, notification_id: int, token: str, refused: SendRefused, record: DeliveryRecord
    ) -> DeliveryRecord:
        settings = self._settings.notifications
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            row = self._claimed_row(session, notification_id, token)
            row.claim_token, row.claimed_at, row.last_error = None, None, str(refused)
            if refused.temporary and row.attempts < settings.max_attempts:
                delay = timedelta(seconds=settings.retry_base_seconds * 2 ** (row.attempts - 1))
                row.status, row.next_attempt_at = NotificationStatus.PENDING, now + delay
                return replace(
                    record,
                    status=NotificationStatus.PENDING,
                    detail=f"{refused}; try {row.attempts + 1} of {settings.max_attempts} "
                    f"after {row.next_attempt_at:%Y-%m-%d %H:%M} UTC",
                    next_attempt_at=row.next_attempt_at,
                )
            row.status = NotificationStatus.FAILED
            why = "permanent refusal" if not refused.temporary else "out of attempts"
            return replace(record, status=NotificationStatus.FAILED, detail=f"{refused} ({why})")

    def _uncertain(
        self, notification_id: int, token: str, error: str, record: DeliveryRecord
    ) -> DeliveryRecord:
        with self._db.sessions.begin() as session:
            row = self._claimed_row(session, notification_id, token)
            row.last_error = f"outcome unknown: {error}"  # stays `sending`: never resent alone
        return replace(record, status=NotificationStatus.SENDING, detail=str(notification_id))

    def _record(
        self,
        session: Session,
        row: Notification,
        shown: Rendered | Withheld,
        *,
        preview: bool = False,
    ) -> DeliveryRecord:
        rendered = isinstance(shown, Rendered)
        status = row.status
        if preview:
            status = NotificationStatus.SENT if rendered else NotificationStatus.SKIPPED
        return DeliveryRecord(
            notification_id=row.id,
            kind=row.kind,
            username=_username(session, row.user_id),
            to=shown.to if isinstance(shown, Rendered) else None,
            subject=shown.subject if isinstance(shown, Rendered) else row.subject,
            status=status,
            attempts=row.attempts,
            detail="" if isinstance(shown, Rendered) else shown.reason,
        )

    # -- messages needing a person -------------------------------------------------------

    def _stuck(self) -> tuple[StuckMessage, ...]:
        with self._db.readonly() as session:
            return self._stuck_in(session, self._clock.now())

    def _stuck_in(self, session: Session, now: datetime) -> tuple[StuckMessage, ...]:
        cutoff = now - timedelta(minutes=self._settings.notifications.claim_timeout_minutes)
        rows = session.scalars(
            select(Notification)
            .where(
                Notification.status == NotificationStatus.SENDING,
                Notification.claimed_at <= cutoff,
            )
            .order_by(Notification.claimed_at, Notification.id)
        )
        return tuple(
            StuckMessage(
                notification_id=row.id,
                kind=row.kind,
                username=_username(session, row.user_id),
                to=row.sent_to,
                subject=row.subject,
                claimed_at=row.claimed_at or now,
                last_error=row.last_error,
            )
            for row in rows
        )

    def settle(
        self, actor_username: str, notification_ids: Sequence[int], *, sent: bool
    ) -> tuple[int, ...]:
        """Decide stuck (or failed) messages: mark them sent, or queue them to send again.

        One transaction for all the ids: a wrong id refuses the lot, changing nothing.
        """
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            _require_admin(row_records.load_actor(session, actor_username))
            for notification_id in notification_ids:
                row = session.get(Notification, notification_id, with_for_update=True)
                if row is None:
                    raise RefusedError(f"no notification {notification_id}", "id")
                if row.status not in SETTLEABLE:
                    raise RefusedError(
                        f"notification {notification_id} is {row.status.value}; only sending "
                        "(stuck) or failed messages can be settled",
                        "id",
                    )
                row.claim_token, row.claimed_at = None, None
                if sent:
                    row.status, row.sent_at = NotificationStatus.SENT, now
                    row.last_error = "marked sent by an admin"
                else:
                    row.status, row.next_attempt_at, row.attempts = (
                        NotificationStatus.PENDING,
                        now,
                        0,
                    )
        return tuple(notification_ids)

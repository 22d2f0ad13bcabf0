"""Frozen records of notification delivery: what was sent, what is stuck, the run's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from equipshare.domain.enums import (
    NotificationKind,
    NotificationStatus,
)


@dataclass(frozen=True)
class DeliveryRecord:
    """What `equipshare notify` did (or, in a dry run, would do) with one queued message.

    `status` is the row's state afterwards: sent, skipped (with the reason in `detail`),
    failed, pending (a temporary failure: retried from `next_attempt_at`), or sending (the
    connection broke mid-send, so whether it arrived is unknown).
    """

    notification_id: int | None  # None for a message a dry run would queue (rolled back)
    kind: NotificationKind
    username: str
    to: str | None
    subject: str
    status: NotificationStatus
    attempts: int
    detail: str = ""
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class StuckMessage:
    """A message claimed for sending but never marked: it may or may not have arrived."""

    notification_id: int
    kind: NotificationKind
    username: str
    to: str | None
    subject: str
    claimed_at: datetime
    last_error: str | None


@dataclass(frozen=True)
class NotifyReport:
    """One notify run: what was queued because time passed, what was delivered, what is stuck."""

    dry_run: bool
    reminders_queued: int
    training_warnings_queued: int
    deliveries: tuple[DeliveryRecord, ...]
    stuck: tuple[StuckMessage, ...]
    stopped: str | None = None  # why the run ended early (the mail server went away)

    def count(self, status: NotificationStatus) -> int:
        return sum(1 for d in self.deliveries if d.status is status)

    @property
    def failed(self) -> tuple[DeliveryRecord, ...]:
        """Messages this run gave up on (a 5xx, or a 4xx out of attempts)."""
        return tuple(d for d in self.deliveries if d.status is NotificationStatus.FAILED)

    @property
    def needs_attention(self) -> bool:
        """Whether a person must look: a message failed or is stuck, or the run stopped."""
        return bool(self.failed or self.stuck or self.stopped)

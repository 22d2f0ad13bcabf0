"""Models for what waits: the waitlist for taken slots and the outbox of notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from equipshare.db.base import Base, UTCDateTime, enum_check, enum_column_type
from equipshare.domain.enums import NotificationKind, NotificationStatus, WaitlistStatus


class WaitlistEntry(Base):
    """A user waiting for a taken time range on an instrument; first come, first offered.

    When the range frees up the first waiter it fits is `offered` it, and it is held for
    them alone until `hold_expires_at`; then it passes to the next in line.
    """

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        enum_check("status", WaitlistStatus),
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        Index("ix_waitlist_entries_instrument_starts", "instrument_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[WaitlistStatus] = mapped_column(enum_column_type(WaitlistStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # While `offered`, nobody else may book the range until then; it never runs past the
    # instrument's booking notice, so the holder can still book it when it ends.
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    """A message owed to a user, written in the same transaction as the change it reports.

    `equipshare notify` delivers it at most once: it claims the row (`sending`, with a claim
    token and time) in one short transaction, sends, then marks it `sent` in another. A row
    left `sending` is never sent again by itself; notify reports it for a person to decide.
    Time-based messages (reminders, training expiry) carry a `dedupe_key`, so enqueuing them
    on every run adds each one once. Only a sign-in link may have no user: it goes to an
    address with no account yet (its `sign_in_links` row, named in the payload, holds the
    address), and the account is made only when the link is redeemed.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        enum_check("kind", NotificationKind),
        CheckConstraint("user_id IS NOT NULL OR kind = 'sign_in_link'", name="recipient_known"),
        enum_check("status", NotificationStatus),
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        Index("ix_notifications_unsent", "sent_at", "next_attempt_at"),
        Index("ix_notifications_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column_type(NotificationKind))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column_type(NotificationStatus), default=NotificationStatus.PENDING
    )
    # e.g. "reminder:<booking id>:<sequence>"; NULL for messages written with their change.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_to: Mapped[str | None] = mapped_column(String(320))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

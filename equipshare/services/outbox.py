"""The notification outbox: messages owed to people, written with the change they report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from equipshare.db.models_queue import Notification
from equipshare.domain import NotificationKind


def queue_notification(
    session: Session,
    *,
    user_id: int,
    kind: NotificationKind,
    subject: str,
    body: str,
    at: datetime,
    booking_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            booking_id=booking_id,
            subject=subject,
            body=body,
            payload=payload,
            created_at=at,
            next_attempt_at=at,
            attempts=0,
        )
    )

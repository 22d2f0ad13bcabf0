"""The web server's models: signed-in browser sessions and one-time emailed sign-in links.

Neither table holds a secret: the browser's cookie and the emailed link carry a random
secret, and only its SHA-256 is stored, so a copy of the database (or a backup) opens no
session and redeems no link.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from equipshare.db.base import Base, UTCDateTime


class WebSession(Base):
    """One signed-in browser: open while `ended_at` is NULL and neither expiry has passed.

    Shared by every `equipshare serve` process on the database, so any of them behind a
    load balancer can validate it. The user agent and address are for an admin's eyes.
    """

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_open", "ended_at", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class SignInLink(Base):
    """A sign-in link emailed to `email`: redeemed once (`used_at`), before `expires_at`."""

    __tablename__ = "sign_in_links"
    __table_args__ = (Index("ix_sign_in_links_email_created", "email", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

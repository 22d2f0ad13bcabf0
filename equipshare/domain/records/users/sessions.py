"""Frozen records of signing in to `equipshare serve`: a browser session, an emailed link."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class WebSessionRecord:
    """A signed-in browser as the database holds it, and when it will end by itself."""

    id: int
    user_id: int
    username: str
    display_name: str
    created_at: datetime
    last_seen_at: datetime
    idle_expires_at: datetime  # last_seen_at plus [server] session_idle_minutes
    expires_at: datetime  # created_at plus [server] session_absolute_hours


@dataclass(frozen=True)
class StartedSession:
    """A new session and the secret its cookie carries (stored nowhere but in the cookie)."""

    secret: str = field(repr=False)
    session: WebSessionRecord


@dataclass(frozen=True)
class SignInLinkSent:
    """A sign-in link queued in the outbox for `email`; it works once, until `expires_at`.

    `username` is None for an address with no account yet: one is made when the link is
    redeemed, which proves the address.
    """

    email: str
    username: str | None
    expires_at: datetime

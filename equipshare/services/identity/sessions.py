"""Browser sessions of `equipshare serve`: started, checked on every request, ended.

A session lives in the database, so every `serve` process behind a load balancer sees the
same ones. The cookie carries a random secret and the table only its SHA-256. A session is
refused (and ended) once idle or old past its limits, and at once when its user has been
deactivated; the web app checks its sessions again every minute, so a deactivated user's
open app ends within one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from equipshare.config import Settings
from equipshare.db.models.catalogue import User
from equipshare.db.models.web import WebSession
from equipshare.domain.errors import PermissionDenied, RefusedError
from equipshare.domain.records.users.sessions import StartedSession, WebSessionRecord
from equipshare.services.identity.secrets import new_secret, plausible, secret_hash
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

# A session's last_seen_at is written at most this often: a busy browser costs one write a
# minute, not one a request. The idle limit is in minutes, so this blurs it by at most one.
TOUCH_EVERY = timedelta(seconds=60)
NOT_SIGNED_IN = "you are not signed in, or your session has ended; sign in again"
#: The PostgreSQL advisory lock sign-ins queue on: a fixed key, the bytes of "sign-ins".
SIGN_IN_LOCK_KEY = int.from_bytes(b"sign-ins", "big")
_SIGN_IN_LOCK = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=SIGN_IN_LOCK_KEY)


@dataclass(frozen=True)
class Limits:
    """A session's two lifetimes, from `[server]`."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        server = settings.server
        return cls(
            timedelta(minutes=server.session_idle_minutes),
            timedelta(hours=server.session_absolute_hours),
        )


def _record(row: WebSession, user: User, limits: Limits) -> WebSessionRecord:
    return WebSessionRecord(
        id=row.id,
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        idle_expires_at=row.last_seen_at + limits.idle,
        expires_at=row.created_at + limits.absolute,
    )


def open_clause(now: datetime, limits: Limits) -> ColumnElement[bool]:
    """Sessions not ended and within both lifetimes at `now`."""
    return (
        WebSession.ended_at.is_(None)
        & (WebSession.last_seen_at > now - limits.idle)
        & (WebSession.created_at > now - limits.absolute)
    )


def queue_sign_ins(session: Session) -> None:
    """Make sign-ins take turns until the caller's transaction ends, so that counting the open
    sessions and adding one cannot let two of them both take the last place (per user or in
    all). PostgreSQL: one transaction-level advisory lock, released at commit or rollback (a
    row lock would cover one user, not the total). SQLite: every write transaction began with
    BEGIN IMMEDIATE and holds the database's one write lock already.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(_SIGN_IN_LOCK)


def start_in(
    session: Session,
    user: User,
    settings: Settings,
    now: datetime,
    *,
    how: str,
    user_agent: str = "",
    address: str = "",
) -> StartedSession:
    """Open a session for `user` in the caller's transaction, within the limits; audited."""
    if not user.active:
        raise PermissionDenied(
            f"the account {user.username} is deactivated; ask an administrator to reactivate it",
            "user",
        )
    limits, server = Limits.of(settings), settings.server
    queue_sign_ins(session)
    live = open_clause(now, limits)
    mine = session.scalar(
        select(func.count()).select_from(WebSession).where(live, WebSession.user_id == user.id)
    )
    if (mine or 0) >= server.max_sessions_per_user:
        times = "once" if mine == 1 else f"{mine} times"
        raise RefusedError(
            f"{user.username} is already signed in {times}, the most allowed "
            f"([server] max_sessions_per_user); sign out elsewhere, or wait for an idle "
            "session to end, then sign in again",
            "session",
        )
    total = session.scalar(select(func.count()).select_from(WebSession).where(live))
    if (total or 0) >= server.max_sessions:
        sessions_open = "1 session is open" if total == 1 else f"{total} sessions are open"
        raise RefusedError(
            f"equipshare is full: {sessions_open}, the most it holds "
            "([server] max_sessions); try again in a few minutes",
            "session",
        )
    secret = new_secret()
    row = WebSession(
        secret_hash=secret_hash(secret),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        ended_at=None,
        user_agent=user_agent[:300],
        address=address[:64],
    )
    session.add(row)
    session.flush()
    record_audit(
        session, actor_id=user.id, action="session.start", entity_type="web_session",
        entity_id=row.id, at=now, after={"user": user.username, "how": how, "address": address},
    )  # fmt: skip
    return StartedSession(secret, _record(row, user, limits))


def _end(session: Session, row: WebSession, now: datetime, why: str, actor_id: int | None) -> None:
    row.ended_at = now
    record_audit(
        session, actor_id=actor_id, action="session.end", entity_type="web_session",
        entity_id=row.id, at=now, after={"why": why},
    )  # fmt: skip


class SessionsService:
    """Starts, checks and ends browser sessions; each call is one transaction."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._server = context.settings.server
        self._limits = Limits.of(context.settings)
        self._settings = context.settings

    def start(
        self, username: str, *, how: str, user_agent: str = "", address: str = ""
    ) -> StartedSession:
        """Open a session for a user whose identity the caller has already established."""
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise RefusedError(f"no user called {username!r}", "user")
            return start_in(
                session, user, self._settings, now, how=how, user_agent=user_agent, address=address
            )

    def check(self, secret: str, *, touch: bool = True) -> WebSessionRecord:
        """The open session the cookie's secret names, or RefusedError saying to sign in.

        An expired session, or one whose user is deactivated, is ended here (audited) and
        refused. `touch` records the use (at most once a minute), which keeps it from idling.
        """
        if not plausible(secret):
            raise RefusedError(NOT_SIGNED_IN, "session")
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            found = session.execute(
                select(WebSession, User)
                .join(User, User.id == WebSession.user_id)
                .where(WebSession.secret_hash == secret_hash(secret))
            ).first()
            if found is None or found[0].ended_at is not None:
                raise RefusedError(NOT_SIGNED_IN, "session")
            row, user = found
            why = self._why_over(row, user, now)
            if why is not None:
                _end(session, row, now, why, None)
        if why is not None:  # the end is committed before the refusal is raised
            raise RefusedError(
                f"your session has ended ({why}); sign in again"
                if why != "account deactivated"
                else f"the account {user.username} is deactivated; your session has ended",
                "session",
            )
        if touch and now - row.last_seen_at >= TOUCH_EVERY:
            with self._db.sessions.begin() as session:
                session.execute(
                    update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now)
                )
            row.last_seen_at = now
        return _record(row, user, self._limits)

    def _why_over(self, row: WebSession, user: User, now: datetime) -> str | None:
        if not user.active:
            return "account deactivated"
        if now >= row.created_at + self._limits.absolute:
            return f"signed in over {self._server.session_absolute_hours} hours ago"
        if now >= row.last_seen_at + self._limits.idle:
            return f"unused for {self._server.session_idle_minutes} minutes"
        return None

    def end(self, secret: str) -> bool:
        """Sign the cookie's session out; False when it was not open (nothing to do)."""
        if not plausible(secret):
            return False
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            row = session.scalar(
                select(WebSession)
                .where(WebSession.secret_hash == secret_hash(secret))
                .with_for_update()
            )
            if row is None or row.ended_at is not None:
                return False
            _end(session, row, now, "signed out", row.user_id)
            return True

    def end_all(self, actor_username: str, username: str) -> int:
        """End every open session of `username` (themselves, or an admin); how many ended."""
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            target = row_records.load_user(session, username)
            if actor.user.id != target.id and not (actor.user.is_admin and actor.user.active):
                raise PermissionDenied(
                    f"{actor_username} may not sign {username} out: that needs an admin", "user"
                )
            rows = session.scalars(
                select(WebSession)
                .where(WebSession.user_id == target.id, WebSession.ended_at.is_(None))
                .with_for_update()
            ).all()
            for row in rows:
                _end(session, row, now, f"signed out everywhere by {actor_username}", actor.user.id)
            return len(rows)

    def still_open(self, session_ids: list[int]) -> set[int]:
        """Which of these sessions are still open now (the app's once-a-minute sweep)."""
        if not session_ids:
            return set()
        now = self._clock.now()
        with self._db.readonly() as session:
            found = session.scalars(
                select(WebSession.id)
                .join(User, User.id == WebSession.user_id)
                .where(
                    WebSession.id.in_(session_ids),
                    User.active.is_(True),
                    open_clause(now, self._limits),
                )
            ).all()
        return set(found)

    def database_answers(self) -> bool:
        """Whether the database answers a trivial query: the health endpoint's check."""
        try:
            with self._db.readonly() as session:
                session.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

"""Calendar feed tokens: create, list and revoke them, and resolve one for the feed server.

A token is 32 random bytes (`secrets.token_urlsafe`, 256 bits), shown once and stored only
as its SHA-256: a leaked database or backup yields no working URL. Each token opens one
calendar (the owner's own, an instrument, a facility or an institution) that its owner may
see, by the export's rule (a token is refused exactly when `export ics` would be, in the same
words), and it dies with its owner's account. Everything the server says about a bad token is
the same neutral "no such feed", so a URL reveals nothing about what exists.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, Institution
from equipshare.db.models.feeds import FeedToken
from equipshare.domain.enums import ExportKind
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.calendar import (
    ExportScope,
    FeedCalendar,
    FeedScope,
    FeedTokenRecord,
    IssuedFeedToken,
)
from equipshare.domain.rules.permissions import Actor
from equipshare.services.calendar.export import CalendarExportService
from equipshare.services.calendar.feed_changes import covers, feed_changes
from equipshare.services.calendar.feed_text import FeedTexts
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet, without padding.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
PREFIX_LENGTH = 6
LABEL_LENGTH = 200
# A feed is polled every few hours; writing last_used_at on every poll would make each
# read a write, so it is refreshed only when older than this.
TOUCH_EVERY = timedelta(hours=1)
#: The one message for every token or URL that does not open a feed.
NO_SUCH_FEED = "no such feed"


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256, hex. Tokens carry 256 bits, so no salt is needed."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def feed_path(token: str, kind: ExportKind, target: str) -> str:
    """The server's path for one feed: /feeds/<token>/<kind>/<target>.ics."""
    return f"/feeds/{token}/{kind.value}/{quote(target, safe='')}.ics"


def feed_urls(base_url: str, token: str, kind: ExportKind, target: str) -> tuple[str, str]:
    """The https:// (or http://) URL of a feed and its webcal:// twin, for calendar apps."""
    url = base_url.rstrip("/") + feed_path(token, kind, target)
    webcal = re.sub(r"^https?://", "webcal://", url)
    return url, webcal


def token_record(row: FeedToken, username: str) -> FeedTokenRecord:
    return FeedTokenRecord(
        id=row.id,
        username=username,
        kind=row.kind,
        target=row.target,
        label=row.label,
        prefix=row.token_prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _kind(value: ExportKind | str) -> ExportKind:
    try:
        return ExportKind(value)
    except ValueError:
        choices = ", ".join(k.value for k in ExportKind)
        raise InputError(f"unknown feed kind {value!r}: use one of {choices}", "kind") from None


class FeedsService:
    """Feed tokens for their owners, and the token check the feed server makes per request."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context
        self._db = context.database
        self._clock = context.clock
        self._settings = context.settings.feeds
        #: The finished text of events served so far, kept across rebuilds of any feed.
        self.texts = FeedTexts(self._settings.cached_events)

    # -- for the token's owner ------------------------------------------------------------

    def create(
        self,
        actor_username: str,
        kind: ExportKind | str,
        target: str | None = None,
        label: str = "",
    ) -> IssuedFeedToken:
        """Issue a token for one calendar the actor may see; the plaintext is returned once.

        `target` is an instrument code, a facility id or code, an institution code, or (for
        the actor's own calendar, the default) the actor's username.
        """
        kind = _kind(kind)
        label = " ".join(label.split())
        if len(label) > LABEL_LENGTH:
            raise InputError(f"the label is longer than {LABEL_LENGTH} characters", "label")
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            if not actor.user.active:
                raise PermissionDenied(
                    f"{actor.user.username} may not subscribe to feeds: the account is deactivated"
                )
            key = self._check_target(session, actor, kind, target)
        # The export decides who may see which calendar; asking it here, over an empty
        # window, refuses now a token that would only ever get 404 (on the primary, as the
        # write that follows).
        self._export(self._db.readonly).events(
            actor.user.username, ExportScope(kind, key), *self._instant()
        )
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._db.sessions.begin() as session:
            now = self._clock.now()
            row = FeedToken(
                user_id=actor.id,
                token_hash=hash_token(token),
                token_prefix=token[:PREFIX_LENGTH],
                kind=kind,
                target=key,
                label=label,
                created_at=now,
            )
            session.add(row)
            session.flush()
            record_audit(
                session,
                actor_id=actor.id,
                action="feed_token.create",
                entity_type="feed_token",
                entity_id=row.id,
                at=now,
                after={"kind": kind, "target": key, "label": label, "prefix": row.token_prefix},
            )
            record = token_record(row, actor.user.username)
        https_url, webcal_url = feed_urls(self._settings.base_url, token, kind, key)
        return IssuedFeedToken(record, token, https_url, webcal_url)

    def tokens(
        self, actor_username: str, username: str | None = None, *, include_revoked: bool = False
    ) -> list[FeedTokenRecord]:
        """The actor's tokens (an admin may name another user), newest first; never the token."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            owner = actor.user
            if username is not None and username != owner.username:
                if not actor.user.is_admin:
                    raise PermissionDenied(
                        f"{owner.username} may not list another user's feed tokens: "
                        "that needs an admin"
                    )
                owner = row_records.load_user(session, username)
            statement = select(FeedToken).where(FeedToken.user_id == owner.id)
            if not include_revoked:
                statement = statement.where(FeedToken.revoked_at.is_(None))
            rows = session.scalars(
                statement.order_by(FeedToken.created_at.desc(), FeedToken.id.desc())
            ).all()
            return [token_record(row, owner.username) for row in rows]

    def revoke(self, actor_username: str, token_id: int) -> FeedTokenRecord:
        """Revoke a token at once: its next request gets 404. Owners and admins only."""
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            row = session.get(FeedToken, token_id)
            # Another user's token is "not found", not "forbidden": ids reveal nothing.
            if row is None or (row.user_id != actor.id and not actor.user.is_admin):
                raise NotFound(f"no feed token {token_id} of yours", "token")
            if not actor.user.active:
                raise PermissionDenied(f"{actor.user.username}'s account is deactivated")
            if row.revoked_at is not None:
                raise RefusedError(f"feed token {token_id} is already revoked", "token")
            now = self._clock.now()
            row.revoked_at = now
            record_audit(
                session,
                actor_id=actor.id,
                action="feed_token.revoke",
                entity_type="feed_token",
                entity_id=row.id,
                at=now,
                before={"revoked_at": None},
                after={"revoked_at": now},
            )
            owner = row_records.user_by_id(session, row.user_id)
            return token_record(row, owner.username)

    # -- for the feed server --------------------------------------------------------------

    def resolve(self, token: str) -> FeedScope:
        """What `token` opens, or NotFound(NO_SUCH_FEED) for anything unknown or revoked.

        The lookup is by the token's hash, so timing reveals nothing about stored tokens.
        """
        with self._db.readonly() as session:
            return _resolve(session, token)

    def record_use(self, scope: FeedScope) -> None:
        """Note that a feed was read, at most once per TOUCH_EVERY (so reads stay reads)."""
        now = self._clock.now()
        if scope.last_used_at is not None and now - scope.last_used_at < TOUCH_EVERY:
            return
        with self._db.sessions.begin() as session:
            session.execute(
                update(FeedToken).where(FeedToken.id == scope.token_id).values(last_used_at=now)
            )

    def window(self) -> tuple[datetime, datetime]:
        """The feed's time range: whole UTC days, so a feed's body is stable within a day."""
        now = self._clock.now().astimezone(UTC)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return (
            today - timedelta(days=self._settings.days_back),
            today + timedelta(days=self._settings.days_ahead + 1),
        )

    def open(self, token: str, kind: str, target: str) -> FeedScope:
        """The scope of the feed at /feeds/<token>/<kind>/<target>.ics, or NotFound, with
        its change stamps read in the same transaction (what the server's cache compares).

        A token opens only the calendar it was made for: another kind or target is the
        same NotFound(NO_SUCH_FEED) as an unknown or revoked token.
        """
        with self._db.readonly() as session:
            scope = _resolve(session, token)
            if scope.kind.value != kind or scope.target != target:
                raise NotFound(NO_SUCH_FEED)
            return replace(scope, changes=feed_changes(session, scope.kind, scope.target))

    def calendar(self, scope: FeedScope) -> FeedCalendar:
        """The feed's events in its window, as its owner may see them, and note the use.

        A refusal by the export (the owner lost a right since the token was made) is the
        same NotFound as a bad token.
        """
        start, end = self.window()
        try:
            meta, parts, leaves = self._export(self._covering(scope)).feed_text(
                scope.username, ExportScope(scope.kind, scope.target), start, end, self.texts
            )
        except RefusedError:
            raise NotFound(NO_SUCH_FEED) from None
        self.record_use(scope)
        midnight = start + timedelta(days=self._settings.days_back + 1)  # the window moves on
        valid_until = min(midnight, leaves) if leaves is not None else midnight
        return FeedCalendar(
            scope=scope,
            meta=meta,
            events=tuple(part.text for part in parts),
            newest=max((part.last_modified for part in parts), default=None),
            valid_until=valid_until,
        )

    # -- scoping --------------------------------------------------------------------------

    def _export(self, reads: Callable[[], Session]) -> CalendarExportService:
        return CalendarExportService(self._context, reads)

    def _covering(self, scope: FeedScope) -> Callable[[], Session]:
        """Where a feed's events are read: the read replica once it holds every write the
        scope's stamps (read on the primary by `open`) count, waiting at most
        [database] replica_wait_ms for it, else the primary. A body is kept and served under
        those stamps, so it must never be older than they say."""
        replica, wanted = self._db.replica, scope.changes
        if replica is None or wanted is None:
            return self._db.reads

        def caught_up(session: Session) -> bool:
            return covers(feed_changes(session, scope.kind, scope.target), wanted)

        return lambda: replica.covering(caught_up)

    def _instant(self) -> tuple[datetime, datetime]:
        now = self._clock.now()
        return now, now + timedelta(seconds=1)

    def _check_target(
        self, session: Session, actor: Actor, kind: ExportKind, target: str | None
    ) -> str:
        """The target's key as feed URLs name it, once the actor is known to see it."""
        user = actor.user
        if kind is ExportKind.USER:
            if target not in (None, user.username):
                raise PermissionDenied(
                    f"{user.username} may only subscribe to their own calendar, not {target!r}'s"
                )
            return user.username
        if not target:
            raise InputError(f"a {kind.value} feed needs a {kind.value} to show", "target")
        if kind is ExportKind.INSTRUMENT:
            # Whether the actor may see it is the export's answer (asked next), so a feed is
            # refused exactly when `export ics` would be, never with a made-up "no such".
            return row_records.load_instrument(session, target).code
        if kind is ExportKind.FACILITY:
            facility = session.scalars(
                select(Facility).where(
                    Facility.id == int(target) if target.isdigit() else Facility.code == target
                )
            ).one_or_none()
            if facility is None:
                raise NotFound(f"no facility {target!r}", "target")
            return str(facility.id)
        institution = session.scalars(
            select(Institution).where(Institution.code == target)
        ).one_or_none()
        if institution is None:
            raise NotFound(f"no institution with code {target!r}", "target")
        return institution.code


def _resolve(session: Session, token: str) -> FeedScope:
    """FeedsService.resolve inside the caller's transaction."""
    if not _TOKEN_SHAPE.fullmatch(token):
        raise NotFound(NO_SUCH_FEED)
    digest = hash_token(token)
    row = session.scalars(select(FeedToken).where(FeedToken.token_hash == digest)).one_or_none()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        raise NotFound(NO_SUCH_FEED)
    owner = row_records.user_by_id(session, row.user_id)
    if not owner.active:
        raise NotFound(NO_SUCH_FEED)
    return FeedScope(row.id, owner.username, row.kind, row.target, row.last_used_at)

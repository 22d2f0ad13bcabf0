"""The aiohttp application that serves calendar feeds at /feeds/<token>/<kind>/<target>.ics.

Calendar clients poll feeds for hours on end, so every answer carries an ETag and a
Last-Modified, and a client that already holds the current body gets 304 without one.
Database work and assembly run in threads (`asyncio.to_thread`), never on the event loop.
Any URL that opens no feed gets aiohttp's own plain 404, the same as for a path that was
never a feed, so a response tells nothing about which tokens or calendars exist.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web

from equipshare.domain.enums import ExportKind
from equipshare.domain.errors import NotFound, ServerStartError
from equipshare.domain.records.scheduling.calendar import FeedChanges
from equipshare.ical.feed_cache import AssembledFeed, FeedAssembler
from equipshare.server.limits import LIMITS, ServerLimits, runner_options
from equipshare.server.logs import ScrubbingFilter
from equipshare.services.calendar.service import FeedsService
from equipshare.services.plumbing.context import ServiceContext

log = logging.getLogger("equipshare.feeds")

FEED_ROUTE = "/feeds/{token}/{kind}/{target}.ics"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# Feed URLs are secrets: no shared cache may keep them, and clients revalidate (cheaply).
CACHE_CONTROL = "private, no-cache"
GZIP_SUFFIX = "-gzip"
GZIPPED_KEPT = 64
# Rebuilding a feed costs far more than checking it (reading its changed instruments'
# bookings, sorting and joining its events' kept text, hashing the body), so a feed is
# served again as built while its scope's change stamps stand still: polls, and many
# tokens of one user on one calendar, cost one indexed read each until a write.
RECENT_KEPT = 1024


@dataclass(frozen=True)
class BuiltFeed:
    """A feed as built, and what must still hold for it to be served again."""

    feed: AssembledFeed
    changes: FeedChanges | None  # the scope's change stamps, read before the events
    built_at: datetime
    valid_until: datetime  # midnight UTC, or a cancellation's grace ending, if sooner

    def serves(self, changes: FeedChanges | None, now: datetime) -> bool:
        return (
            changes is not None
            and changes == self.changes
            and self.built_at <= now < self.valid_until
        )


@dataclass(frozen=True)
class FeedBody:
    """One representation of a feed: the bytes to send and their validators."""

    body: bytes
    etag: str
    last_modified: datetime
    gzipped: bool


def wants_gzip(accept_encoding: str) -> bool:
    """Whether Accept-Encoding lists gzip with a non-zero weight."""
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() not in ("gzip", "x-gzip"):
            continue
        weight = params.strip().removeprefix("q=")
        try:
            return not params.strip() or float(weight) > 0
        except ValueError:
            return True
    return False


class FeedHandler:
    """Builds feeds through FeedsService and keeps what makes repeat requests cheap: the
    rendered events, each feed's validators and the last few gzipped bodies."""

    def __init__(self, context: ServiceContext) -> None:
        self._clock = context.clock
        self._settings = context.settings.feeds
        self._feeds = FeedsService(context)
        self.assembler = FeedAssembler(self._settings.cached_events)
        self.texts = self._feeds.texts  # events' finished text, kept across rebuilds
        self._gzipped: OrderedDict[str, bytes] = OrderedDict()
        self._recent: OrderedDict[tuple[str, ExportKind, str], BuiltFeed] = OrderedDict()
        self._warned: OrderedDict[str, None] = OrderedDict()  # bodies already warned about
        self._lock = threading.Lock()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        info = request.match_info
        try:
            feed = await asyncio.to_thread(self.build, info["token"], info["kind"], info["target"])
        except NotFound:
            raise web.HTTPNotFound() from None
        if self._not_modified(request, feed):
            return web.Response(status=304, headers=self._headers(feed.etag, feed.last_modified))
        body = FeedBody(feed.body, feed.etag, feed.last_modified, gzipped=False)
        if wants_gzip(request.headers.get("Accept-Encoding", "")):
            body = await asyncio.to_thread(self._gzip, feed)
        headers = self._headers(body.etag, body.last_modified)
        headers["Content-Type"] = CONTENT_TYPE
        if body.gzipped:
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body.body, headers=headers)

    def build(self, token: str, kind: str, target: str) -> AssembledFeed:
        """The feed's body and validators (blocking: database and rendering).

        The token and the scope's change stamps are read on every request, in one read
        transaction: a revocation takes effect at once, and the last build is served again
        only while no committed write (from any process) has touched what the feed shows or
        who may see it, and its day and every cancellation's grace period last. Otherwise
        the events are loaded again, rights checked again, and only changed events rendered.
        """
        scope = self._feeds.open(token, kind, target)
        now = self._clock.now().astimezone(UTC)
        key = (scope.username, scope.kind, scope.target)
        with self._lock:
            recent = self._recent.get(key)
        if recent is not None and recent.serves(scope.changes, now):
            self._feeds.record_use(scope)
            return recent.feed
        calendar = self._feeds.calendar(scope)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        feed = self.assembler.assemble_text(
            key, calendar.meta, calendar.events, newest=calendar.newest, floor=today, now=now
        )
        with self._lock:
            self._recent[key] = BuiltFeed(feed, scope.changes, now, calendar.valid_until)
            self._recent.move_to_end(key)
            while len(self._recent) > RECENT_KEPT:
                self._recent.popitem(last=False)
            first_sight = feed.etag not in self._warned
            self._warned[feed.etag] = None
            while len(self._warned) > RECENT_KEPT:
                self._warned.popitem(last=False)
        limit = self._settings.warn_kilobytes * 1024
        if limit and len(feed.body) > limit and first_sight:
            log.warning(
                "feed of %s %s (token %d) is %d kB with %d events, over the %d kB where "
                "Google stops reading feeds; shorten [feeds] days_ahead or days_back",
                scope.kind.value,
                scope.target,
                scope.token_id,
                len(feed.body) // 1024,
                feed.event_count,
                self._settings.warn_kilobytes,
            )
        return feed

    def _gzip(self, feed: AssembledFeed) -> FeedBody:
        """The gzipped body, compressed once per distinct body (mtime 0: byte-stable)."""
        with self._lock:
            packed = self._gzipped.get(feed.etag)
            if packed is not None:
                self._gzipped.move_to_end(feed.etag)
        if packed is None:
            packed = gzip.compress(feed.body, compresslevel=6, mtime=0)
            with self._lock:
                self._gzipped[feed.etag] = packed
                while len(self._gzipped) > GZIPPED_KEPT:
                    self._gzipped.popitem(last=False)
        return FeedBody(packed, feed.etag + GZIP_SUFFIX, feed.last_modified, gzipped=True)

    @staticmethod
    def _not_modified(request: web.Request, feed: AssembledFeed) -> bool:
        """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
        if "If-None-Match" in request.headers:
            tags = request.if_none_match or ()
            # Weak comparison; either coding's tag names the same content.
            values = {tag.value.removesuffix(GZIP_SUFFIX) for tag in tags}
            return feed.etag in values or "*" in values
        since = request.if_modified_since
        return since is not None and feed.last_modified <= since

    @staticmethod
    def _headers(etag: str, last_modified: datetime) -> dict[str, str]:
        return {
            "ETag": f'"{etag}"',
            "Last-Modified": format_datetime(last_modified, usegmt=True),
            "Cache-Control": CACHE_CONTROL,
            "Vary": "Accept-Encoding",
        }


FEEDS_KEY = web.AppKey("feeds", FeedHandler)


def create_app(context: ServiceContext, limits: ServerLimits = LIMITS) -> web.Application:
    """The feed server's application; GET and HEAD on the one feed route."""
    app = web.Application(client_max_size=limits.max_body_size)
    handler = FeedHandler(context)
    app[FEEDS_KEY] = handler
    app.router.add_get(FEED_ROUTE, handler.handle)
    return app


def serve(
    context: ServiceContext,
    host: str,
    port: int,
    announce: Callable[[], None] = lambda: None,
    limits: ServerLimits = LIMITS,
) -> None:
    """Run the feed server until interrupted (blocking); `announce` once it listens.

    A failure to listen (port taken, unknown address, no permission) is one
    ServerStartError line, not a traceback. Every log line is scrubbed of feed tokens.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(ScrubbingFilter())
    try:
        web.run_app(
            create_app(context, limits),
            host=host,
            port=port,
            print=lambda _message: announce(),
            **runner_options(limits, logging.getLogger("equipshare.feeds.access")),
        )
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ServerStartError(f"cannot listen on {host}:{port}: {reason}") from None

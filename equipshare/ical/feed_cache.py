"""Feeds assembled by joining cached VEVENT bytes: only changed events are rendered again.

icalendar serialises about 1,800 events a second, so a 10,000-event feed rendered in full
costs seconds. Each event's bytes are cached under the `CalendarEvent` record itself: the
record is frozen, hashable and holds everything that is rendered, so the key covers the
booking's uid and sequence *and* its privacy-filtered text, status and times. Keying by
(booking id, sequence) alone would hand an instrument feed the VEVENT rendered for the
owner's own feed, name and all.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from equipshare.domain.records.scheduling.calendar import CalendarEvent, CalendarMeta
from equipshare.ical.export import render_calendar, render_event

_SECOND = timedelta(seconds=1)
RenderEvent = Callable[[CalendarEvent], bytes]
RenderCalendar = Callable[[CalendarMeta, Sequence[bytes]], bytes]


class EventCache:
    """A thread-safe LRU of rendered events; `capacity` 0 renders every time."""

    def __init__(self, capacity: int, renderer: RenderEvent = render_event) -> None:
        self._capacity = capacity
        self._render = renderer
        self._entries: OrderedDict[CalendarEvent, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def render_all(self, events: Sequence[CalendarEvent]) -> list[bytes]:
        """Each event's bytes, in order; misses are rendered outside the lock."""
        found: list[bytes | None] = []
        with self._lock:
            entries = self._entries
            for event in events:
                rendered = entries.get(event)
                if rendered is not None:
                    entries.move_to_end(event)
                found.append(rendered)
        missing = [i for i, rendered in enumerate(found) if rendered is None]
        fresh = {i: self._render(events[i]) for i in missing}
        with self._lock:
            self.hits += len(events) - len(missing)
            self.misses += len(missing)
            if self._capacity:
                for i, rendered in fresh.items():
                    self._entries[events[i]] = rendered
                while len(self._entries) > self._capacity:
                    self._entries.popitem(last=False)
        return [rendered if rendered is not None else fresh[i] for i, rendered in enumerate(found)]


@dataclass(frozen=True)
class AssembledFeed:
    """A feed's body and the validators HTTP caching needs."""

    body: bytes
    etag: str  # the entity tag's opaque value, unquoted: a digest of the body
    last_modified: datetime  # whole seconds, as HTTP dates carry
    event_count: int


class FeedAssembler:
    """Builds feed bodies from an EventCache and remembers, per feed, when each body began.

    Last-Modified is the newest event's change or the start of the feed's window day
    (`floor`), whichever is later: events leave a feed as time passes (the window moves,
    a cancellation's grace period ends) without any event changing. Within one process,
    a feed whose body changed without that instant moving is stamped with `now`, so a
    client asking If-Modified-Since never misses a change.
    """

    def __init__(
        self,
        capacity: int,
        *,
        event_renderer: RenderEvent = render_event,
        calendar_renderer: RenderCalendar = render_calendar,
        remembered_feeds: int = 4096,
    ) -> None:
        self.events = EventCache(capacity, event_renderer)
        self._render_calendar = calendar_renderer
        self._remembered = remembered_feeds
        self._feeds: OrderedDict[Hashable, tuple[str, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def assemble(
        self,
        feed: Hashable,
        meta: CalendarMeta,
        events: Sequence[CalendarEvent],
        *,
        floor: datetime,
        now: datetime,
    ) -> AssembledFeed:
        """The body of feed `feed` (any hashable name for it, such as its URL path)."""
        newest = max((e.last_modified for e in events), default=None)
        texts = self.events.render_all(events)
        return self.assemble_text(feed, meta, texts, newest=newest, floor=floor, now=now)

    def assemble_text(
        self,
        feed: Hashable,
        meta: CalendarMeta,
        events: Sequence[bytes],
        *,
        newest: datetime | None,
        floor: datetime,
        now: datetime,
    ) -> AssembledFeed:
        """`assemble` for events already rendered, `newest` the latest LAST-MODIFIED."""
        body = self._render_calendar(meta, events)
        etag = hashlib.sha256(body).hexdigest()[:32]
        last_modified = max(newest or floor, floor).replace(microsecond=0)
        with self._lock:
            previous = self._feeds.get(feed)
            if previous is not None:
                if previous[0] == etag:
                    last_modified = previous[1]
                elif last_modified <= previous[1]:
                    last_modified = max(now.replace(microsecond=0), previous[1] + _SECOND)
            self._feeds[feed] = (etag, last_modified)
            self._feeds.move_to_end(feed)
            while len(self._feeds) > self._remembered:
                self._feeds.popitem(last=False)
        return AssembledFeed(body, etag, last_modified, len(events))

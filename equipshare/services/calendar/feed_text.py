"""A feed's events as finished VEVENT text, straight from raw booking tuples.

A feed is rebuilt whenever a booking in it changes, and a busy institution's feed holds
some 14,000 bookings. Decoding each row, building its record and looking its text up by
that record cost several times the query. Here the booking's raw tuple (the driver's own
values), with the content of its place and booker and the view, is the key of its
finished text: equal keys give equal events, so a row seen before costs one dict lookup,
and only new or changed rows are decoded, built and rendered, by the code `export ics`
uses (the bytes are the same). Series go through their records (`series_events`), their
rendered text kept in an EventCache.

An instrument's, facility's or institution's feed goes further: each instrument's share
(a Block) is kept under the instrument's change counter, which every write to its
bookings bumps in the same transaction, and the window, view and "all" stamp; a rebuild
reads the counters (one indexed query) and the bookings of only the instruments whose
counter moved. A kept block was read at an earlier `now`, so a cancellation in it is
shown only while its grace lasts, exactly as the query would have filtered it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from equipshare.domain.records.scheduling.calendar import CalendarEvent
from equipshare.ical.export import render_event
from equipshare.ical.feed_cache import EventCache
from equipshare.services.calendar.event_reader import (
    INSTRUMENT_ID,
    SERIES_ID,
    USER_ID,
    EventRowReader,
    People,
    RawBooking,
)
from equipshare.services.calendar.event_rows import ENDED, EventView, build_event

EARLIEST = datetime.min.replace(tzinfo=UTC)
Order = tuple[datetime, str, datetime]


class FeedPart(NamedTuple):
    """One VEVENT of a feed: where it sorts, when it changed, and its text."""

    order: Order
    last_modified: datetime
    text: bytes
    ended_at: datetime | None  # a cancelled or rejected booking's change: it leaves after grace


def event_order(event: CalendarEvent) -> Order:
    """Masters before their overrides, everything by start: a stable order for stable bytes."""
    return (
        event.recurrence_id or event.starts_at,
        event.uid,
        event.recurrence_id or EARLIEST,
    )


def event_part(event: CalendarEvent, text: bytes) -> FeedPart:
    return FeedPart(event_order(event), event.last_modified, text, None)


class SingleParts(NamedTuple):
    """The parts of the bookings outside series, and what the rest of the feed needs."""

    parts: list[FeedPart]
    series_ids: set[int]
    zones: set[str]


class Block(NamedTuple):
    """One instrument's share of a feed, kept while its counter stands: its single
    bookings' parts and its series bookings (their series, and when each ended, if it did).
    Rows were read with an earlier `now`, so a cancellation's grace is tested again."""

    counter: int
    parts: list[FeedPart]
    series: list[tuple[int, datetime | None]]
    zone: str | None  # the place's zone, if any single booking shows it


class FeedTexts:
    """The finished text of events a feed server has served, kept across rebuilds.

    Two generations of at most capacity/2 rows each: a lookup that hits the older one
    moves the row forward, and when the newer one fills, the older is dropped whole. So
    what a rebuild uses survives, and memory stays bounded without per-row bookkeeping.
    """

    def __init__(self, capacity: int) -> None:
        self._half = capacity // 2
        self._current: dict[Hashable, FeedPart] = {}
        self._previous: dict[Hashable, FeedPart] = {}
        self._serials: dict[Hashable, int] = {}
        self._counter = itertools.count()
        self._lock = threading.Lock()
        self._people: tuple[int, People] | None = None
        self._blocks: dict[Hashable, Block] = {}
        self.series = EventCache(capacity)
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._current) + len(self._previous) + len(self.series)

    @property
    def rendered(self) -> int:
        """Events rendered so far, singles and series alike."""
        return self.misses + self.series.misses

    def singles(
        self, reader: EventRowReader, rows: Sequence[RawBooking], view: EventView
    ) -> SingleParts:
        """The parts of the `rows` outside series (read by `reader`), in the rows' order."""
        serial = self._serial
        seen = serial(("view", view))
        people = reader.people
        places, bookers = people.place_numbers, people.booker_numbers
        for key in {raw[INSTRUMENT_ID] for raw in rows} - places.keys():
            places[key] = serial(("place", people.places[key]))
        for key in {raw[USER_ID] for raw in rows} - bookers.keys():
            bookers[key] = serial(("booker", people.bookers[key]))
        current, previous = self._current, self._previous
        found: list[FeedPart | None] = []
        missing: list[tuple[int, Hashable, RawBooking]] = []
        series_ids: set[int] = set()
        instruments: set[int] = set()
        for raw in rows:
            if raw[SERIES_ID] is not None:
                series_ids.add(raw[SERIES_ID])
                continue
            instruments.add(raw[INSTRUMENT_ID])
            key = (raw, places[raw[INSTRUMENT_ID]], bookers[raw[USER_ID]], seen)
            part = current.get(key)
            if part is None:
                part = previous.get(key)
                if part is None:
                    missing.append((len(found), key, raw))
                elif self._half:
                    current[key] = part
            found.append(part)
        for index, _key, raw in missing:
            found[index] = _single_part(reader, raw, view)
        with self._lock:
            self.hits += len(found) - len(missing)
            self.misses += len(missing)
            if self._half:
                for index, kept, _raw in missing:
                    self._current[kept] = found[index]  # type: ignore[assignment]
                if len(self._current) > self._half:
                    self._previous, self._current = self._current, {}
        zones = {reader.places[instrument].timezone for instrument in instruments}
        return SingleParts(found, series_ids, zones)  # type: ignore[arg-type]

    def people(self, stamp: int) -> People:
        """The places and bookers read at the "all" stamp `stamp` (which moves with every
        write to names, places and rights), to be read once per stamp, not per rebuild."""
        with self._lock:
            kept = self._people
            if kept is None or kept[0] != stamp or len(kept[1].bookers) > self._half * 4:
                kept = self._people = (stamp, People())
            return kept[1]

    def blocks(
        self, stamps: dict[int, int], kept_as: Hashable
    ) -> tuple[dict[int, Block], list[int]]:
        """The kept blocks of the instruments in `stamps` whose counter they still match,
        and the instruments whose block is missing or older (to read again)."""
        blocks, found, stale = self._blocks, {}, []
        for key, counter in stamps.items():
            block = blocks.get((key, kept_as))
            if block is not None and block.counter == counter:
                found[key] = block
            else:
                stale.append(key)
        return found, stale

    def keep_blocks(
        self,
        reader: EventRowReader,
        rows: Sequence[RawBooking],
        view: EventView,
        stamps: dict[int, int],
        kept_as: Hashable,
        instruments: Sequence[int],
    ) -> dict[int, Block]:
        """Blocks for `instruments` from `rows` (all their bookings in the window, read
        after `stamps`); an instrument with none gets an empty block."""
        groups: dict[int, list[RawBooking]] = {key: [] for key in instruments}
        for raw in rows:
            group = groups.get(raw[INSTRUMENT_ID])
            if group is not None:
                group.append(raw)
        made: dict[int, Block] = {}
        for key, group in groups.items():
            series = [
                (raw[SERIES_ID], _ended(reader, raw)) for raw in group if raw[SERIES_ID] is not None
            ]
            parts = self.singles(reader, group, view).parts if len(series) < len(group) else []
            zone = reader.places[key].timezone if parts else None
            made[key] = Block(stamps[key], parts, series, zone)
        with self._lock:
            if len(self._blocks) + len(made) > max(self._half, 1):
                self._blocks.clear()  # crude but bounded: a rebuild reads what it needs again
            if self._half:
                self._blocks.update(((key, kept_as), block) for key, block in made.items())
        return made

    def series_parts(self, events: Sequence[CalendarEvent]) -> list[FeedPart]:
        """Series masters and overrides as parts, their text kept by record."""
        texts = self.series.render_all(events)
        return [event_part(event, text) for event, text in zip(events, texts, strict=True)]

    def _serial(self, content: Hashable) -> int:
        """A number for a place's, booker's or view's content, the same while it is unchanged:
        keys carry it instead of the content, which would be hashed again for every row."""
        number = self._serials.get(content)
        if number is None:
            with self._lock:
                if len(self._serials) > max(self._half, 1) * 4:
                    self._serials.clear()  # the rows keyed by old numbers just miss once
                number = self._serials.setdefault(content, next(self._counter))
        return number


def _ended(reader: EventRowReader, raw: RawBooking) -> datetime | None:
    booking = reader.booking_row(raw)
    return booking.updated_at if booking.status in ENDED else None


def _single_part(reader: EventRowReader, raw: RawBooking, view: EventView) -> FeedPart:
    row = reader.event_row(raw)
    booking = row.booking
    event = build_event(row, view, f"booking {booking.booking_id}")
    ended = booking.updated_at if booking.status in ENDED else None
    return FeedPart(event_order(event), event.last_modified, render_event(event), ended)

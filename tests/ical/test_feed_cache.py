"""The feed cache: only changed events are rendered again, and validators follow the body."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from equipshare.domain.enums import CalendarEventStatus
from equipshare.domain.records.scheduling.calendar import CalendarEvent, CalendarMeta
from equipshare.ical.export import render_calendar, render_event
from equipshare.ical.feed_cache import EventCache, FeedAssembler

T = datetime(2026, 3, 16, 9, tzinfo=UTC)
META = CalendarMeta("WAR-XPS-01", "Europe/London", timedelta(hours=1), ("Europe/London",))


def event(n: int, **changes: object) -> CalendarEvent:
    base = CalendarEvent(
        uid=f"booking-{n}@equipshare",
        sequence=0,
        summary="Booked (University of Warwick)",
        description="",
        location="Physics, room 101",
        url=None,
        categories=("XPS",),
        status=CalendarEventStatus.CONFIRMED,
        starts_at=T + timedelta(days=n),
        ends_at=T + timedelta(days=n, hours=2),
        timezone="Europe/London",
        last_modified=T - timedelta(days=1),
        organiser_name="Warwick Photoemission RTP",
        organiser_email=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_feed_is_the_same_bytes_as_rendering_every_event() -> None:
    events = [event(n) for n in range(5)]
    assembler = FeedAssembler(100)
    feed = assembler.assemble("f", META, events, floor=T, now=T)
    assert feed.body == render_calendar(META, [render_event(e) for e in events])
    assert feed.event_count == 5


def test_only_changed_events_are_rendered_again() -> None:
    rendered: list[str] = []

    def counting(e: CalendarEvent) -> bytes:
        rendered.append(e.uid)
        return render_event(e)

    assembler = FeedAssembler(100, event_renderer=counting)
    events = [event(n) for n in range(5)]
    assembler.assemble("f", META, events, floor=T, now=T)
    assert len(rendered) == 5
    assembler.assemble("f", META, [event(n) for n in range(5)], floor=T, now=T)  # equal records
    assert len(rendered) == 5
    events[2] = event(2, sequence=1, starts_at=T + timedelta(days=9))
    assembler.assemble("f", META, events, floor=T, now=T)
    assert rendered[5:] == ["booking-2@equipshare"]


def test_the_same_booking_seen_differently_is_cached_apart() -> None:
    """An owner's view and the privacy-filtered view share a uid and sequence, not bytes."""
    cache = EventCache(100)
    public = event(1)
    private = event(1, summary="WAR-XPS-01: Alice, thin films")
    assert cache.render_all([public]) != cache.render_all([private])
    assert b"Alice" not in cache.render_all([public])[0]


def test_the_cache_is_bounded_and_zero_turns_it_off() -> None:
    cache = EventCache(3)
    cache.render_all([event(n) for n in range(10)])
    assert len(cache) == 3
    off = EventCache(0)
    off.render_all([event(1)])
    off.render_all([event(1)])
    assert (len(off), off.misses, off.hits) == (0, 2, 0)


def test_last_modified_moves_whenever_the_body_does() -> None:
    assembler = FeedAssembler(100)
    events = [event(n) for n in range(3)]
    first = assembler.assemble("f", META, events, floor=T, now=T)
    assert first.last_modified == T  # the day's start is later than every event's change
    later = T + timedelta(hours=3)
    same = assembler.assemble("f", META, events, floor=T, now=later)
    assert (same.etag, same.last_modified) == (first.etag, first.last_modified)
    # An event leaves the feed (its cancellation's grace ended): no event is newer, but
    # the body changed, so Last-Modified must move too.
    gone = assembler.assemble("f", META, events[:2], floor=T, now=later)
    assert gone.etag != first.etag
    assert gone.last_modified == later
    changed = assembler.assemble(
        "f",
        META,
        [*events[:2], event(5, last_modified=later + timedelta(minutes=1))],
        floor=T,
        now=later,
    )
    assert changed.last_modified == later + timedelta(minutes=1)

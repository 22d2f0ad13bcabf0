"""Part 1 of bench_feeds (pure, no database): N privacy-filtered events like the export
makes, assembled by FeedAssembler cold, warm and rebuilt after one booking changed, against
icalendar's full `Calendar.to_ical()` of the same events as the floor.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bench.support.harness import Figure
from equipshare.domain.enums import CalendarEventStatus
from equipshare.domain.records.scheduling.calendar import CalendarEvent, CalendarMeta
from equipshare.ical.feed_cache import FeedAssembler

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BENCHMARK = "calendar feeds"
REBUILD_TARGET = 0.05  # a rebuild after one change, as a share of the full to_ical()
ZONE = "Europe/London"
META = CalendarMeta(
    "WAR-XPS-01 Kratos Axis Supra · Midlands Innovation",
    ZONE,
    timedelta(hours=1),
    (ZONE,),
    "equipshare bookings: WAR-XPS-01",
)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def synthetic_events(n: int) -> list[CalendarEvent]:
    """N bookings of two to four hours, spread over a year, one in 20 cancelled."""
    events = []
    for i in range(n):
        start = NOW - timedelta(days=30) + timedelta(hours=4 * i)
        events.append(
            CalendarEvent(
                uid=f"booking-{i}-{i * 7919 % 100003:05d}@equipshare.example.ac.uk",
                sequence=i % 3,
                summary="Booked (University of Warwick)",
                description=f"WAR-XPS-01 Kratos Axis Supra\nState: confirmed\nBooking {i}",
                location="Physical Sciences, room B0.12",
                url="https://warwick.ac.uk/fac/sci/physics/research/xps",
                categories=("Instrument booking", "XPS"),
                status=CalendarEventStatus.CANCELLED
                if i % 20 == 0
                else (CalendarEventStatus.CONFIRMED),
                starts_at=start,
                ends_at=start + timedelta(hours=2 + i % 3),
                timezone=ZONE,
                last_modified=NOW - timedelta(days=60) + timedelta(minutes=i),
                organiser_name="Warwick Photoemission RTP",
                organiser_email="xps@warwick.example.ac.uk",
            )
        )
    return events


def icalendar_calendar(events: Sequence[CalendarEvent]) -> icalendar.Calendar:
    """The same events as icalendar components: what an exporter without a cache serialises."""
    zone = ZoneInfo(ZONE)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//equipshare//bench//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for e in events:
        event = icalendar.Event()
        event.add("uid", e.uid)
        event.add("sequence", e.sequence)
        event.add("dtstamp", e.last_modified)
        event.add("last-modified", e.last_modified)
        event.add("dtstart", e.starts_at.astimezone(zone))
        event.add("dtend", e.ends_at.astimezone(zone))
        event.add("summary", e.summary)
        event.add("description", e.description)
        event.add("location", e.location)
        event.add("url", e.url)
        event.add("categories", list(e.categories))
        event.add("status", e.status.value)
        event.add("organizer", f"mailto:{e.organiser_email}", parameters={"CN": e.organiser_name})
        calendar.add_component(event)
    return calendar


def fresh(events: Sequence[CalendarEvent]) -> list[CalendarEvent]:
    """Equal records, new objects: each request builds its events anew from the database."""
    return [replace(e) for e in events]


@dataclass(frozen=True)
class Assembly:
    """One feed size's timings, in seconds: the floor and the three assemblies."""

    events: int
    size: int
    floor: float
    cold: float
    warm: float
    rebuilt: float


def measure_assembly(n: int, repeat: int) -> Assembly:
    """Best-of-`repeat` times of the floor, a cold, a warm and a one-change assembly of N events."""
    events = synthetic_events(n)
    calendar = icalendar_calendar(events)
    floor = best_of(max(1, repeat // 2), calendar.to_ical)

    def cold() -> None:
        FeedAssembler(2 * n).assemble("f", META, events, floor=NOW, now=NOW)

    assembler = FeedAssembler(2 * n)
    assembler.assemble("f", META, events, floor=NOW, now=NOW)
    copies = iter([fresh(events) for _ in range(repeat)])  # built outside the timing
    warm = best_of(repeat, lambda: assembler.assemble("f", META, next(copies), floor=NOW, now=NOW))
    middle = n // 2
    flips = iter(range(1, 10_000))

    def changed_copy() -> list[CalendarEvent]:
        changed = fresh(events)
        bump = next(flips)  # a new sequence every run, so the changed event always misses
        changed[middle] = replace(
            events[middle],
            sequence=events[middle].sequence + bump,
            starts_at=events[middle].starts_at + timedelta(hours=1),
        )
        return changed

    changes = iter([changed_copy() for _ in range(repeat)])

    def one_changed() -> None:
        assembler.assemble("f", META, next(changes), floor=NOW, now=NOW)

    rebuilt = best_of(repeat, one_changed)
    size = len(assembler.assemble("f", META, events, floor=NOW, now=NOW).body)
    return Assembly(n, size, floor, best_of(max(1, repeat // 2), cold), warm, rebuilt)


def bench_assembly(n: int, repeat: int) -> None:
    a = measure_assembly(n, repeat)
    print(f"\n{n:,} events ({a.size / 1024:,.0f} kB), best of {repeat}:")
    rows = [
        ("floor  icalendar Calendar.to_ical()", a.floor),
        ("cold   every event rendered", a.cold),
        ("warm   every event cached", a.warm),
        ("one booking changed, rebuilt", a.rebuilt),
    ]
    for label, seconds in rows:
        share = seconds / a.floor * 100
        print(f"  {label:<36} {seconds * 1000:9.1f} ms  ({share:5.1f}% of to_ical)")
    verdict = "met" if a.rebuilt < REBUILD_TARGET * a.floor else "MISSED"
    print(f"  target rebuild < 5% of to_ical(): {verdict} ({a.rebuilt / a.floor * 100:.1f}%)")


def assembly_figures(a: Assembly) -> list[Figure]:
    """The runner's figures for one feed size: each assembly against the full to_ical()."""
    floor_name = "icalendar full to_ical()"
    label = f"{a.events:,}-event feed"
    size = f"{a.size / 1024:,.0f} kB body"

    def figure(step: str, seconds: float, target: float | None = None) -> Figure:
        share = f"{seconds / a.floor * 100:.1f}% of to_ical()"
        return Figure(
            BENCHMARK, f"{label}: {step}", 1000 * seconds, "ms", floor_name, 1000 * a.floor,
            target=target, note=f"{share}; {size}",
        )  # fmt: skip

    return [
        figure("cold", a.cold),
        figure("warm", a.warm),
        figure("one booking changed", a.rebuilt, REBUILD_TARGET),
    ]

"""Render calendar events and whole calendars as RFC 5545 / RFC 7986 bytes, byte-stable.

Our own writer rather than icalendar's to_ical(): output depends only on the record, so an
unchanged booking gives identical bytes (feeds cache them), and it is many times faster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from equipshare.domain.records.scheduling.calendar import CalendarEvent, CalendarMeta
from equipshare.ical.vtimezone import vtimezone
from equipshare.ical.wire import (
    duration,
    escape_text,
    fold,
    local_stamp,
    param_value,
    utc_stamp,
)

PRODID = "-//equipshare//equipshare calendar export//EN"
CANCELLED_PREFIX = "Cancelled: "
_NOT_IN_URI = re.compile(r"[\s\x00-\x1f\x7f]")


def event_lines(event: CalendarEvent) -> list[str]:
    """The content lines of one VEVENT, unfolded, in a fixed order."""
    zone = ZoneInfo(event.timezone)
    tzid = param_value(event.timezone)
    summary = event.summary
    if event.cancelled and not summary.startswith(CANCELLED_PREFIX):
        # Outlook ignores STATUS:CANCELLED, so the title itself must say so.
        summary = CANCELLED_PREFIX + summary
    changed = utc_stamp(event.last_modified)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{changed}",
        f"LAST-MODIFIED:{changed}",
    ]
    if event.recurrence_id is not None:
        lines.append(f"RECURRENCE-ID;TZID={tzid}:{local_stamp(event.recurrence_id, zone)}")
    lines += [
        _when("DTSTART", event.starts_at, zone, tzid),
        _when("DTEND", event.ends_at, zone, tzid),
    ]
    if event.rrule:
        lines.append(f"RRULE:{event.rrule}")
    # One EXDATE per line: some parsers misread comma-separated lists.
    lines += [f"EXDATE;TZID={tzid}:{local_stamp(each, zone)}" for each in sorted(event.exdates)]
    lines.append(f"SUMMARY:{escape_text(summary)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{_uri(event.url)}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    if event.organiser_email:
        cn = param_value(event.organiser_name)
        lines.append(f"ORGANIZER;CN={cn}:mailto:{_uri(event.organiser_email)}")
    lines.append(f"STATUS:{event.status.value}")
    lines.append("TRANSP:TRANSPARENT" if event.cancelled else "TRANSP:OPAQUE")
    lines.append("END:VEVENT")
    return lines


def render_event(event: CalendarEvent) -> bytes:
    """One VEVENT block: folded at 75 octets, CRLF line ends, identical for equal records."""
    return b"".join(fold(line) for line in event_lines(event))


def render_events(events: Iterable[CalendarEvent]) -> list[bytes]:
    return [render_event(event) for event in events]


def calendar_head(meta: CalendarMeta) -> bytes:
    """VCALENDAR's own properties and the VTIMEZONEs its events use."""
    refresh = duration(meta.refresh_interval)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(meta.name)}",
        f"X-WR-CALNAME:{escape_text(meta.name)}",
    ]
    if meta.description:
        lines += [
            f"DESCRIPTION:{escape_text(meta.description)}",
            f"X-WR-CALDESC:{escape_text(meta.description)}",
        ]
    lines += [
        f"X-WR-TIMEZONE:{escape_text(meta.timezone)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    zones = sorted(set(meta.timezones) | {meta.timezone})
    return b"".join(fold(line) for line in lines) + b"".join(vtimezone(z) for z in zones)


def render_calendar(meta: CalendarMeta, events: Sequence[bytes]) -> bytes:
    """A whole VCALENDAR: METHOD:PUBLISH, name, refresh hints, VTIMEZONEs and the events."""
    return calendar_head(meta) + b"".join(events) + fold("END:VCALENDAR")


def _when(name: str, moment: datetime, zone: ZoneInfo, tzid: str) -> str:
    """A time in the facility's zone, or in UTC when its wall-clock time comes twice.

    In the hour the clocks go back, 01:30 happens twice and RFC 5545 reads a TZID time
    as the first; the second can only be written in UTC.
    """
    if moment.astimezone(zone).fold:
        return f"{name}:{utc_stamp(moment)}"
    return f"{name};TZID={tzid}:{local_stamp(moment, zone)}"


def _uri(value: str) -> str:
    """A URI value: no escaping applies, but line breaks and controls must not get through."""
    return _NOT_IN_URI.sub("", value)

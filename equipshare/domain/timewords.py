"""Times in words for people: a range in the facility's own zone, naming the zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def local_range(start: datetime, end: datetime, timezone: str) -> str:
    """'Tue 17 Mar 2026 10:00-12:00 GMT' in the facility's zone, naming the zone."""
    zone = ZoneInfo(timezone)
    a, b = start.astimezone(zone), end.astimezone(zone)
    day = f"{a:%a} {a.day} {a:%b %Y}"
    if (b - timedelta(microseconds=1)).date() == a.date():
        zones = a.tzname() if a.tzname() == b.tzname() else f"{a.tzname()}/{b.tzname()}"
        return f"{day} {a:%H:%M}-{b:%H:%M} {zones}"
    return f"{day} {a:%H:%M} {a.tzname()} - {b:%a} {b.day} {b:%b %Y} {b:%H:%M} {b.tzname()}"

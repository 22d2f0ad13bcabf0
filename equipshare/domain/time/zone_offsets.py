"""The UTC offsets a time zone keeps over a stretch of time, and local midnights.

SQLite knows no time zones, so SQL that needs a local day or hour (the reports, the
booking roll-ups) takes these offsets as constants; zoneinfo is the one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which `day` begins in `zone`."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class OffsetSpan:
    """From `starts_at` (UTC; None = since ever) the zone is `minutes` ahead of UTC."""

    starts_at: datetime | None
    minutes: int


def utc_offset_minutes(instant: datetime, zone: ZoneInfo) -> int:
    """How many minutes `zone` is ahead of UTC at `instant`."""
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds()) // 60


def offset_spans_between(
    timezone: str, starts_at: datetime, ends_at: datetime
) -> tuple[OffsetSpan, ...]:
    """The zone's UTC offsets in force from `starts_at` to `ends_at`, each from the instant
    it starts (the first from ever, the last for ever after).

    Compares the offsets at each day's bounds and bisects a day whose offset changed
    (zones change at most once a day, on a whole minute).
    """
    zone = ZoneInfo(timezone)
    spans = [OffsetSpan(None, utc_offset_minutes(starts_at, zone))]
    day_start = starts_at
    while day_start < ends_at:
        day_end = min(day_start + timedelta(days=1), ends_at)
        minutes = utc_offset_minutes(day_end, zone)
        if minutes != spans[-1].minutes:
            spans.append(OffsetSpan(_transition(day_start, day_end, zone), minutes))
        day_start = day_end
    return tuple(spans)


def _transition(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The first whole minute in (before, after] that has `after`'s offset."""
    target = utc_offset_minutes(after, zone)
    base = before.replace(second=0, microsecond=0)
    low, high = 0, int((after - base).total_seconds()) // 60 + 1
    while high - low > 1:
        middle = (low + high) // 2
        if utc_offset_minutes(base + timedelta(minutes=middle), zone) == target:
            high = middle
        else:
            low = middle
    return base + timedelta(minutes=high)

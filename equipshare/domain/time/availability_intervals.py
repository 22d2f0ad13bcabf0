"""Interval arithmetic, the slot grid and cached opening hours for the availability search.

Bounds are half-open; an inclusive bound (a slot may end exactly where a gap does)
becomes half-open by adding one microsecond, finer than any grid.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from threading import Lock
from zoneinfo import ZoneInfo

from equipshare.domain.records.instruments.catalogue import BookingPolicy, OpeningInterval
from equipshare.domain.rules import policy_rules
from equipshare.domain.rules.policy_rules import Interval

TICK = timedelta(microseconds=1)
FOREVER = datetime.max.replace(tzinfo=UTC) - timedelta(days=800)


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Where two sorted lists of disjoint half-open intervals overlap."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The parts of sorted, disjoint `a` outside the merged intervals `b`."""
    out: list[Interval] = []
    j = 0
    for lo, hi in a:
        while j < len(b) and b[j][1] <= lo:
            j += 1
        k, cursor = j, lo
        while k < len(b) and b[k][0] < hi:
            if b[k][0] > cursor:
                out.append((cursor, b[k][0]))
            cursor = max(cursor, b[k][1])
            k += 1
        if cursor < hi:
            out.append((cursor, hi))
    return out


@lru_cache(maxsize=8192)
def day_grid(tz: str, slot_minutes: int, day: date) -> tuple[datetime, ...]:
    """Every instant of local `day` whose wall-clock time lies on the slot grid, in order."""
    zone = ZoneInfo(tz)
    midnight = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    following = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    step = timedelta(minutes=slot_minutes)
    if following - midnight == timedelta(days=1):
        return tuple(midnight + k * step for k in range(1440 // slot_minutes))
    # A DST change: wall times may be skipped or repeated, so try both readings of each.
    found: set[datetime] = set()
    for k in range(1440 // slot_minutes):
        wall = datetime.combine(day, time()) + k * step
        for fold in (0, 1):
            instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
            if instant.astimezone(zone).date() == day and policy_rules.on_slot_grid(
                instant, tz, slot_minutes
            ):
                found.add(instant)
    return tuple(sorted(found))


def next_on_grid(instant: datetime, tz: str, slot_minutes: int) -> datetime:
    """The first grid instant at or after `instant` (local dates never run backwards here)."""
    day = instant.astimezone(ZoneInfo(tz)).date()
    while True:
        points = day_grid(tz, slot_minutes, day)
        i = bisect.bisect_left(points, instant)
        if i < len(points):
            return points[i]
        day += timedelta(days=1)


# Opening hours read the wall clock day by day, so whole local days are computed once
# and shared by every instrument (and every search) with the same hours in the same zone.
_OPENING_KEEP = 4096
_opening: dict[tuple[tuple[OpeningInterval, ...], str, date, date], list[Interval]] = {}
_opening_lock = Lock()


def opening(policy: BookingPolicy, tz: str, start: datetime, end: datetime) -> list[Interval]:
    """`policy_rules.open_intervals` over whole local days around [start, end]; do not mutate.

    Within [start, end] the answer is the same as asking for [start, end] exactly: openness
    is a function of the wall clock, and asking for more days only adds intervals outside.
    """
    if not policy.opening_hours:
        return policy_rules.open_intervals(policy, tz, start, end)
    zone = ZoneInfo(tz)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    key = (tuple(sorted(set(policy.opening_hours), key=_hours_order)), tz, first, last)
    found = _opening.get(key)
    if found is None:
        day_start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
        day_end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
        found = policy_rules.open_intervals(policy, tz, day_start, day_end)
        with _opening_lock:
            if len(_opening) >= _OPENING_KEEP:
                _opening.clear()
            _opening[key] = found
    return found


def _hours_order(interval: OpeningInterval) -> tuple[int, int, int]:
    return interval.weekday, interval.opens_minute, interval.closes_minute


def first_open_start(
    policy: BookingPolicy, tz: str, lo: datetime, hi: datetime, length: timedelta
) -> datetime | None:
    """No slot in [lo, hi) starts before this: the first grid instant from the first opening.

    Every slot starts on the grid while the instrument is open. None: no slot can start.
    """
    open_ranges = intersect(opening(policy, tz, lo, hi + length), [(lo, hi)])
    if not open_ranges:
        return None
    start = next_on_grid(open_ranges[0][0], tz, policy.slot_minutes)
    return start if start < hi else None

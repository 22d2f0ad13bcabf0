"""An instrument's own settings: policy values, opening hours, and what a change would break.

Pure, so the editing service, the command line and property tests agree. The policy
limits are those `[booking]` in equipshare.toml and the instruments table's CHECKs hold
(a slot divides a day, lengths within 1..14 days, notice not negative, a horizon of at
least a day, a quota above nothing), so an edit is refused with the field named before
the database would refuse it with a constraint's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from itertools import pairwise

from equipshare.domain.enums import LONGEST_BOOKING_MINUTES
from equipshare.domain.errors import InputError
from equipshare.domain.records.instruments.catalogue import (
    BookingPolicy,
    InstrumentRecord,
    OpeningInterval,
)
from equipshare.domain.rules import policy_rules

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def check_policy_values(policy: BookingPolicy) -> None:
    """Refuse a policy no booking could follow, naming the field (InputError, exit 2)."""
    slot = policy.slot_minutes
    if slot <= 0 or 1440 % slot:
        raise InputError(
            f"slot_minutes: {slot} does not divide a day (e.g. 15, 30, 60, 120)", "slot_minutes"
        )
    if policy.min_minutes <= 0:
        raise InputError(f"min_minutes: must be above 0, not {policy.min_minutes}", "min_minutes")
    if policy.max_minutes > LONGEST_BOOKING_MINUTES:
        raise InputError(
            f"max_minutes: at most {LONGEST_BOOKING_MINUTES} (14 days), the longest any "
            f"booking may last, not {policy.max_minutes}",
            "max_minutes",
        )
    if policy.min_minutes > policy.max_minutes:
        raise InputError(
            f"min_minutes: {policy.min_minutes} is longer than max_minutes {policy.max_minutes}",
            "min_minutes",
        )
    if policy.min_notice_minutes < 0:
        raise InputError(
            f"min_notice_minutes: must not be negative, not {policy.min_notice_minutes}",
            "min_notice_minutes",
        )
    if policy.max_days_ahead < 1:
        raise InputError(
            f"max_days_ahead: must be at least 1, not {policy.max_days_ahead}", "max_days_ahead"
        )
    quota = policy.weekly_quota_minutes
    if quota is not None and quota <= 0:
        raise InputError(
            f"weekly_quota_minutes: must be above 0 (or none), not {quota}",
            "weekly_quota_minutes",
        )


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _range_text(opens: int, closes: int) -> str:
    return f"{clock_text(opens)}-{clock_text(closes)}"


def parse_day(day: str, text: str) -> list[tuple[int, int]]:
    """`09:00-12:00,13:00-17:00` as (opens, closes) minutes; empty or `closed` is closed."""
    if day not in DAYS:
        raise InputError(f"{day}: not a day; use one of {', '.join(DAYS)}", "opening_hours")
    cleaned = text.strip().lower()
    if cleaned in ("", "closed"):
        return []
    ranges = []
    for piece in (p.strip() for p in cleaned.split(",")):
        match = _RANGE.match(piece.replace(" ", ""))
        if not match:
            raise InputError(f"{day}: {piece!r} is not HH:MM-HH:MM", day)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 * 60 + m2 > 1440:
            raise InputError(f"{day}: {piece!r} is not a time of day (00:00 to 24:00)", day)
        ranges.append((h1 * 60 + m1, h2 * 60 + m2))
    return ranges


def week_of(by_day: Mapping[str, str]) -> tuple[OpeningInterval, ...]:
    """Opening hours from day -> `HH:MM-HH:MM,...` text; days not given are closed.

    A week closed every day is refused: an instrument with no hours is open around the
    clock, so "closed" would silently mean "always open".
    """
    week = check_intervals(
        OpeningInterval(DAYS.index(day), opens, closes)
        for day, text in by_day.items()
        for opens, closes in parse_day(day, text)
    )
    if not week:
        raise InputError(
            "opening_hours: closed every day; an instrument with no hours is open around the "
            "clock (say so explicitly), and one that takes no bookings is out of service",
            "opening_hours",
        )
    return week


def check_intervals(intervals: Iterable[OpeningInterval]) -> tuple[OpeningInterval, ...]:
    """The intervals in order; an inverted range or two that overlap is refused, naming the day."""
    ordered = sorted(intervals, key=lambda i: (i.weekday, i.opens_minute, i.closes_minute))
    for interval in ordered:
        if not 0 <= interval.weekday <= 6:
            raise InputError(f"weekday {interval.weekday}: not 0 (Monday) to 6", "opening_hours")
        day = DAYS[interval.weekday]
        if not 0 <= interval.opens_minute < interval.closes_minute <= 1440:
            shown = _range_text(interval.opens_minute, interval.closes_minute)
            raise InputError(
                f"{day}: {shown} does not open before it closes; a range over midnight is "
                f"two, one to 24:00 and the next day's from 00:00",
                day,
            )
    for a, b in pairwise(ordered):
        if a.weekday == b.weekday and b.opens_minute < a.closes_minute:
            raise InputError(
                f"{DAYS[a.weekday]}: {_range_text(a.opens_minute, a.closes_minute)} and "
                f"{_range_text(b.opens_minute, b.closes_minute)} overlap",
                DAYS[a.weekday],
            )
    return tuple(ordered)


def hours_text(intervals: Iterable[OpeningInterval]) -> str:
    """'mon 09:00-12:00,13:00-17:00; tue 09:00-17:00', or 'always open' with no intervals."""
    by_day: dict[int, list[str]] = {}
    for i in sorted(intervals, key=lambda i: (i.weekday, i.opens_minute)):
        by_day.setdefault(i.weekday, []).append(_range_text(i.opens_minute, i.closes_minute))
    if not by_day:
        return "always open"
    return "; ".join(f"{DAYS[day]} {','.join(ranges)}" for day, ranges in by_day.items())


def _hours(minutes: int) -> str:
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def broken_rules(
    instrument: InstrumentRecord,
    start: datetime,
    end: datetime,
    project_code: str | None,
    now: datetime,
) -> dict[str, str]:
    """The rules an existing booking breaks under `instrument`'s policy, by rule name.

    The rules a booking is held to for as long as it exists: the slot grid, its length,
    the horizon (counted from now), the opening hours and a project code. Notice is left
    out: it was given when the booking was made.
    """
    policy, tz = instrument.policy, instrument.timezone
    broken: dict[str, str] = {}
    grid = policy.slot_minutes
    if not (
        policy_rules.on_slot_grid(start, tz, grid) and policy_rules.on_slot_grid(end, tz, grid)
    ):
        broken["slot"] = f"not on the {_hours(grid)} slot grid"
    minutes = int((end - start).total_seconds() // 60)
    if minutes < policy.min_minutes:
        broken["min_length"] = f"shorter than {_hours(policy.min_minutes)}"
    if minutes > policy.max_minutes:
        broken["max_length"] = f"longer than {_hours(policy.max_minutes)}"
    if start > now + timedelta(days=policy.max_days_ahead):
        broken["horizon"] = f"more than {policy_rules.days_words(policy.max_days_ahead)} ahead"
    if not policy_rules.within_opening_hours(policy, tz, start, end):
        overnight = "" if policy.allow_overnight else " (overnight use is not allowed)"
        broken["hours"] = f"outside the opening hours{overnight}"
    if policy.requires_project_code and not (project_code or "").strip():
        broken["project_code"] = "has no project code"
    return broken

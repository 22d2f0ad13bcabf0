"""Recurrence without the database: the ranges a daily or weekly rule makes, and its RRULE."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from equipshare.domain.errors import InputError
from equipshare.domain.records.scheduling.bookings import RecurrenceRule
from equipshare.domain.rules.policy_rules import as_utc

MAX_OCCURRENCES = 200
# RFC 5545 FREQ value and the step between occurrences, in local calendar days.
FREQUENCIES = {"daily": ("DAILY", 1), "weekly": ("WEEKLY", 7)}
Range = tuple[datetime, datetime]


def occurrences(start: datetime, end: datetime, rule: RecurrenceRule, tz: str) -> list[Range]:
    """The UTC ranges a rule generates from a first booking, stepping in the facility's zone.

    The start keeps its local wall-clock time, so 10:00 stays 10:00 across a DST change;
    the length is exact, as RFC 5545 does for an event with DTSTART and DTEND. A local
    time that does not exist that day is read with the offset before the gap, as RFC 5545 says.
    """
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end <= start:
        raise InputError("the booking must end after it starts", "end")
    if rule.freq not in FREQUENCIES:
        raise InputError(f"repeat must be daily or weekly, not {rule.freq!r}", "repeat")
    if (rule.count is None) == (rule.until is None):
        raise InputError("a series needs either a count or an until date, not both", "repeat")
    zone = ZoneInfo(tz)
    first = start.astimezone(zone)
    step = timedelta(days=FREQUENCIES[rule.freq][1])
    if rule.until is not None and rule.until < first.date():
        raise InputError(f"the until date {rule.until} is before the first booking", "until")
    until = rule.until or first.date()
    total = rule.count if rule.count is not None else (until - first.date()).days // step.days + 1
    if not 1 <= total <= MAX_OCCURRENCES:
        raise InputError(
            f"that makes {total} occurrences; a series has 1 to {MAX_OCCURRENCES}",
            "count" if rule.count is not None else "until",
        )
    starts = [
        datetime.combine(first.date() + n * step, first.time(), tzinfo=zone).astimezone(UTC)
        for n in range(total)
    ]
    return [(each, each + (end - start)) for each in starts]


def rrule_text(rule: RecurrenceRule, tz: str) -> str:
    """The RFC 5545 RRULE; UNTIL is the end of the until date in the facility's zone, in UTC."""
    freq = f"FREQ={FREQUENCIES[rule.freq][0]}"
    if rule.count is not None:
        return f"{freq};COUNT={rule.count}"
    assert rule.until is not None
    last = datetime.combine(rule.until, time(23, 59, 59), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    return f"{freq};UNTIL={last:%Y%m%dT%H%M%SZ}"

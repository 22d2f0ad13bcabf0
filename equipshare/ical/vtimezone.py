"""Static VTIMEZONE components built from zoneinfo: one yearly RRULE per kind of change.

icalendar's add_missing_timezones() lists every past transition as comma-separated RDATEs,
which common parsers misread, shifting winter bookings by an hour. A zone that changes by
a yearly rule (Europe/London: last Sunday of March and of October) is written as that rule,
as Outlook and Google write it. A zone with no changes in the horizon gets one STANDARD.
A zone whose changes follow no yearly rule gets one component per change, each with its
own DTSTART and no RDATE list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from equipshare.ical.wire import fold

FIRST_YEAR = 1970
LAST_YEAR = 2037  # the rule in force must hold from its first year through this one
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """One change of UTC offset: when, from what, to what, and whether DST starts."""

    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    is_dst: bool
    name: str

    @property
    def onset(self) -> datetime:
        """The local wall-clock time of the change, read with the offset before it."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def kind(self) -> tuple[bool, timedelta, timedelta, str]:
        return (self.is_dst, self.offset_from, self.offset_to, self.name)

    @property
    def by_day(self) -> tuple[int, int, int]:
        """(month, nth weekday from the start, nth weekday from the end, as -1 for the last)."""
        onset = self.onset
        nth = (onset.day - 1) // 7 + 1
        next_month = (onset.replace(day=28) + timedelta(days=4)).replace(day=1)
        from_end = -(((next_month - timedelta(days=1)).day - onset.day) // 7 + 1)
        return onset.month, nth, from_end


def transitions(zone: ZoneInfo, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> list[Transition]:
    """Every offset change from `first` through `last`, found by daily steps and bisection."""
    found: list[Transition] = []
    moment = datetime(first, 1, 1, tzinfo=UTC)
    end = datetime(last + 1, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    step = timedelta(days=1)
    while moment < end:
        following = moment + step
        new_offset = following.astimezone(zone).utcoffset()
        if new_offset != offset:
            low, high = int(moment.timestamp()), int(following.timestamp())
            while high - low > 1:  # whole seconds: zone changes fall on them
                middle = (low + high) // 2
                if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            changed = datetime.fromtimestamp(high, UTC)
            local = changed.astimezone(zone)
            assert offset is not None and new_offset is not None
            found.append(
                Transition(changed, offset, new_offset, bool(local.dst()), local.tzname() or "")
            )
            offset = new_offset
        moment = following
    return found


def _yearly_run(changes: list[Transition]) -> tuple[Transition, str] | None:
    """The first change of the yearly rule the newest changes follow, with that rule's RRULE.

    The rule must hold every year up to LAST_YEAR: same month, weekday and local time, and
    the same nth weekday counted from the month's start or from its end (-1 is the last);
    of the two forms, the one that reaches further back wins.
    """
    if not changes or changes[-1].at.year != LAST_YEAR:
        return None
    newest = changes[-1]
    month, weekday, wall = newest.onset.month, newest.onset.weekday(), newest.onset.time()
    best: tuple[int, Transition, str] | None = None
    for which in (2, 1):  # prefer "last Sunday" when both forms reach equally far
        nth = newest.by_day[which]
        first, years = newest, 1
        for change in reversed(changes[:-1]):
            if not (
                change.at.year == first.at.year - 1
                and change.onset.month == month
                and change.onset.weekday() == weekday
                and change.onset.time() == wall
                and change.by_day[which] == nth
            ):
                break
            first, years = change, years + 1
        if years >= 3 and (best is None or years > best[0]):
            best = (years, first, f"FREQ=YEARLY;BYMONTH={month};BYDAY={nth}{WEEKDAYS[weekday]}")
    return None if best is None else (best[1], best[2])


def _offset(value: timedelta) -> str:
    total = int(value.total_seconds())
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _component(change: Transition, rrule: str | None, daylight: bool | None = None) -> list[str]:
    tag = "DAYLIGHT" if (change.is_dst if daylight is None else daylight) else "STANDARD"
    lines = [
        f"BEGIN:{tag}",
        f"DTSTART:{change.onset:%Y%m%dT%H%M%S}",
        f"TZOFFSETFROM:{_offset(change.offset_from)}",
        f"TZOFFSETTO:{_offset(change.offset_to)}",
    ]
    if rrule:
        lines.append(f"RRULE:{rrule}")
    if change.name:
        lines.append(f"TZNAME:{change.name}")
    lines.append(f"END:{tag}")
    return lines


@lru_cache(maxsize=64)
def vtimezone(name: str) -> bytes:
    """The VTIMEZONE block for an IANA zone name, folded and CRLF-terminated."""
    zone = ZoneInfo(name)
    changes = transitions(zone)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    kinds: dict[tuple[bool, timedelta, timedelta, str], list[Transition]] = {}
    for change in changes:
        kinds.setdefault(change.kind, []).append(change)
    rules = [_yearly_run(group) for group in kinds.values()]
    yearly = [rule for rule in rules if rule is not None]
    if changes and len(yearly) == len([g for g in kinds.values() if g[-1].at.year == LAST_YEAR]):
        # Every kind of change still in force follows a yearly rule.
        if yearly:
            # Start every rule in one year, so no stretch has one kind of change but not the
            # other; Dublin's "negative DST" is written the usual way, summer as DAYLIGHT.
            year = max(first.at.year for first, _ in yearly)
            chosen = [
                (next(c for c in kinds[first.kind] if c.at.year >= year), rrule)
                for first, rrule in yearly
            ]
            summer = max(change.offset_to for change, _ in chosen)
            for change, rrule in sorted(chosen, key=lambda r: r[0].onset.month):
                daylight = len(chosen) > 1 and change.offset_to == summer
                lines += _component(change, rrule, daylight)
        else:
            lines += _component(changes[-1], None)
    elif changes:
        for change in changes:
            lines += _component(change, None)
    else:
        instant = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC).astimezone(zone)
        offset = instant.utcoffset() or timedelta(0)
        lines += _component(
            Transition(
                datetime(FIRST_YEAR, 1, 1, tzinfo=UTC) - offset,
                offset,
                offset,
                False,
                instant.tzname() or "",
            ),
            None,
        )
    lines.append("END:VTIMEZONE")
    return b"".join(fold(line) for line in lines)

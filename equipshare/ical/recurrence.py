"""RRULEs of an imported VEVENT: read strictly, then expanded lazily within a bounded walk.

dateutil expands a rule by walking its periods and checks UNTIL and COUNT only on an
instance the BYxxx parts let through. So INTERVAL=0 walks in place forever, a rule no
day satisfies (BYMONTH=2;BYMONTHDAY=30) walks to the year 9999 (8-14 s a rule), and
`between` lists every instance before looking at any cap. Here each part is checked
before dateutil sees it, instances are taken one at a time and counted as they come,
and the walk itself is stopped once it passes the import window: the cost of a rule is
bounded by the caps below, whatever the file says.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from dateutil.rrule import (  # type: ignore[import-untyped]  # icalendar's own dependency
    DAILY,
    FR,
    HOURLY,
    MO,
    MONTHLY,
    SA,
    SU,
    TH,
    TU,
    WE,
    WEEKLY,
    YEARLY,
    rrule,
)

from equipshare.domain.errors import InputError

#: More occurrences than this in the window is a runaway rule, not a booking pattern.
MAX_OCCURRENCES = 2000
#: Instances a rule may make before the window opens (a daily rule from 1990 makes 13,000).
MAX_EARLIER = 50_000
#: Periods a rule may walk before the window opens: 600 years for a yearly rule, 50 for
#: the rest. Walking up to the window costs time in proportion to a series' age.
MAX_STEPS_BACK = 600
#: A larger step than this never repeats inside an import window; dateutil would still
#: walk month by month to the year 9999 to find that out.
MAX_INTERVAL = 1000
#: The walking one file may cost, in dateutil loop steps (3-5 us each), for all its
#: rules together: 2,500 weekly series from last year fit; a hundred old rules no day
#: satisfies do not.
WALK_BUDGET = 500_000

_FREQUENCIES = {"YEARLY": YEARLY, "MONTHLY": MONTHLY, "WEEKLY": WEEKLY, "DAILY": DAILY}
_FREQUENCIES["HOURLY"] = HOURLY
_WEEKDAYS = {"MO": MO, "TU": TU, "WE": WE, "TH": TH, "FR": FR, "SA": SA, "SU": SU}
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
# RFC 5545 3.3.10: each BYxxx part's dateutil keyword and the range of its values.
_NUMBER_PARTS = {
    "BYSECOND": ("bysecond", 0, 60, False),
    "BYMINUTE": ("byminute", 0, 59, False),
    "BYHOUR": ("byhour", 0, 23, False),
    "BYMONTHDAY": ("bymonthday", 1, 31, True),
    "BYYEARDAY": ("byyearday", 1, 366, True),
    "BYWEEKNO": ("byweekno", 1, 53, True),
    "BYMONTH": ("bymonth", 1, 12, False),
    "BYSETPOS": ("bysetpos", 1, 366, True),
}
_KNOWN = {"FREQ", "UNTIL", "COUNT", "INTERVAL", "BYDAY", "WKST", *_NUMBER_PARTS}
# dateutil loop steps each mask rebuild stands for: a month of days for daily and hourly
# rules, a month of weeks, one month, one year's masks (measured, not derived).
_STEP_COST = {YEARLY: 30, MONTHLY: 3, WEEKLY: 5, DAILY: 31, HOURLY: 60}


class WalkBudget:
    """The expansion work left for one file, shared by all its rules."""

    def __init__(self, units: int = WALK_BUDGET) -> None:
        self.units = units
        self.left = units

    def spend(self, units: int, where: str) -> None:
        self.left -= units
        if self.left < 0:
            raise InputError(
                f"{where}: the file's repeating events take over {self.units:,} steps to "
                "expand; it stops here (import the file in parts)"
            )


class _WalkPassedHorizon(Exception):
    """dateutil's walk went past the import window: no instance it makes later is wanted."""


class _BoundedRule(rrule):  # type: ignore[misc]  # dateutil is untyped
    """dateutil's rrule whose walk is charged to a budget and stops past a horizon.

    dateutil rebuilds its calendar masks once for each period it walks (for a daily or
    hourly rule, once a month) and reads `_byeaster` each time; counting those reads
    is the one place a walk that yields nothing can be stopped. A test keeps this honest.
    """

    _steps_left: int = 1 << 62
    #: Set when the walk was stopped past the horizon rather than ended by dateutil.
    walked_off: bool = False
    _budget: WalkBudget | None = None
    _where: str = ""
    _easter: Any = None

    @property
    def _byeaster(self) -> Any:
        self._steps_left -= 1
        if self._steps_left < 0:
            raise _WalkPassedHorizon
        if self._budget is not None:
            self._budget.spend(_STEP_COST[self._freq], self._where)
        return self._easter

    @_byeaster.setter
    def _byeaster(self, value: Any) -> None:
        self._easter = value


@dataclass(frozen=True)
class ReadRule:
    """One RRULE made ready to walk; `where` names its line for every refusal."""

    rule: _BoundedRule
    text: str
    where: str


def rule_until(until: datetime | date, rule_start: datetime) -> datetime:
    """UNTIL made comparable with the rule's start (RFC 5545 3.3.10)."""
    if rule_start.tzinfo is None:  # all-day series: compare local dates
        if isinstance(until, datetime):
            return until.replace(tzinfo=None)
        return datetime.combine(until, time())
    if isinstance(until, datetime):
        return until if until.tzinfo is not None else until.replace(tzinfo=rule_start.tzinfo)
    return datetime.combine(until, time(23, 59, 59), tzinfo=rule_start.tzinfo)


def recurrence_rules(props: Any, rule_start: datetime, where: str) -> Iterator[ReadRule]:
    """Each RRULE property as a rule from `rule_start`; refused on one line naming `where`."""
    for prop in props if isinstance(props, list) else [props] if props is not None else []:
        yield _read(prop, rule_start, where)


def _read(prop: Any, rule_start: datetime, where: str) -> ReadRule:
    parts = {str(k).upper(): list(v) for k, v in prop.items()}
    text = prop.to_ical().decode(errors="replace")[:120]
    unknown = sorted(k for k in parts if k not in _KNOWN and not k.startswith("X-"))
    if unknown:
        raise InputError(f"{where}: bad RRULE: unknown part {unknown[0]}")
    frequency = str((parts.get("FREQ") or [""])[0]).upper()
    if frequency in ("SECONDLY", "MINUTELY"):
        raise InputError(f"{where}: RRULE FREQ={frequency} is not a booking pattern")
    if frequency not in _FREQUENCIES:
        raise InputError(f"{where}: bad RRULE: FREQ={frequency or '(missing)'} is not a frequency")
    kwargs: dict[str, Any] = {"freq": _FREQUENCIES[frequency], "dtstart": rule_start}
    interval = _whole(parts, "INTERVAL", where)
    if interval is not None:
        if not 1 <= interval <= MAX_INTERVAL:
            raise InputError(
                f"{where}: RRULE INTERVAL={interval} must be 1 to {MAX_INTERVAL}"
                + (" (0 never moves on, and a negative one runs backwards)" if interval < 1 else "")
            )
        kwargs["interval"] = interval
    count = _whole(parts, "COUNT", where)
    if count is not None:
        if count < 1:
            raise InputError(f"{where}: RRULE COUNT={count} must be 1 or more")
        kwargs["count"] = count
    for name, (keyword, low, high, signed) in _NUMBER_PARTS.items():
        if name in parts:
            kwargs[keyword] = _numbers(parts[name], name, low, high, signed, where)
    if "BYDAY" in parts:
        kwargs["byweekday"] = [_weekday(str(v), where) for v in parts["BYDAY"]]
    if "WKST" in parts:
        kwargs["wkst"] = _weekday(str(parts["WKST"][0]), where)
    per_period = 1
    for name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        per_period *= len(set(kwargs.get(_NUMBER_PARTS[name][0], ()))) or 1
    if per_period > MAX_OCCURRENCES:
        raise InputError(
            f"{where}: RRULE BYHOUR, BYMINUTE and BYSECOND make {per_period} times in each "
            f"period (at most {MAX_OCCURRENCES})"
        )
    if parts.get("UNTIL"):
        kwargs["until"] = rule_until(parts["UNTIL"][0], rule_start)
    try:
        rule = _BoundedRule(**kwargs)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"{where}: bad RRULE: {' '.join(str(exc).split())[:200]}") from None
    return ReadRule(rule, text, where)


def _whole(parts: dict[str, list[Any]], name: str, where: str) -> int | None:
    if name not in parts:
        return None
    try:
        return int(parts[name][0])
    except (TypeError, ValueError, IndexError):
        raise InputError(f"{where}: bad RRULE: {name} must be a whole number") from None


def _numbers(
    values: list[Any], name: str, low: int, high: int, signed: bool, where: str
) -> tuple[int, ...]:
    found: list[int] = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InputError(f"{where}: bad RRULE: {name}={value} is not a number") from None
        if not (low <= number <= high or (signed and -high <= number <= -low)):
            span = f"{low} to {high}" + (f" or -{high} to -{low}" if signed else "")
            raise InputError(f"{where}: bad RRULE: {name}={number} is outside {span}")
        found.append(number)
    return tuple(sorted(set(found)))


def _weekday(value: str, where: str) -> Any:
    match = _BYDAY.fullmatch(value.strip().upper())
    if match is None:
        raise InputError(f"{where}: bad RRULE: {value!r} is not a weekday")
    ordinal, name = match.groups()
    if ordinal is None:
        return _WEEKDAYS[name]
    if not 1 <= abs(int(ordinal)) <= 53:
        raise InputError(f"{where}: bad RRULE: {value!r}: the week number must be 1 to 53")
    return _WEEKDAYS[name](int(ordinal))


def rule_starts(
    read: ReadRule, low: datetime, high: datetime, budget: WalkBudget
) -> Iterator[datetime]:
    """The rule's instances from `low` to `high` (inclusive), soonest first, taken lazily.

    The caller stops taking when it has enough. Refuses a rule that makes more than
    MAX_EARLIER instances before `low` or walks more than MAX_STEPS_BACK periods to
    reach it, and a file whose rules together walk more than its budget: the cost of a
    rule is in proportion to those numbers and to the window, never more.
    """
    rule, start = read.rule, read.rule._dtstart
    back = _steps(rule, start, low)
    if back > MAX_STEPS_BACK:
        unit = "years" if rule._freq == YEARLY else "months"
        raise InputError(
            f"{read.where}: the series starts on {start:%Y-%m-%d}, {back} {unit} before the "
            f"import window (a {_FREQUENCY_NAMES[rule._freq]} rule may start at most "
            f"{MAX_STEPS_BACK} {unit} before it)"
        )
    rule._steps_left = _steps(rule, start, high) + 3
    rule._budget, rule._where = budget, read.where
    earlier = 0
    try:
        for at in rule:
            if at > high:
                return
            budget.spend(1, read.where)
            if at >= low:
                yield at
                continue
            earlier += 1
            if earlier > MAX_EARLIER:
                raise InputError(
                    f"{read.where}: RRULE {read.text} makes over {MAX_EARLIER:,} "
                    "occurrences before the import window"
                )
    except _WalkPassedHorizon:
        rule.walked_off = True


_FREQUENCY_NAMES = {value: name for name, value in _FREQUENCIES.items()}


def _steps(rule: _BoundedRule, start: datetime, until: datetime) -> int:
    """How many periods dateutil walks (see _BoundedRule) from `start` to `until`."""
    years = max(0, until.year - start.year)
    months = max(0, years * 12 + until.month - start.month)
    interval = int(rule._interval)
    if rule._freq == YEARLY:
        return years // interval
    if rule._freq == MONTHLY:
        return months // interval
    return months  # daily, weekly and hourly walks rebuild once a month


#: A custom VTIMEZONE's changes: Outlook writes two yearly rules. More than this many
#: observances, or instances of one before icalendar's last year, is not a zone.
MAX_ZONE_OBSERVANCES = 100
MAX_ZONE_CHANGES = 1000
_ZONE_LAST = datetime(2038, 1, 1)  # noqa: DTZ001  # local, as icalendar expands zones to it


def check_zone_rules(vtimezone: Any, where: str, budget: WalkBudget) -> None:
    """Refuse a VTIMEZONE whose rules icalendar's to_tz would expand without bound.

    to_tz lists every instance of each observance's RRULE up to 2038 at once: a daily
    or hourly one from 1601 makes millions, INTERVAL=0 never ends. Walking each rule
    here first, with the same checks and caps as an event's, bounds that.
    """
    observances = [c for c in vtimezone.subcomponents if c.name in ("STANDARD", "DAYLIGHT")]
    if len(observances) > MAX_ZONE_OBSERVANCES:
        raise InputError(
            f"{where}: {len(observances)} STANDARD and DAYLIGHT parts "
            f"(at most {MAX_ZONE_OBSERVANCES})"
        )
    for observance in observances:
        start = getattr(observance.get("DTSTART"), "dt", None)
        if not isinstance(start, datetime) or "RRULE" not in observance:
            continue
        start = start.replace(tzinfo=None)
        for read in recurrence_rules(observance["RRULE"], start, where):
            if read.rule._freq != YEARLY:
                raise InputError(f"{where}: RRULE {read.text}: a zone changes by a yearly rule")
            walk = rule_starts(read, start, max(_ZONE_LAST, start), budget)
            if sum(1 for _ in itertools.islice(walk, MAX_ZONE_CHANGES + 1)) > MAX_ZONE_CHANGES:
                raise InputError(
                    f"{where}: RRULE {read.text} changes the zone over "
                    f"{MAX_ZONE_CHANGES} times before 2038"
                )
            if read.rule.walked_off:  # icalendar would walk on to the year 9999
                raise InputError(f"{where}: RRULE {read.text} stops changing the zone")

"""Reading typed times, dates and lengths as wall-clock time in a facility's zone.

Pure (no click, no Textual), so the command line and the TUI read input the same way.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from equipshare.domain.errors import InputError


def wall_clock(local: datetime, field: str, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time in `zone` as an aware datetime.

    A wall-clock time the clocks skip (spring forward) or pass twice (fall back) is
    refused, since either guess could take the wrong hour.
    """
    aware = local.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise InputError(
            f"{field}: {local:%Y-%m-%d %H:%M} does not exist in {zone.key} "
            "(the clocks go forward then); pick another time",
            field,
        )
    if aware.utcoffset() != aware.replace(fold=1).utcoffset():
        raise InputError(
            f"{field}: {local:%Y-%m-%d %H:%M} happens twice in {zone.key} "
            "(the clocks go back then); add an offset such as +01:00 or +00:00",
            field,
        )
    return aware


def parse_instant(text: str, option: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 instant; one without an offset is wall-clock time in `zone`."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{option}: {text!r} is not an ISO date and time like 2026-03-03T10:00", option
        ) from None
    if parsed.tzinfo is not None and parsed.utcoffset() is not None:
        return parsed
    return wall_clock(parsed, option, zone)


def parse_day_or_instant(text: str, option: str, zone: ZoneInfo) -> date | datetime:
    """A date (2026-03-31), or a date and time (2026-03-31T14:00 or 2026-03-31 14:00,
    wall-clock time in `zone` unless it carries an offset), for options that take either."""
    with contextlib.suppress(ValueError):
        return date.fromisoformat(text.strip())
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{option}: {text!r} is not a date like 2026-03-31 or a date and time like "
            "2026-03-31 14:00",
            option,
        ) from None
    if parsed.tzinfo is not None and parsed.utcoffset() is not None:
        return parsed
    return wall_clock(parsed, option, zone)


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a date like 2026-03-31", option) from None


#: The date forms people type: ISO, British day/month/year as spreadsheets export them, a
#: day and a month's name, and the words for nearby days.
DAY_FORMS = "2026-12-16, 16/12/2026, 16 Dec, 16 Dec 2026, today, tomorrow or a weekday (fri)"
#: The forms that need no today to read (a file's cells: "tomorrow" would drift).
WHOLE_DAY_FORMS = "2026-12-16, 16/12/2026 or 16 Dec 2026"
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_BRITISH_DAY = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?(?:\s+(\d{4}))?")
_MONTH_DAY = re.compile(r"([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?")
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NEAR = {"today": 0, "tomorrow": 1, "yesterday": -1}
#: More characters than any form takes, spaces around it included.
_LONGEST_DAY = 40


def _named(word: str, names: list[str]) -> int | None:
    """The index of the name `word` spells or begins with three letters or more (dec, sept)."""
    found = [i for i, name in enumerate(names) if len(word) >= 3 and name.startswith(word)]
    return found[0] if len(found) == 1 else None


def _nearest(candidates: list[date], today: date, ahead: bool | None) -> date | None:
    """The candidate the words mean: the first on or after today (`ahead`), the last on or
    before it (not `ahead`), else the nearest, a tie going forward."""
    if ahead is True:
        later = [day for day in candidates if day >= today]
        return min(later) if later else None
    if ahead is False:
        earlier = [day for day in candidates if day <= today]
        return max(earlier) if earlier else None
    return min(candidates, key=lambda day: (abs((day - today).days), day < today), default=None)


def _in_year(
    year: str | None, month: int, day: int, today: date | None, ahead: bool | None
) -> date | None:
    if year is not None:
        return date(int(year), month, day)
    if today is None:
        return None
    candidates = []
    for near in range(today.year - 4, today.year + 5):  # 29 Feb may be years away
        try:
            candidates.append(date(near, month, day))
        except ValueError:
            continue  # 29 Feb outside a leap year
    return _nearest(candidates, today, ahead)


def _read_day(text: str, today: date | None, ahead: bool | None) -> date | None:
    if match := _ISO_DAY.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
        return date(year, month, day)
    if match := _BRITISH_DAY.fullmatch(text):
        day_, month_, year_ = match.groups()
        return _in_year(year_, int(month_), int(day_), today, ahead)
    for pattern, day_first in ((_DAY_MONTH, True), (_MONTH_DAY, False)):
        if match := pattern.fullmatch(text):
            first, second, year_ = match.groups()
            day_, word = (first, second) if day_first else (second, first)
            named = _named(word, _MONTHS)
            return None if named is None else _in_year(year_, named + 1, int(day_), today, ahead)
    if today is None:
        return None
    if text in _NEAR:
        return today + timedelta(days=_NEAR[text])
    weekday = _named(text, _WEEKDAYS)
    if weekday is not None:
        offsets = (-7, 0, 7) if ahead is None else (0,) if ahead else (-7,)
        start = today - timedelta(days=today.weekday()) + timedelta(days=weekday)
        return _nearest([start + timedelta(days=d) for d in offsets], today, ahead)
    return None


def parse_typed_day(
    text: str, field: str, today: date | None = None, *, ahead: bool | None = None
) -> date:
    """A date as people type it: 2026-12-16, 16/12/2026 (day first, as in the UK), 16 Dec
    2026 or Dec 16; and, given `today`, 16 Dec or 16/12 without a year, today, tomorrow,
    yesterday or a weekday's name. A day without a year (or a weekday) is the next one on
    or after today when `ahead`, the last one on or before it when `ahead` is False, else
    the nearest. The refusal names the forms, so the person knows what would be read."""
    found = None
    if len(text) <= _LONGEST_DAY:  # a cell of a file may be long: no date is
        with contextlib.suppress(ValueError):  # a day the month has not: refused below
            found = _read_day(" ".join(text.casefold().split()), today, ahead)
    if found is not None:
        return found
    forms = DAY_FORMS if today is not None else WHOLE_DAY_FORMS
    raise InputError(f"{field}: {text.strip()!r} is not a date; write it as {forms}", field)


def parse_month(text: str, option: str) -> date:
    """'2026-03' -> 1 March 2026; the first day stands for the month."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if match and 1 <= int(match.group(2)) <= 12:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise InputError(f"{option}: {text!r} is not a month like 2026-03", option)


_LENGTH = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?:in)?)?$", re.IGNORECASE)


def looks_like_length(text: str) -> bool:
    """True for '2h', '90m', '1h30m': text a field taking 'an end or a length' reads as a length."""
    match = _LENGTH.match(text.strip().replace(" ", ""))
    return match is not None and any(match.groups())


def parse_length(text: str, option: str = "--length") -> timedelta:
    """'2h', '90m' or '1h30m' as a duration; anything else is bad input naming `option`."""
    match = _LENGTH.match(text.strip().replace(" ", ""))
    if match is None or not any(match.groups()):
        raise InputError(f"{option}: {text!r} is not a length like 2h, 90m or 1h30m", option)
    hours, minutes = (int(group or 0) for group in match.groups())
    length = timedelta(hours=hours, minutes=minutes)
    if length <= timedelta(0):
        raise InputError(f"{option}: {text!r} must be longer than zero", option)
    return length


def parse_from(text: str, zone: ZoneInfo) -> datetime:
    """A date means local midnight in `zone`; a date and time without offset is read there too."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return parse_instant(text, "--from", zone)
    return datetime.combine(day, time(), tzinfo=zone)

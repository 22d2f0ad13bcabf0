"""Reading typed times, dates and lengths as wall-clock time in a facility's zone.

Pure (no click, no Textual), so the command line and the TUI read input the same way.
"""

from __future__ import annotations

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


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a date like 2026-03-31", option) from None


#: The date forms people type: ISO and British day/month/year, as spreadsheets export them.
DAY_FORMS = "2026-12-16 or 16/12/2026"
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_BRITISH_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_typed_day(text: str, field: str) -> date:
    """A date typed as 2026-12-16 or 16/12/2026 (day first, as in the UK); the refusal names
    both forms, so the person knows what would be read."""
    text = text.strip()
    try:
        if match := _ISO_DAY.fullmatch(text):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _BRITISH_DAY.fullmatch(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise InputError(f"{field}: {text!r} is not a date; write it as {DAY_FORMS}", field)


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

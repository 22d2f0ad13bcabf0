"""Reading times, dates and lengths typed on the command line, in the facility's zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from equipshare.errors import InputError


def parse_instant(text: str, option: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 instant; one without an offset is wall-clock time in `zone`.

    A wall-clock time the clocks skip (spring forward) or pass twice (fall back) is
    refused, since either guess could book the wrong hour.
    """
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{option}: {text!r} is not an ISO date and time like 2026-03-03T10:00", option
        ) from None
    if parsed.tzinfo is not None and parsed.utcoffset() is not None:
        return parsed
    local = parsed.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != parsed:
        raise InputError(
            f"{option}: {parsed:%Y-%m-%d %H:%M} does not exist in {zone.key} "
            "(the clocks go forward then); pick another time",
            option,
        )
    if local.utcoffset() != local.replace(fold=1).utcoffset():
        raise InputError(
            f"{option}: {parsed:%Y-%m-%d %H:%M} happens twice in {zone.key} "
            "(the clocks go back then); add an offset such as +01:00 or +00:00",
            option,
        )
    return local


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a date like 2026-03-31", option) from None


_LENGTH = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?:in)?)?$", re.IGNORECASE)


def parse_length(text: str) -> timedelta:
    """'2h', '90m' or '1h30m' as a duration; anything else is bad input naming --length."""
    match = _LENGTH.match(text.strip().replace(" ", ""))
    if match is None or not any(match.groups()):
        raise InputError(f"--length: {text!r} is not a length like 2h, 90m or 1h30m", "--length")
    hours, minutes = (int(group or 0) for group in match.groups())
    length = timedelta(hours=hours, minutes=minutes)
    if length <= timedelta(0):
        raise InputError(f"--length: {text!r} must be longer than zero", "--length")
    return length


def parse_from(text: str, zone: ZoneInfo) -> datetime:
    """A date means local midnight in `zone`; a date and time without offset is read there too."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return parse_instant(text, "--from", zone)
    return datetime.combine(day, time(), tzinfo=zone)

"""RFC 5545 wire format: text escaping, parameter quoting and folding content lines at 75 octets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

CRLF = b"\r\n"
LINE_OCTETS = 75
# C0 controls other than HTAB, and DEL: RFC 5545 forbids them in values (CONTROL in 3.1).
# Line breaks are handled before this, so a lone CR or LF is dropped as well.
_CONTROLS: dict[int, str | None] = {c: None for c in [*range(0x20), 0x7F] if c != 0x09}
_TEXT = str.maketrans({**_CONTROLS, 0x5C: "\\\\", 0x3B: "\\;", 0x2C: "\\,", 0x0A: "\\n"})
_STRIP = str.maketrans(_CONTROLS)


def strip_controls(value: str) -> str:
    """The value without control characters (tab survives), as a value may not carry them."""
    return value.translate(_STRIP)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, newlines as \\n."""
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_TEXT)


def param_value(value: str) -> str:
    """A parameter value, quoted when it holds ':', ';' or ','; DQUOTE cannot appear, so it goes."""
    cleaned = strip_controls(value.replace("\r", " ").replace("\n", " ")).replace('"', "'")
    return f'"{cleaned}"' if any(c in cleaned for c in ":;,") else cleaned


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded at 75 octets, with its CRLF.

    A fold never splits a UTF-8 sequence or a backslash escape, so a client that unfolds
    by removing CRLF and the following space gets the exact line back.
    """
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return data + CRLF
    parts: list[bytes] = []
    start, limit = 0, LINE_OCTETS
    while len(data) - start > limit:
        cut = start + limit
        while cut > start and (data[cut] & 0xC0) == 0x80:  # inside a UTF-8 sequence
            cut -= 1
        if _splits_escape(data, start, cut):
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, LINE_OCTETS - 1  # continuation lines start with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts) + CRLF


def _splits_escape(data: bytes, start: int, cut: int) -> bool:
    """Whether cutting before data[cut] leaves an escape's backslash alone at the line's end."""
    backslashes, i = 0, cut - 1
    while i >= start and data[i] == 0x5C:
        backslashes += 1
        i -= 1
    return backslashes % 2 == 1


def utc_stamp(moment: datetime) -> str:
    """A UTC DATE-TIME, e.g. 20260316T090000Z; naive datetimes are refused, never guessed."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place in iCalendar output")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(moment: datetime, zone: tzinfo) -> str:
    """The wall-clock DATE-TIME of an instant in a zone, written with TZID beside it."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place in iCalendar output")
    return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def duration(value: timedelta) -> str:
    """An RFC 5545 DURATION such as PT1H or P1DT30M; icalendar's str(timedelta) is not one."""
    total = int(value.total_seconds())
    if total < 0:
        return "-" + duration(-value)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days and not rest:
        return f"P{days // 7}W" if days % 7 == 0 else f"P{days}D"
    text = "P" + (f"{days}D" if days else "") + "T"
    text += (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    text += f"{seconds}S" if seconds or text.endswith("T") else ""
    return text

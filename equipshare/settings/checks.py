"""The checks a value passes before it becomes a setting: ranges, plain text, URLs, zones, hours.

Each check raises ValueError with one line that names the key and says what would do; the
parser adds the file's name. A value is shown short and escaped, so a hostile file cannot
put a line break, a terminal escape or a megabyte into the message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from equipshare.settings.sections import SMTP_SECURITY, WEEKDAYS, Settings, parse_interval

# A whole number declared without bounds still fits a database integer.
FALLBACK_BOUNDS = (0, 2**31 - 1)
MOST_ENTRIES = 500  # items in one list or table: [keymap], a day's opening hours
MOST_SHOWN = 40  # characters of a refused value shown in its message
FEED_SCHEMES = ("http", "https", "webcal")
DATABASE_SCHEMES = ("sqlite", "postgresql")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.+-]{1,64}")
_ZONE = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*")
_HOST = re.compile(r"[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]")
_URL_HOST = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+")  # urlsplit unwraps [IPv6]
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_THEME = re.compile(r"[A-Za-z0-9_-]+")
_DATABASE_SCHEME = re.compile(r"([A-Za-z0-9]+)(\+[A-Za-z0-9_]+)?://")


def shown(value: Any) -> str:
    """A refused value as a message may show it: short, one line, tables and lists by kind."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    text = text if len(text) <= MOST_SHOWN else text[: MOST_SHOWN - 3] + "..."
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def key_text(key: str) -> str:
    """A key from the file as a message names it: plain keys as they are, others quoted."""
    return key if _PLAIN_KEY.fullmatch(key) else shown(key)


def check_whole(value: int, bounds: tuple[int, int] | None, where: str) -> int:
    lowest, highest = bounds or FALLBACK_BOUNDS
    if not lowest <= value <= highest:
        raise ValueError(f"{where}: must be between {lowest} and {highest}, not {shown(value)}")
    return value


def check_text(value: str, longest: int, where: str) -> str:
    if len(value) > longest:
        raise ValueError(f"{where}: must be at most {longest} characters, not {len(value)}")
    if _CONTROL.search(value):
        raise ValueError(f"{where}: must be one line of text, with no control characters")
    if not value.isprintable():
        # An unassigned code point or a separator other than a space (U+2028, a no-break
        # space) draws as nothing or breaks a line in a terminal, a header or a CSV.
        raise ValueError(f"{where}: holds a character that cannot be shown; type it plainly")
    return value


def check_entries(items: Sequence[Any] | Mapping[str, Any], where: str) -> None:
    if len(items) > MOST_ENTRIES:
        raise ValueError(f"{where}: at most {MOST_ENTRIES} entries, not {len(items)}")


def check_zone(zone: str, where: str) -> None:
    """An IANA zone that exists here: a name, never a path, and one the system can load."""
    try:
        if len(zone) > 64 or not _ZONE.fullmatch(zone):
            raise ValueError
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"{where}: unknown time zone {shown(zone)} (an IANA name such as Europe/London)"
        ) from None


def check_feed_url(url: str, where: str) -> None:
    """An absolute http, https or webcal URL with a host, and nothing a path cannot follow."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced [IPv6 bracket
        raise ValueError(f"{where}: {shown(url)} is not a URL") from None
    if parts.scheme.lower() not in FEED_SCHEMES:
        raise ValueError(f"{where}: must be an http, https or webcal URL, not {shown(url)}")
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if not parts.hostname or not port_ok or not _URL_HOST.fullmatch(parts.hostname):
        raise ValueError(f"{where}: {shown(url)} has no valid host (http://HOST[:PORT][/PATH])")
    if parts.username or parts.password:
        raise ValueError(f"{where}: must not hold a user name or password")
    if parts.query or parts.fragment or " " in url:
        raise ValueError(f"{where}: must not hold a query (?), fragment (#) or space")


def check_database_url(url: str, where: str) -> None:
    """The scheme only: the rest may hold a password, so it is never shown."""
    if not url:
        return
    match = _DATABASE_SCHEME.match(url)
    if match is None or match.group(1).lower() not in DATABASE_SCHEMES:
        raise ValueError(
            f"{where}: must start sqlite:/// or postgresql+psycopg:// (the rest is not shown)"
        )


def check_opening_hours(hours: Mapping[str, Sequence[str]]) -> None:
    """Known weekdays; each interval opens before it closes, within the day; none overlap."""
    for day, intervals in hours.items():
        where = f"[booking.opening_hours] {key_text(day)}"
        if day not in WEEKDAYS:
            raise ValueError(f"{where}: not one of {', '.join(WEEKDAYS)}")
        spans = []
        for interval in intervals:
            try:
                spans.append((*parse_interval(interval), interval))
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
        spans.sort()
        for (_, closes, earlier), (opens, _, later) in pairwise(spans):
            if opens < closes:
                raise ValueError(f"{where}: {earlier!r} and {later!r} overlap")


def check_keymap(keymap: Mapping[str, str]) -> None:
    for binding in keymap:
        if not _PLAIN_KEY.fullmatch(binding):
            raise ValueError(f"[keymap] {key_text(binding)}: not a binding id (such as app.quit)")


def _check_smtp(settings: Settings) -> None:
    smtp = settings.smtp
    if smtp.security not in SMTP_SECURITY:
        raise ValueError(f"[smtp] security: must be one of {', '.join(SMTP_SECURITY)}")
    if smtp.host and not _HOST.fullmatch(smtp.host):
        raise ValueError(f"[smtp] host: {shown(smtp.host)} is not a host name or address")
    if smtp.from_address and not _ADDRESS.fullmatch(smtp.from_address):
        raise ValueError(f"[smtp] from_address: {shown(smtp.from_address)} is not an address")
    if smtp.password_env and not _ENV_NAME.fullmatch(smtp.password_env):
        raise ValueError(
            f"[smtp] password_env: {shown(smtp.password_env)} is not an environment variable "
            "name (it names the variable; the password never goes in this file)"
        )


def _check_booking(settings: Settings) -> None:
    booking = settings.booking
    if 1440 % booking.slot_minutes:
        raise ValueError("[booking] slot_minutes: must divide a day (e.g. 15, 30, 60, 120)")
    if booking.min_minutes > booking.max_minutes:
        raise ValueError(
            f"[booking] min_minutes: must be at most max_minutes ({booking.max_minutes}), "
            f"not {booking.min_minutes}"
        )
    check_opening_hours(booking.opening_hours)


def validate(settings: Settings) -> None:
    """Rules a single value's type and range cannot say: formats, zones and cross-field rules."""
    check_database_url(settings.database.url, "[database] url")
    if settings.database.read_url:
        check_database_url(settings.database.read_url, "[database] read_url")
        if not settings.database.read_url.lower().startswith("postgres"):
            raise ValueError(
                "[database] read_url: must start postgresql+psycopg:// (a streaming replica; "
                "the rest is not shown)"
            )
    check_zone(settings.organisation.timezone, "[organisation] timezone")
    check_feed_url(settings.feeds.base_url, "[feeds] base_url")
    if not _THEME.fullmatch(settings.tui.theme):
        raise ValueError(f"[tui] theme: {shown(settings.tui.theme)} is not a theme name")
    _check_booking(settings)
    _check_smtp(settings)
    if settings.retention.cancelled_days < settings.calendar.cancelled_grace_days:
        raise ValueError(
            "[retention] cancelled_days: must be at least [calendar] cancelled_grace_days "
            f"({settings.calendar.cancelled_grace_days})"
        )
    if settings.retention.financial_days < settings.retention.cancelled_days:
        raise ValueError("[retention] financial_days: must be at least cancelled_days")
    check_keymap(settings.keymap)

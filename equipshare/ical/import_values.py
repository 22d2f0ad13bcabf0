"""Values of an imported VEVENT: zones, instants, recurrence keys, text and emails."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Component

from equipshare.domain.errors import InputError
from equipshare.ical.plain_text import plain_text
from equipshare.ical.recurrence import WalkBudget, check_zone_rules
from equipshare.ical.windows_zones import iana_for_windows


def one_line(exc: BaseException) -> str:
    """An exception's message on one short line, for a one-line refusal."""
    return " ".join(str(exc).split())[:200]


def at_line(source: str, line: int | None) -> str:
    """ "file.ics, line 12" (or just the file when the line is unknown)."""
    return f"{source}, line {line}" if line else source


class Zones:
    """Resolves one calendar's TZIDs: IANA name, Windows name (CLDR), else the file's VTIMEZONE.

    The tz database has each zone's history, where Outlook's VTIMEZONEs carry only
    today's rule; a name neither knows ("Customized Time Zone") uses the file's own.
    """

    def __init__(
        self, calendar: Component, facility: ZoneInfo, source: str, budget: WalkBudget
    ) -> None:
        self._source = source
        self._budget = budget
        self._own: dict[str, Any] = {
            str(tz.get("TZID", "")).strip(): tz for tz in calendar.walk("VTIMEZONE")
        }
        self._cache: dict[str, tzinfo] = {}
        self.floating: tzinfo = facility
        named = str(calendar.get("X-WR-TIMEZONE", "")).strip()
        if named:
            self.floating = self._known(named) or facility

    @staticmethod
    def _known(name: str) -> tzinfo | None:
        cleaned = name.strip().strip('"')
        candidates = [cleaned, iana_for_windows(cleaned) or ""]
        if cleaned.startswith("/"):  # "/freeassociation.sourceforge.net/Europe/London"
            parts = cleaned.strip("/").split("/")
            candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
        for candidate in candidates:
            if not candidate or candidate.startswith("/") or ".." in candidate:
                continue
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                continue
        return None

    def resolve(self, tzid: str, line: int | None) -> tzinfo:
        if tzid not in self._cache:
            zone = self._known(tzid)
            if zone is None and tzid.strip() in self._own:
                own = self._own[tzid.strip()]
                where = f"{at_line(self._source, line)}: its VTIMEZONE {tzid!r}"
                check_zone_rules(own, where, self._budget)
                try:
                    zone = own.to_tz(lookup_tzid=False)
                except Exception as exc:
                    raise InputError(
                        f"{at_line(self._source, line)}: its VTIMEZONE {tzid!r} is unusable: "
                        f"{one_line(exc)}"
                    ) from None
            if zone is None:
                raise InputError(
                    f"{at_line(self._source, line)}: unknown time zone {tzid!r} "
                    "and the file has no VTIMEZONE for it"
                )
            self._cache[tzid] = zone
        return self._cache[tzid]


#: Years an imported time may fall in: the Gregorian calendar's, with room to convert
#: zones and add lengths without leaving what Python's datetime can hold.
YEARS = range(1583, 9001)
#: The longest event: a decade of downtime is a plan; longer is a typing slip.
MAX_LENGTH = timedelta(days=3660)


def instant(
    value: Any, tzid: str | None, zones: Zones, source: str, line: int | None
) -> datetime | date:
    """A DTSTART-like value in its zone: TZID's, else UTC's, else the floating zone."""
    if isinstance(value, date) and value.year not in YEARS:
        raise InputError(
            f"{at_line(source, line)}: the year {value.year} is outside "
            f"{YEARS.start} to {YEARS.stop - 1}"
        )
    if isinstance(value, datetime):
        if tzid:
            return value.replace(tzinfo=zones.resolve(str(tzid), line))
        return value if value.tzinfo is not None else value.replace(tzinfo=zones.floating)
    if isinstance(value, date):
        return value
    raise InputError(f"{at_line(source, line)}: expected a date or date-time")


def utc_of(value: datetime | date, facility: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value, time(), tzinfo=facility).astimezone(UTC)


def as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def recurrence_token(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def email_of(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    params = getattr(value, "params", {})
    if "@" not in text and "@" in str(params.get("EMAIL", "")):
        text = str(params["EMAIL"])
    text = text.strip().lower()
    return text if "@" in text and " " not in text else None


def emails_of(value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [] if value is None else [value]
    found = [email_of(v) for v in values]
    return tuple(dict.fromkeys(e for e in found if e))


def property_of(component: Component, name: str, default: Any = None) -> Any:
    """A property, untyped: icalendar's union of value types helps no caller here."""
    return component.get(name, default)


def quoted_value(message: str) -> str | None:
    """The value an icalendar error message quotes ("Got: 'X'"), to find its line."""
    if "'" not in message:
        return None
    start = message.find("'")
    end = message.find("'", start + 1)
    return message[start + 1 : end] if end > start else None


def sequence_of(component: Component) -> int:
    try:
        return max(0, int(property_of(component, "SEQUENCE", 0)))
    except (TypeError, ValueError):
        return 0


def text_of(component: Component, name: str, limit: int, *, single_line: bool = False) -> str:
    value = property_of(component, name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return plain_text(str(value), limit=limit, single_line=single_line)

"""Parse an exported calendar (Outlook, Google, Thunderbird...) into frozen ImportedEvent records.

Pure: bytes and an injected "now" in, records out. Series are expanded within a window
(30 days back to 365 ahead by default) with their EXDATEs and RECURRENCE-ID overrides;
every time is resolved to UTC. Anything that would make the import wrong rather than
merely incomplete (a bad date, a bad RRULE, DTEND before DTSTART, an unknown zone)
refuses the whole file with one InputError naming the line, so nothing is half-imported.

Time zones: an IANA TZID is read from the tz database, a Windows name ("GMT Standard
Time") through CLDR's mapping, and only a name neither knows ("Customized Time Zone")
from the file's own VTIMEZONE. The tz database has the full history, where Outlook's
VTIMEZONEs carry only today's rule. Floating times use X-WR-TIMEZONE, else the
facility's zone. All-day events take the whole local day(s) in the facility's zone:
that blocks exactly what the calendar's owner blocked, whatever the opening hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component

from equipshare.domain.errors import InputError
from equipshare.ical.import_records import ImportedEvent, ParsedCalendar, SkippedSource
from equipshare.ical.import_series import SUMMARY_LIMIT, Expansion, SourceEvent
from equipshare.ical.import_source import MAX_IMPORT_BYTES, EventLines, decode, scan
from equipshare.ical.import_values import (
    MAX_LENGTH,
    Zones,
    as_date,
    at_line,
    instant,
    one_line,
    property_of,
    quoted_value,
    recurrence_token,
    sequence_of,
    utc_of,
)
from equipshare.ical.plain_text import plain_text
from equipshare.ical.recurrence import MAX_OCCURRENCES, WalkBudget

__all__ = [
    "MAX_OCCURRENCES",
    "ImportedEvent",
    "ParsedCalendar",
    "SkippedSource",
    "parse_calendar",
]

WINDOW_BACK = timedelta(days=30)
WINDOW_AHEAD = timedelta(days=365)
# Broken values of these properties would put a booking at the wrong time: refuse.
_TIME_PROPERTIES = frozenset(
    {"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "UID"}
)


def parse_calendar(
    data: bytes,
    *,
    now: datetime,
    default_timezone: str,
    source: str = "calendar",
    window_back: timedelta = WINDOW_BACK,
    window_ahead: timedelta = WINDOW_AHEAD,
    limit: int = MAX_IMPORT_BYTES,
) -> ParsedCalendar:
    """Read `data` (an .ics file's bytes); raise InputError, naming the line, on bad input."""
    text = decode(data, source, limit)
    located = scan(text, source)
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # icalendar raises bare ValueErrors and worse on garbage
        raise InputError(f"{source}: not a calendar icalendar can read: {one_line(exc)}") from None
    window = (now - window_back, now + window_ahead)
    reader = _Reader(source, window, ZoneInfo(default_timezone))
    components = [(cal, c) for cal in calendars for c in cal.walk("VEVENT")]
    lines: Sequence[EventLines | None] = (
        located if len(located) == len(components) else [None] * len(components)
    )
    for (cal, component), where in zip(components, lines, strict=True):
        reader.add(cal, component, where)
    return reader.finish()


class _Reader:
    """Collects masters and overrides per UID, then expands them in `finish`."""

    def __init__(self, source: str, window: tuple[datetime, datetime], facility: ZoneInfo) -> None:
        self._source = source
        self._window = window
        self._facility = facility
        self._masters: dict[str, SourceEvent] = {}
        self._overrides: dict[str, dict[str, SourceEvent]] = {}
        self._skipped: list[SkippedSource] = []
        self._zones: dict[int, Zones] = {}
        self._budget = WalkBudget()  # zones' and events' rules share one file's budget

    # -- reading one VEVENT -----------------------------------------------------------

    def add(self, calendar: Component, component: Component, lines: EventLines | None) -> None:
        zones = self._zones.get(id(calendar))
        if zones is None:
            zones = self._zones[id(calendar)] = Zones(
                calendar, self._facility, self._source, self._budget
            )
        self._refuse_broken(component, lines)
        uid = str(property_of(component, "UID", "")).strip()
        begin = lines.begin if lines else None
        if not uid:
            self._skip("", component, begin, "no UID, so a re-import could not find it again")
            return
        transparent = str(property_of(component, "TRANSP", "")).strip().upper() == "TRANSPARENT"
        if transparent and str(property_of(component, "STATUS", "")).strip().upper() != "CANCELLED":
            self._skip(uid, component, begin, "marked as free time (TRANSP:TRANSPARENT)")
            return
        if "DTSTART" not in component:
            raise InputError(f"{at_line(self._source, begin)}: the event {uid!r} has no DTSTART")
        start = self._value(component, "DTSTART", zones, lines)
        duration = self._duration(component, start, zones, lines, uid)
        if duration is None:
            return
        found = SourceEvent(component, lines, zones, uid, start, duration, sequence_of(component))
        if "RECURRENCE-ID" in component:
            rid = self._value(component, "RECURRENCE-ID", zones, lines)
            self._keep(self._overrides.setdefault(uid, {}), recurrence_token(rid), found)
        else:
            self._keep(self._masters, uid, found)

    def _keep(self, kept: dict[str, SourceEvent], key: str, found: SourceEvent) -> None:
        """Keep one VEVENT per UID (and RECURRENCE-ID): the latest version, else the first.

        Every other is reported as skipped, naming the line of the one kept, so a file
        that reused a UID by mistake does not lose an event without a word.
        """
        earlier = kept.get(key)
        if earlier is None:
            kept[key] = found
            return
        what = "UID and RECURRENCE-ID" if "RECURRENCE-ID" in found.component else "UID"
        if _version(found.component) > _version(earlier.component):
            kept[key] = found
            reason = f"an older version of the event on line {found.begin} (same {what})"
            self._skip(earlier.uid, earlier.component, earlier.begin, reason)
        else:
            reason = f"same {what} as the event on line {earlier.begin}, which is kept"
            self._skip(found.uid, found.component, found.begin, reason)

    def _refuse_broken(self, component: Component, lines: EventLines | None) -> None:
        for name, message in getattr(component, "errors", []):
            if name is not None and str(name).upper() not in _TIME_PROPERTIES:
                continue  # a broken X- or ATTACH property does not move any booking
            bad = quoted_value(message)
            line = lines.line_of(name, bad) if lines else None
            if name is None and lines and bad is not None:
                line = next((ln.number for ln in lines.lines if ln.text == bad), lines.begin)
            what = f"bad {name}" if name else "unreadable line"
            raise InputError(
                f"{at_line(self._source, line)}: {what}: {one_line(Exception(message))}"
            )

    def _line(self, lines: EventLines | None, name: str) -> int | None:
        return lines.line_of(name) if lines else None

    def _value(
        self, component: Component, name: str, zones: Zones, lines: EventLines | None
    ) -> datetime | date:
        prop = property_of(component, name)
        if isinstance(prop, list):  # repeated where RFC 5545 allows one
            prop = prop[0]
        line = self._line(lines, name)
        return instant(prop.dt, prop.params.get("TZID"), zones, self._source, line)

    def _duration(
        self,
        component: Component,
        start: datetime | date,
        zones: Zones,
        lines: EventLines | None,
        uid: str,
    ) -> timedelta | None:
        timed = isinstance(start, datetime)
        if "DTEND" in component:
            end = self._value(component, "DTEND", zones, lines)
            line = self._line(lines, "DTEND")
            if isinstance(end, datetime) != timed:
                raise InputError(
                    f"{at_line(self._source, line)}: DTEND and DTSTART must both be dates "
                    "or both date-times"
                )
            if timed:
                duration = utc_of(end, self._facility) - utc_of(start, self._facility)
            else:  # whole days, so a series keeps local midnights across DST changes
                duration = timedelta(days=(as_date(end) - as_date(start)).days)
        elif "DURATION" in component:
            line = self._line(lines, "DURATION")
            duration = property_of(component, "DURATION").dt
        else:
            line = self._line(lines, "DTSTART")
            if not timed:
                return timedelta(days=1)
            self._skip(uid, component, line, "no end time (neither DTEND nor DURATION)")
            return None
        if duration < timedelta(0):
            raise InputError(
                f"{at_line(self._source, line)}: the event {uid!r} ends before it starts"
            )
        if not duration:
            self._skip(uid, component, line, "zero length")
            return None
        if duration > MAX_LENGTH:
            raise InputError(
                f"{at_line(self._source, line)}: the event {uid!r} lasts {duration.days} days "
                f"(at most {MAX_LENGTH.days})"
            )
        return duration

    def _skip(self, uid: str, component: Component, line: int | None, reason: str) -> None:
        summary = plain_text(
            str(property_of(component, "SUMMARY", "")), limit=SUMMARY_LIMIT, single_line=True
        )
        self._skipped.append(SkippedSource(uid, summary, line, reason))

    # -- expanding ----------------------------------------------------------------------

    def finish(self) -> ParsedCalendar:
        expansion = Expansion(self._source, self._window, self._facility, self._budget)
        events: list[ImportedEvent] = []
        for uid, master in self._masters.items():
            overrides = self._overrides.pop(uid, {})
            if "RRULE" not in master.component and "RDATE" not in master.component:
                if expansion.in_window(master.start, master.duration):
                    events.append(expansion.event(master, None))
                else:
                    self._skip(uid, master.component, master.begin, "outside the import window")
                continue
            events += expansion.series(master, overrides)
        for orphans in self._overrides.values():  # overrides whose master the file lacks
            for token, override in orphans.items():
                if expansion.in_window(override.start, override.duration):
                    events.append(expansion.event(override, token))
        events.sort(key=lambda e: (e.starts_at, e.key))
        return ParsedCalendar(tuple(events), tuple(self._skipped), *self._window)


def _version(component: Component) -> tuple[int, str]:
    """SEQUENCE, then LAST-MODIFIED (as UTC text, "" if absent): which copy is newer."""
    modified = property_of(component, "LAST-MODIFIED")
    stamp = getattr(modified, "dt", None)
    when = recurrence_token(stamp) if isinstance(stamp, datetime) and stamp.tzinfo else ""
    return sequence_of(component), when

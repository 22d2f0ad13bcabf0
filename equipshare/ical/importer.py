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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule  # type: ignore[import-untyped]  # icalendar's own dependency
from icalendar import Calendar, Component

from equipshare.domain.enums import CalendarEventStatus
from equipshare.domain.errors import InputError
from equipshare.ical.import_source import MAX_IMPORT_BYTES, EventLines, decode, scan
from equipshare.ical.import_values import (
    Zones,
    as_date,
    at_line,
    email_of,
    emails_of,
    one_line,
    property_of,
    quoted_value,
    recurrence_rules,
    recurrence_token,
    sequence_of,
    text_of,
    utc_of,
)
from equipshare.ical.plain_text import plain_text

WINDOW_BACK = timedelta(days=30)
WINDOW_AHEAD = timedelta(days=365)
#: More occurrences than this in the window is a runaway rule, not a booking pattern.
MAX_OCCURRENCES = 2000
SUMMARY_LIMIT = 200
DESCRIPTION_LIMIT = 2000
# Broken values of these properties would put a booking at the wrong time: refuse.
_TIME_PROPERTIES = frozenset(
    {"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "UID"}
)


@dataclass(frozen=True)
class ImportedEvent:
    """One occurrence to import; (uid, recurrence_key) identifies it across re-imports."""

    uid: str
    #: The occurrence's original start ("20260317T090000Z", or "20260317" all day);
    #: None for an event that does not repeat.
    recurrence_key: str | None
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str
    organiser_email: str | None
    attendee_emails: tuple[str, ...]
    status: CalendarEventStatus
    all_day: bool
    sequence: int
    line: int | None

    @property
    def key(self) -> str:
        return self.uid if self.recurrence_key is None else f"{self.uid}/{self.recurrence_key}"

    @property
    def emails(self) -> tuple[str, ...]:
        """Organiser first, then attendees: the order owners are matched in."""
        first = (self.organiser_email,) if self.organiser_email else ()
        return first + tuple(e for e in self.attendee_emails if e != self.organiser_email)


@dataclass(frozen=True)
class SkippedSource:
    """A VEVENT the file holds but the import leaves out, and why."""

    uid: str
    summary: str
    line: int | None
    reason: str


@dataclass(frozen=True)
class ParsedCalendar:
    """Every occurrence in the window, soonest first, and what was left out."""

    events: tuple[ImportedEvent, ...]
    skipped: tuple[SkippedSource, ...]
    window_start: datetime
    window_end: datetime


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


@dataclass
class _Source:
    """A VEVENT read and checked, before expansion."""

    component: Component
    lines: EventLines | None
    zones: Zones
    uid: str
    start: datetime | date
    duration: timedelta
    sequence: int


class _Reader:
    """Collects masters and overrides per UID, then expands them in `finish`."""

    def __init__(self, source: str, window: tuple[datetime, datetime], facility: ZoneInfo) -> None:
        self._source = source
        self._window = window
        self._facility = facility
        self._masters: dict[str, _Source] = {}
        self._overrides: dict[str, dict[str, _Source]] = {}
        self._skipped: list[SkippedSource] = []
        self._zones: dict[int, Zones] = {}

    # -- reading one VEVENT -----------------------------------------------------------

    def add(self, calendar: Component, component: Component, lines: EventLines | None) -> None:
        zones = self._zones.get(id(calendar))
        if zones is None:
            zones = self._zones[id(calendar)] = Zones(calendar, self._facility, self._source)
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
        found = _Source(component, lines, zones, uid, start, duration, sequence_of(component))
        if "RECURRENCE-ID" in component:
            rid = self._value(component, "RECURRENCE-ID", zones, lines)
            self._overrides.setdefault(uid, {})[recurrence_token(rid)] = found
        elif uid not in self._masters or found.sequence >= self._masters[uid].sequence:
            self._masters[uid] = found

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
        return self._instant(prop.dt, prop.params.get("TZID"), zones, self._line(lines, name))

    def _instant(
        self, value: Any, tzid: str | None, zones: Zones, line: int | None
    ) -> datetime | date:
        if isinstance(value, datetime):
            if tzid:
                return value.replace(tzinfo=zones.resolve(str(tzid), line))
            return value if value.tzinfo is not None else value.replace(tzinfo=zones.floating)
        if isinstance(value, date):
            return value
        raise InputError(f"{at_line(self._source, line)}: expected a date or date-time")

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
        return duration

    def _skip(self, uid: str, component: Component, line: int | None, reason: str) -> None:
        summary = plain_text(
            str(property_of(component, "SUMMARY", "")), limit=SUMMARY_LIMIT, single_line=True
        )
        self._skipped.append(SkippedSource(uid, summary, line, reason))

    # -- expanding ----------------------------------------------------------------------

    def finish(self) -> ParsedCalendar:
        events: list[ImportedEvent] = []
        for uid, master in self._masters.items():
            overrides = self._overrides.pop(uid, {})
            if "RRULE" not in master.component and "RDATE" not in master.component:
                if self._in_window(master.start, master.duration):
                    events.append(self._event(master, None))
                else:
                    self._skip(uid, master.component, _begin(master), "outside the import window")
                continue
            events += self._series(master, overrides)
        for orphans in self._overrides.values():  # overrides whose master the file lacks
            for token, override in orphans.items():
                if self._in_window(override.start, override.duration):
                    events.append(self._event(override, token))
        events.sort(key=lambda e: (e.starts_at, e.key))
        return ParsedCalendar(tuple(events), tuple(self._skipped), *self._window)

    def _series(self, master: _Source, overrides: dict[str, _Source]) -> list[ImportedEvent]:
        found: list[ImportedEvent] = []
        excluded = {recurrence_token(d) for d, _ in self._dates(master, "EXDATE")}
        for start, duration in self._occurrences(master):
            token = recurrence_token(start)
            if token in overrides or token in excluded:
                continue
            found.append(self._event(master, token, start, duration))
        for token, override in overrides.items():
            if self._in_window(override.start, override.duration):
                found.append(self._event(override, token))
        if len(found) > MAX_OCCURRENCES:
            raise InputError(
                f"{at_line(self._source, _begin(master))}: the event {master.uid!r} repeats "
                f"{len(found)} times in the import window (at most {MAX_OCCURRENCES})"
            )
        return found

    def _occurrences(self, master: _Source) -> list[tuple[datetime | date, timedelta]]:
        """Each instance's start and length: RRULE's and DTSTART's, then RDATE's."""
        start = master.start
        low, high = self._window
        low -= master.duration + timedelta(days=1)
        high += timedelta(days=1)
        rule_start: datetime
        if isinstance(start, datetime):
            rule_start = start
        else:
            rule_start = datetime.combine(start, time())
            low, high = low.replace(tzinfo=None), high.replace(tzinfo=None)
        starts: list[datetime | date] = []
        for rule in self._rules(master, rule_start):
            for at in rule.between(low, high, inc=True):
                starts.append(at if isinstance(start, datetime) else at.date())
                if len(starts) > MAX_OCCURRENCES:
                    break
        unique = {recurrence_token(s): (s, master.duration) for s in [start, *starts]}
        for extra, length in self._dates(master, "RDATE"):
            if type(extra) is type(start):
                unique[recurrence_token(extra)] = (extra, length or master.duration)
        return [(s, d) for s, d in unique.values() if self._in_window(s, d)]

    def _rules(self, master: _Source, rule_start: datetime) -> Iterable[rrule]:
        where = at_line(self._source, self._line(master.lines, "RRULE"))
        return recurrence_rules(property_of(master.component, "RRULE"), rule_start, where)

    def _dates(self, source: _Source, name: str) -> list[tuple[datetime | date, timedelta | None]]:
        """EXDATE or RDATE values, with a PERIOD's own length where one is given."""
        props = property_of(source.component, name)
        line = self._line(source.lines, name)
        found: list[tuple[datetime | date, timedelta | None]] = []
        for prop in props if isinstance(props, list) else [props] if props is not None else []:
            tzid = prop.params.get("TZID")
            for item in prop.dts:
                value, length = item.dt, None
                if isinstance(value, tuple):  # PERIOD: start/end or start/duration
                    value, until = value
                    length = until if isinstance(until, timedelta) else until - value
                start = self._instant(value, tzid, source.zones, line)
                found.append((start, length if length and length > timedelta(0) else None))
        return found

    def _in_window(self, start: datetime | date, duration: timedelta) -> bool:
        begins = utc_of(start, self._facility)
        return begins < self._window[1] and begins + duration > self._window[0]

    def _event(
        self,
        source: _Source,
        token: str | None,
        start: datetime | date | None = None,
        duration: timedelta | None = None,
    ) -> ImportedEvent:
        component = source.component
        first = source.start if start is None else start
        length = duration or source.duration
        begins = utc_of(first, self._facility)
        ends = (
            begins + length
            if isinstance(first, datetime)
            else utc_of(first + length, self._facility)
        )
        status = str(property_of(component, "STATUS", "")).strip().upper()
        return ImportedEvent(
            uid=source.uid,
            recurrence_key=token,
            starts_at=begins,
            ends_at=ends,
            summary=text_of(component, "SUMMARY", SUMMARY_LIMIT, single_line=True),
            description=text_of(component, "DESCRIPTION", DESCRIPTION_LIMIT),
            location=text_of(component, "LOCATION", SUMMARY_LIMIT, single_line=True),
            organiser_email=email_of(property_of(component, "ORGANIZER")),
            attendee_emails=emails_of(property_of(component, "ATTENDEE")),
            status=CalendarEventStatus(status)
            if status in CalendarEventStatus.__members__
            else CalendarEventStatus.CONFIRMED,
            all_day=not isinstance(source.start, datetime),
            sequence=source.sequence,
            line=_begin(source),
        )


def _begin(source: _Source) -> int | None:
    return source.lines.begin if source.lines else None

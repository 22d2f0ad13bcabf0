"""A read VEVENT's occurrences in the import window: its RRULEs, RDATEs, EXDATEs and overrides.

Every count is checked as it grows, so a rule that would make millions of occurrences
is refused after MAX_OCCURRENCES of them, not after making them all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Component

from equipshare.domain.enums import CalendarEventStatus
from equipshare.domain.errors import InputError
from equipshare.ical.import_records import ImportedEvent
from equipshare.ical.import_source import EventLines
from equipshare.ical.import_values import (
    MAX_LENGTH,
    Zones,
    at_line,
    email_of,
    emails_of,
    instant,
    property_of,
    recurrence_token,
    text_of,
    utc_of,
)
from equipshare.ical.recurrence import (
    MAX_OCCURRENCES,
    WalkBudget,
    recurrence_rules,
    rule_starts,
)

SUMMARY_LIMIT = 200
DESCRIPTION_LIMIT = 2000
Occurrence = tuple[datetime | date, timedelta]


@dataclass
class SourceEvent:
    """A VEVENT read and checked, before expansion."""

    component: Component
    lines: EventLines | None
    zones: Zones
    uid: str
    start: datetime | date
    duration: timedelta
    sequence: int

    @property
    def begin(self) -> int | None:
        """The line of its BEGIN:VEVENT, when the scan could place it."""
        return self.lines.begin if self.lines else None

    def line_of(self, name: str) -> int | None:
        return self.lines.line_of(name) if self.lines else None


class Expansion:
    """Turns read VEVENTs into the ImportedEvents of one window, in one facility's zone."""

    def __init__(
        self,
        source: str,
        window: tuple[datetime, datetime],
        facility: ZoneInfo,
        budget: WalkBudget,
    ) -> None:
        self._source = source
        self._window = window
        self._facility = facility
        self._budget = budget
        # keyed by id(): the SourceEvents live as long as this expansion
        self._read: dict[int, ImportedEvent] = {}

    def series(self, master: SourceEvent, overrides: dict[str, SourceEvent]) -> list[ImportedEvent]:
        """The master's occurrences, less its EXDATEs, with its overrides in their place."""
        excluded = {recurrence_token(d) for d, _ in self._dates(master, "EXDATE")}
        room = MAX_OCCURRENCES + len(excluded | overrides.keys())
        found: list[ImportedEvent] = []
        for start, duration in self._occurrences(master, room):
            token = recurrence_token(start)
            if token not in overrides and token not in excluded:
                found.append(self.event(master, token, start, duration))
        for token, override in overrides.items():
            if self.in_window(override.start, override.duration):
                found.append(self.event(override, token))
        if len(found) > MAX_OCCURRENCES:
            raise self._too_many(master)
        return found

    def _too_many(self, master: SourceEvent) -> InputError:
        return InputError(
            f"{at_line(self._source, master.begin)}: the event {master.uid!r} repeats over "
            f"{MAX_OCCURRENCES} times in the import window (at most {MAX_OCCURRENCES})"
        )

    def _occurrences(self, master: SourceEvent, room: int) -> list[Occurrence]:
        """Each instance's start and length: DTSTART's and the RRULEs', then RDATE's.

        Stops, refusing the event, as soon as more than `room` fall in the window.
        """
        start, length = master.start, master.duration
        low = self._window[0] - length - timedelta(days=1)
        high = self._window[1] + timedelta(days=1)
        if isinstance(start, datetime):
            rule_start = start
        else:
            rule_start = datetime.combine(start, time())
            low, high = low.replace(tzinfo=None), high.replace(tzinfo=None)
        found: dict[str, Occurrence] = {}

        def add(at: datetime | date, duration: timedelta) -> None:
            if self.in_window(at, duration):
                found[recurrence_token(at)] = (at, duration)
                if len(found) > room:
                    raise self._too_many(master)

        add(start, length)
        where = at_line(self._source, master.line_of("RRULE"))
        rules = property_of(master.component, "RRULE")
        for read in recurrence_rules(rules, rule_start, where):
            for at in rule_starts(read, low, high, self._budget):
                add(at if isinstance(start, datetime) else at.date(), length)
        for extra, own in self._dates(master, "RDATE"):
            if type(extra) is type(start):
                add(extra, own or length)
        return list(found.values())

    def _dates(
        self, event: SourceEvent, name: str
    ) -> list[tuple[datetime | date, timedelta | None]]:
        """EXDATE or RDATE values, with a PERIOD's own length where one is given."""
        props = property_of(event.component, name)
        line = event.line_of(name)
        found: list[tuple[datetime | date, timedelta | None]] = []
        for prop in props if isinstance(props, list) else [props] if props is not None else []:
            tzid = prop.params.get("TZID")
            for item in prop.dts:
                value, length = item.dt, None
                if isinstance(value, tuple):  # PERIOD: start/end or start/duration
                    value, until = value
                    length = until if isinstance(until, timedelta) else until - value
                    if length > MAX_LENGTH:
                        raise InputError(
                            f"{at_line(self._source, line)}: a {name} period lasts "
                            f"{length.days} days (at most {MAX_LENGTH.days})"
                        )
                start = instant(value, tzid, event.zones, self._source, line)
                found.append((start, length if length and length > timedelta(0) else None))
        return found

    def in_window(self, start: datetime | date, duration: timedelta) -> bool:
        begins = utc_of(start, self._facility)
        return begins < self._window[1] and begins + duration > self._window[0]

    def event(
        self,
        source: SourceEvent,
        token: str | None,
        start: datetime | date | None = None,
        duration: timedelta | None = None,
    ) -> ImportedEvent:
        """One occurrence of `source` (its own start, or `start`), in UTC."""
        first = source.start if start is None else start
        length = duration or source.duration
        begins = utc_of(first, self._facility)
        ends = (
            begins + length
            if isinstance(first, datetime)
            else utc_of(first + length, self._facility)
        )
        return replace(self._details(source), recurrence_key=token, starts_at=begins, ends_at=ends)

    def _details(self, source: SourceEvent) -> ImportedEvent:
        """What every occurrence of `source` shares, read once: a series repeats it 2,000 times."""
        found = self._read.get(id(source))
        if found is not None:
            return found
        component = source.component
        status = str(property_of(component, "STATUS", "")).strip().upper()
        found = self._read[id(source)] = ImportedEvent(
            uid=source.uid,
            recurrence_key=None,
            starts_at=self._window[0],
            ends_at=self._window[0],
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
            line=source.begin,
        )
        return found

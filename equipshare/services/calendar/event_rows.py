"""Bookings as calendar events, read as plain column tuples.

A feed of a busy institution holds over ten thousand bookings; loading each as five ORM
objects (booking, instrument, facility, booker, booker's institution) cost most of a
rebuild. The rows here are tuples of exactly the columns an event shows, with no identity
map and no change tracking, and the events are built straight from them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from equipshare.domain.enums import BookingStatus, CalendarEventStatus
from equipshare.domain.records.scheduling.calendar import CalendarEvent

ENDED = frozenset({BookingStatus.CANCELLED, BookingStatus.REJECTED})
STATE_WORDS = {
    BookingStatus.PENDING: "pending approval",
    BookingStatus.CONFIRMED: "confirmed",
    BookingStatus.COMPLETED: "completed",
    BookingStatus.NO_SHOW: "no-show",
    BookingStatus.CANCELLED: "cancelled",
    BookingStatus.REJECTED: "rejected",
}


class BookingRow(NamedTuple):
    """A booking's own columns that its events show."""

    booking_id: int
    series_id: int | None
    recurrence_start: datetime | None
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    purpose: str
    project_code: str | None
    status_reason: str | None
    ical_uid: str
    sequence: int
    updated_at: datetime
    instrument_id: int
    user_id: int


class PlaceRow(NamedTuple):
    """An instrument and its facility, as events show them (one per instrument, shared)."""

    instrument_code: str
    instrument_name: str
    category: str
    instrument_building: str | None
    room: str | None
    instrument_web: str | None
    contact_email: str | None
    facility_name: str
    facility_building: str | None
    facility_web: str | None
    facility_email: str | None
    timezone: str


class BookerRow(NamedTuple):
    """A booker as events may show them (one per person, shared)."""

    booker_name: str
    booker_email: str | None
    institution_name: str


class EventRow(NamedTuple):
    """A booking with its place and booker: everything its events show."""

    booking: BookingRow
    place: PlaceRow
    booker: BookerRow

    @property
    def status(self) -> BookingStatus:
        return self.booking.status

    @property
    def updated_at(self) -> datetime:
        return self.booking.updated_at

    @property
    def series_id(self) -> int | None:
        return self.booking.series_id


class SeriesRow(NamedTuple):
    id: int
    first_start: datetime
    rrule: str
    ical_uid: str
    sequence: int
    updated_at: datetime


@dataclass(frozen=True)
class EventView:
    """How much an export shows: everything (a user's own calendar) or the filtered view."""

    full: bool
    show_booker: bool
    show_project: bool


def event_status(status: BookingStatus) -> CalendarEventStatus:
    if status in ENDED:
        return CalendarEventStatus.CANCELLED
    if status is BookingStatus.PENDING:
        return CalendarEventStatus.TENTATIVE
    return CalendarEventStatus.CONFIRMED


def row_event(row: EventRow, view: EventView, reference: str) -> CalendarEvent:
    """One booking as an event, showing what `view` allows; the same row, view and
    reference give the very same record, built once (a feed rebuilt after one change
    builds one event, and the rendered-bytes cache keyed by the record hits at once)."""
    key = (row, view, reference)
    event = _BUILT.get(key)
    if event is None:
        event = build_event(row, view, reference)
        if len(_BUILT) >= _BUILT_MOST:
            _BUILT.clear()  # crude but bounded: a full rebuild refills what is in use
        _BUILT[key] = event
    return event


_BUILT: dict[tuple[EventRow, EventView, str], CalendarEvent] = {}
_BUILT_MOST = 200_000


def build_event(row: EventRow, view: EventView, reference: str) -> CalendarEvent:
    booking, place, booker = row
    shows_booker = view.full or view.show_booker
    shows_project = view.full or view.show_project
    code = place.instrument_code
    if view.full:
        summary = code + (f" {place.instrument_name}" if place.instrument_name != code else "")
    elif shows_booker:
        summary = f"{code}: {booker.booker_name} ({booker.institution_name})"
    else:
        summary = f"{code}: Booked ({booker.institution_name})"
    if booking.status is BookingStatus.PENDING:
        summary += " - pending approval"
    booked_for = (
        f"Booked for: {booker.booker_name}"
        + (f" <{booker.booker_email}>" if booker.booker_email else "")
        if shows_booker
        else f"Booked by someone from {booker.institution_name}"
    )
    lines = [
        f"Instrument: {code} {place.instrument_name}",
        f"Facility: {place.facility_name}",
        booked_for,
        f"State: {STATE_WORDS[booking.status]}",
    ]
    if shows_project:
        if booking.purpose:
            lines.append(f"Purpose: {booking.purpose}")
        if booking.project_code:
            lines.append(f"Project: {booking.project_code}")
    if view.full and booking.status_reason and booking.status in ENDED:
        lines.append(f"Reason: {booking.status_reason}")
    lines.append(f"equipshare {reference}")
    building = place.instrument_building or place.facility_building
    room = f"room {place.room}" if place.room else None
    return CalendarEvent(
        uid=booking.ical_uid,
        sequence=booking.sequence,
        summary=summary,
        description="\n".join(lines),
        location=", ".join(part for part in (building, room) if part),
        url=place.instrument_web or place.facility_web,
        categories=("Instrument booking", place.category),
        status=event_status(booking.status),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        timezone=place.timezone,
        last_modified=booking.updated_at,
        organiser_name=place.facility_name,
        organiser_email=place.facility_email or place.contact_email,
    )


def series_events(
    series: SeriesRow,
    rows: Sequence[EventRow],
    view: EventView,
    now: datetime,
    grace: timedelta,
) -> list[CalendarEvent]:
    """One master VEVENT (RRULE + EXDATEs) and an override for each occurrence that differs.

    Slots the rule made but no live booking fills become EXDATEs: never booked, or
    cancelled longer ago than the grace period. Every component carries one SEQUENCE,
    the series' plus its occurrences' plus the expired cancellations, so it rises with
    any change to any of them, and stays put otherwise.
    """
    reference = f"series {series.id}"
    expired = [row for row in rows if row.status in ENDED and row.updated_at <= now - grace]
    live = [row for row in rows if row not in expired]
    by_slot = {row.booking.recurrence_start: row for row in live}
    slots = rule_slots(series.first_start, series.rrule, rows[0].place.timezone)
    template = row_event(_template(live or list(rows)), view, reference)
    length = template.ends_at - template.starts_at
    sequence = series.sequence + sum(row.booking.sequence for row in rows) + len(expired)
    changed = max(
        [series.updated_at]
        + [row.updated_at for row in rows]
        + [row.updated_at + grace for row in expired]
    )
    master = replace(
        template,
        uid=series.ical_uid,
        sequence=sequence,
        starts_at=series.first_start,
        ends_at=series.first_start + length,
        last_modified=changed,
        rrule=series.rrule,
        exdates=tuple(slot for slot in slots if slot not in by_slot),
    )
    events = [master]
    for slot in slots:
        row = by_slot.get(slot)
        if row is None:
            continue
        own = row_event(row, view, reference)
        expected = replace(master, starts_at=slot, ends_at=slot + length, rrule=None, exdates=())
        override = replace(
            own, uid=series.ical_uid, sequence=sequence, last_modified=changed, recurrence_id=slot
        )
        if replace(override, recurrence_id=None) != expected:
            events.append(override)
    return events


def _template(rows: Sequence[EventRow]) -> EventRow:
    """The occurrence the master is drawn from: unmoved, with the commonest state and length."""
    unmoved = [
        row for row in rows if row.booking.starts_at == row.booking.recurrence_start
    ] or list(rows)
    common = Counter(_state_and_length(row) for row in unmoved)
    status, length = common.most_common(1)[0][0]
    return next(row for row in unmoved if _state_and_length(row) == (status, length))


def _state_and_length(row: EventRow) -> tuple[BookingStatus, timedelta]:
    return row.status, row.booking.ends_at - row.booking.starts_at


def rule_slots(first_start: datetime, rrule: str, tz: str) -> list[datetime]:
    """The UTC starts a stored daily or weekly RRULE makes, stepping in the facility's zone."""
    parts = dict(part.split("=", 1) for part in rrule.split(";"))
    step = timedelta(days={"DAILY": 1, "WEEKLY": 7}[parts["FREQ"]])
    zone = ZoneInfo(tz)
    first = first_start.astimezone(zone)
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    until = (
        datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if "UNTIL" in parts
        else None
    )
    slots: list[datetime] = []
    day = first.date()
    while count is None or len(slots) < count:
        slot = datetime.combine(day, time(first.hour, first.minute, first.second), zone)
        slot = slot.astimezone(UTC)
        if until is not None and slot > until:
            break
        slots.append(slot)
        day += step
        if len(slots) > 1000:  # a stored rule is at most 200; never loop forever on bad data
            break
    return slots

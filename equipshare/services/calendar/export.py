"""CalendarExportService: bookings as privacy-filtered calendar events, and as .ics bytes.

Who may export what (one rule per scope, checked before any booking is read):
- a user's own calendar: that user; facility staff get that user's bookings at the
  facilities they staff, under the username they asked for (never the user's name, which
  an empty file would otherwise tell them); admins get all of them. Every detail is shown.
- an instrument's calendar: any active user, as anyone may see when an instrument is taken
  (the week calendar shows the same). Privacy-filtered.
- a facility's calendar: its staff and admins. Privacy-filtered.
- an institution's calendar: admins and staff of any of its facilities. Privacy-filtered.
Privacy-filtered events say "Booked (Institution)" and the booking's state; `[calendar]`
show_booker and show_project add the booker and the purpose/project code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from equipshare.db.models.bookings import Booking, BookingSeries
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.domain.enums import BookingStatus, CalendarEventStatus, ExportKind
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.permissions import Actor
from equipshare.domain.records.calendar import CalendarEvent, CalendarMeta, ExportScope
from equipshare.ical.export import render_calendar, render_event
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext

DEFAULT_DAYS_BACK = 30
DEFAULT_DAYS_AHEAD = 365
ENDED = frozenset({BookingStatus.CANCELLED, BookingStatus.REJECTED})
STATE_WORDS = {
    BookingStatus.PENDING: "pending approval",
    BookingStatus.CONFIRMED: "confirmed",
    BookingStatus.COMPLETED: "completed",
    BookingStatus.NO_SHOW: "no-show",
    BookingStatus.CANCELLED: "cancelled",
    BookingStatus.REJECTED: "rejected",
}
UserInstitution = aliased(Institution)


class Row(NamedTuple):
    """A booking with what its events show: a row of `_rows_query`, in its order."""

    booking: Booking
    instrument: Instrument
    facility: Facility
    user: User
    institution: Institution


@dataclass(frozen=True)
class _View:
    """How much an export shows: everything (a user's own calendar) or the filtered view."""

    full: bool
    show_booker: bool
    show_project: bool


def event_status(status: BookingStatus) -> CalendarEventStatus:
    if status is BookingStatus.PENDING:
        return CalendarEventStatus.TENTATIVE
    if status in ENDED:
        return CalendarEventStatus.CANCELLED
    return CalendarEventStatus.CONFIRMED


class CalendarExportService:
    """Read-only: one transaction per call, a fixed number of queries whatever the size."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._settings = context.settings

    def events(
        self,
        actor_username: str,
        scope: ExportScope,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> tuple[CalendarMeta, tuple[CalendarEvent, ...]]:
        """The calendar's properties and its events; a window defaults to 30 days back, a
        year ahead. Bookings overlapping the window are in, with whole series."""
        meta, events, _leaves = self.events_and_expiry(actor_username, scope, start, end)
        return meta, events

    def events_and_expiry(
        self,
        actor_username: str,
        scope: ExportScope,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> tuple[CalendarMeta, tuple[CalendarEvent, ...], datetime | None]:
        """`events`, and the first moment after now when a cancelled or rejected booking in
        them leaves (its grace period over): the same rows then show something else."""
        now = self._clock.now()
        start = _aware(start, "from") if start else now - timedelta(days=DEFAULT_DAYS_BACK)
        end = _aware(end, "to") if end else now + timedelta(days=DEFAULT_DAYS_AHEAD)
        if end <= start:
            raise InputError("the end of the window must be after its start", "to")
        calendar = self._settings.calendar
        grace = timedelta(days=calendar.cancelled_grace_days)
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            if not actor.user.active:
                raise PermissionDenied(f"{actor_username} may not export calendars: deactivated")
            name, zone, where, full = self._scope(session, actor, scope)
            view = _View(full, calendar.show_booker, calendar.show_project)
            query = _rows_query().where(
                where,
                Booking.starts_at < end,
                Booking.ends_at > start,
                or_(Booking.status.not_in(ENDED), Booking.updated_at > now - grace),
            )
            rows = [Row._make(r) for r in session.execute(query)]
            series_ids = {
                row.booking.series_id for row in rows if row.booking.series_id is not None
            }
            series_rows: list[Row] = []
            series: dict[int, BookingSeries] = {}
            if series_ids:
                series_query = _rows_query().where(Booking.series_id.in_(series_ids))
                series_rows = [Row._make(r) for r in session.execute(series_query)]
                series = {
                    s.id: s
                    for s in session.scalars(
                        select(BookingSeries).where(BookingSeries.id.in_(series_ids))
                    )
                }
            single = [
                _event(row, view, f"booking {row.booking.id}")
                for row in rows
                if row.booking.series_id is None
            ]
            grouped: list[CalendarEvent] = []
            for series_id in sorted(series_ids):
                members = [row for row in series_rows if row.booking.series_id == series_id]
                grouped += _series_events(series[series_id], members, view, now, grace)
            leaves = min(
                (
                    row.booking.updated_at + grace
                    for row in rows + series_rows
                    if row.booking.status in ENDED and row.booking.updated_at + grace > now
                ),
                default=None,
            )
        events = tuple(sorted(single + grouped, key=_order))
        zones = tuple(sorted({zone} | {event.timezone for event in events}))
        meta = CalendarMeta(
            name=f"{name} · {self._settings.organisation.name}",
            timezone=zone,
            refresh_interval=timedelta(minutes=calendar.refresh_minutes),
            timezones=zones,
            description=f"equipshare bookings: {name}",
        )
        return meta, events, leaves

    def export(
        self,
        actor_username: str,
        scope: ExportScope,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> bytes:
        """The calendar as .ics bytes, identical until a booking in it changes."""
        meta, events = self.events(actor_username, scope, start, end)
        return render_calendar(meta, [render_event(event) for event in events])

    def _scope(
        self, session: Session, actor: Actor, scope: ExportScope
    ) -> tuple[str, str, ColumnElement[bool], bool]:
        """The calendar's name and zone, the bookings' filter, and whether all is shown."""
        user, kind, key = actor.user, scope.kind, scope.key.strip()
        org_zone = self._settings.organisation.timezone
        if kind is ExportKind.USER:
            owner = row_records.load_user(session, key)
            name = f"{owner.display_name}'s bookings"
            if owner.id == user.id or user.is_admin:
                return name, org_zone, Booking.user_id == owner.id, True
            if actor.staff_facility_ids:
                # Only the bookings at the actor's facilities, under the username they typed:
                # the file tells staff nothing of anyone beyond what those bookings show.
                where = and_(Booking.user_id == owner.id, Facility.id.in_(actor.staff_facility_ids))
                return f"{owner.username}'s bookings at your facilities", org_zone, where, True
            raise PermissionDenied(
                f"{user.username} may not export {owner.username}'s calendar: that needs "
                "the user themself, facility staff or an admin"
            )
        if kind is ExportKind.INSTRUMENT:
            instrument = row_records.load_instrument(session, key)
            label = f"{instrument.code} {instrument.name}"
            return label, instrument.timezone, Instrument.id == instrument.id, False
        if kind is ExportKind.FACILITY:
            match = Facility.id == int(key) if key.isdigit() else Facility.code == key
            facility = session.scalars(select(Facility).where(match)).one_or_none()
            if facility is None:
                raise NotFound(f"no facility {key!r}", "facility")
            if not (user.is_admin or actor.staffs(facility.id)):
                raise PermissionDenied(
                    f"{user.username} may not export {facility.name}'s calendar: that needs "
                    f"a manager or technician of {facility.name}, or an admin"
                )
            return facility.name, facility.timezone, Facility.id == facility.id, False
        if kind is ExportKind.INSTITUTION:
            institution = session.scalars(
                select(Institution).where(Institution.code == key)
            ).one_or_none()
            if institution is None:
                raise NotFound(f"no institution with code {key!r}", "institution")
            staffed = session.scalars(
                select(Facility.id).where(
                    Facility.institution_id == institution.id,
                    Facility.id.in_(actor.staff_facility_ids),
                )
            ).first()
            if not (user.is_admin or staffed is not None):
                raise PermissionDenied(
                    f"{user.username} may not export {institution.name}'s calendar: that "
                    f"needs staff of one of its facilities, or an admin"
                )
            where = Facility.institution_id == institution.id
            return institution.name, org_zone, where, False
        raise InputError(f"unknown calendar kind {kind!r}", "scope")  # pragma: no cover


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise InputError(f"the {field} time needs a zone", field)
    return moment.astimezone(UTC)


def _rows_query() -> Select[Booking, Instrument, Facility, User, Institution]:
    """Each booking with its instrument, facility, booker and booker's institution: one query."""
    return (
        select(Booking, Instrument, Facility, User, UserInstitution)
        .join(Instrument, Booking.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .join(User, Booking.user_id == User.id)
        .join(UserInstitution, User.institution_id == UserInstitution.id)
        .order_by(Booking.starts_at, Booking.id)
    )


def _event(row: Row, view: _View, reference: str) -> CalendarEvent:
    """One booking as an event, showing what `view` allows."""
    booking, instrument, facility, user, institution = row
    state = STATE_WORDS[booking.status]
    shows_booker = view.full or view.show_booker
    shows_project = view.full or view.show_project
    if view.full:
        summary = instrument.code
        summary += f" {instrument.name}" if instrument.name != instrument.code else ""
    elif shows_booker:
        summary = f"{instrument.code}: {user.display_name} ({institution.name})"
    else:
        summary = f"{instrument.code}: Booked ({institution.name})"
    if booking.status is BookingStatus.PENDING:
        summary += " - pending approval"
    lines = [
        f"Instrument: {instrument.code} {instrument.name}",
        f"Facility: {facility.name}",
        f"Booked for: {user.display_name}" + (f" <{user.email}>" if user.email else "")
        if shows_booker
        else f"Booked by someone from {institution.name}",
        f"State: {state}",
    ]
    if shows_project:
        if booking.purpose:
            lines.append(f"Purpose: {booking.purpose}")
        if booking.project_code:
            lines.append(f"Project: {booking.project_code}")
    if view.full and booking.status_reason and booking.status in ENDED:
        lines.append(f"Reason: {booking.status_reason}")
    lines.append(f"equipshare {reference}")
    building = instrument.building or facility.building
    room = f"room {instrument.room}" if instrument.room else None
    return CalendarEvent(
        uid=booking.ical_uid,
        sequence=booking.sequence,
        summary=summary,
        description="\n".join(lines),
        location=", ".join(part for part in (building, room) if part),
        url=instrument.web_address or facility.web_address,
        categories=("Instrument booking", instrument.category),
        status=event_status(booking.status),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        timezone=facility.timezone,
        last_modified=booking.updated_at,
        organiser_name=facility.name,
        organiser_email=facility.email or instrument.contact_email,
    )


def _series_events(
    series: BookingSeries,
    rows: Sequence[Row],
    view: _View,
    now: datetime,
    grace: timedelta,
) -> list[CalendarEvent]:
    """One master VEVENT (RRULE + EXDATEs) and an override for each occurrence that differs.

    Slots the rule made but no live booking fills become EXDATEs: never booked, or
    cancelled longer ago than the grace period. Every component carries one SEQUENCE,
    the series' plus its occurrences' plus the expired cancellations, so it rises with
    any change to any of them, and stays put otherwise.
    """
    zone_name = rows[0].facility.timezone
    reference = f"series {series.id}"
    expired = [
        row for row in rows if row.booking.status in ENDED and row.booking.updated_at <= now - grace
    ]
    live = [row for row in rows if row not in expired]
    by_slot = {row.booking.recurrence_start: row for row in live}
    slots = rule_slots(series.first_start, series.rrule, zone_name)
    template_row = _template(live or list(rows))
    template = _event(template_row, view, reference)
    length = template.ends_at - template.starts_at
    sequence = series.sequence + sum(row.booking.sequence for row in rows) + len(expired)
    changed = max(
        [series.updated_at]
        + [row.booking.updated_at for row in rows]
        + [row.booking.updated_at + grace for row in expired]
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
        own = _event(row, view, reference)
        expected = replace(master, starts_at=slot, ends_at=slot + length, rrule=None, exdates=())
        override = replace(
            own, uid=series.ical_uid, sequence=sequence, last_modified=changed, recurrence_id=slot
        )
        if replace(override, recurrence_id=None) != expected:
            events.append(override)
    return events


def _template(rows: Sequence[Row]) -> Row:
    """The occurrence the master is drawn from: unmoved, with the commonest state and length."""
    unmoved = [
        row for row in rows if row.booking.starts_at == row.booking.recurrence_start
    ] or list(rows)
    common = Counter(_state_and_length(row.booking) for row in unmoved)
    status, length = common.most_common(1)[0][0]
    return next(row for row in unmoved if _state_and_length(row.booking) == (status, length))


def _state_and_length(booking: Booking) -> tuple[BookingStatus, timedelta]:
    return booking.status, booking.ends_at - booking.starts_at


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


def _order(event: CalendarEvent) -> tuple[datetime, str, datetime]:
    """Masters before their overrides, everything by start: a stable order for stable bytes."""
    return (
        event.recurrence_id or event.starts_at,
        event.uid,
        event.recurrence_id or datetime.min.replace(tzinfo=UTC),
    )

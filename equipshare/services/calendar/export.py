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

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument
from equipshare.domain.enums import LONGEST_BOOKING_MINUTES, ExportKind
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.permissions import Actor
from equipshare.domain.records.calendar import CalendarEvent, CalendarMeta, ExportScope
from equipshare.ical.export import render_calendar, render_event
from equipshare.services.calendar.event_rows import (
    ENDED,
    EventRow,
    EventRowReader,
    EventView,
    SeriesRow,
    read_series,
    row_event,
    series_events,
)
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext

DEFAULT_DAYS_BACK = 30
DEFAULT_DAYS_AHEAD = 365
_EARLIEST = datetime.min.replace(tzinfo=UTC)
LONGEST_BOOKING = timedelta(minutes=LONGEST_BOOKING_MINUTES)


class CalendarExportService:
    """Read-only: one transaction per call, a fixed number of queries whatever the size."""

    def __init__(self, context: ServiceContext, reads: Callable[[], Session] | None = None) -> None:
        """`reads` opens the session calls read in: by default the database's `reads` (the
        read replica, if there is one); the feed server passes one that covers a feed's
        change stamps."""
        self._reads = reads or context.database.reads
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
        with self._reads() as session:
            actor = row_records.load_actor(session, actor_username)
            if not actor.user.active:
                raise PermissionDenied(f"{actor_username} may not export calendars: deactivated")
            name, zone, where, full = self._scope(session, actor, scope)
            view = EventView(full, calendar.show_booker, calendar.show_project)
            reader = EventRowReader(session)
            rows = reader.read(
                where,
                Booking.starts_at < end,
                Booking.ends_at > start,
                # No booking outlasts LONGEST_BOOKING (the database refuses one), so this
                # bound lets the (instrument, starts_at) index skip the whole history
                # before the window instead of reading it to test ends_at.
                Booking.starts_at > start - LONGEST_BOOKING,
                or_(Booking.status.not_in(ENDED), Booking.updated_at > now - grace),
            )
            series_ids = {row.series_id for row in rows if row.series_id is not None}
            members: dict[int, list[EventRow]] = {}
            series: dict[int, SeriesRow] = {}
            if series_ids:
                for row in reader.read(Booking.series_id.in_(series_ids)):
                    members.setdefault(row.series_id or 0, []).append(row)
                series = read_series(session, series_ids)
        single = [
            row_event(row, view, f"booking {row.booking.booking_id}")
            for row in rows
            if row.series_id is None
        ]
        grouped: list[CalendarEvent] = []
        for series_id in sorted(series_ids):
            grouped += series_events(series[series_id], members[series_id], view, now, grace)
        everything = rows + [row for group in members.values() for row in group]
        leaves = min(
            (
                row.updated_at + grace
                for row in everything
                if row.status in ENDED and row.updated_at + grace > now
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


def _order(event: CalendarEvent) -> tuple[datetime, str, datetime]:
    """Masters before their overrides, everything by start: a stable order for stable bytes."""
    return (
        event.recurrence_id or event.starts_at,
        event.uid,
        event.recurrence_id or _EARLIEST,
    )

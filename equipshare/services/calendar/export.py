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

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument
from equipshare.domain.enums import LONGEST_BOOKING_MINUTES, ExportKind
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.scheduling.calendar import CalendarEvent, CalendarMeta, ExportScope
from equipshare.domain.rules.permissions import Actor
from equipshare.ical.export import render_calendar, render_event
from equipshare.services.calendar.event_reader import EventRowReader, read_series
from equipshare.services.calendar.event_rows import (
    ENDED,
    EventRow,
    EventView,
    SeriesRow,
    row_event,
    series_events,
)
from equipshare.services.calendar.feed_changes import everything_stamp, instrument_stamps
from equipshare.services.calendar.feed_text import Block, FeedPart, FeedTexts, event_order
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext

DEFAULT_DAYS_BACK = 30
DEFAULT_DAYS_AHEAD = 365
LONGEST_BOOKING = timedelta(minutes=LONGEST_BOOKING_MINUTES)
_FEW = 200  # instruments read again by id; more, and the scope's own filter is cheaper


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
        now, start, end, grace = self._window(start, end)
        with self._reads() as session:
            name, zone, where, view = self._open(session, actor_username, scope)
            reader = EventRowReader(session)
            rows = reader.read(where, *_in_window(start, end, now, grace))
            series_ids = {row.series_id for row in rows if row.series_id is not None}
            members, series = _series_of(session, reader, series_ids)
        single = [
            row_event(row, view, f"booking {row.booking.booking_id}")
            for row in rows
            if row.series_id is None
        ]
        grouped: list[CalendarEvent] = []
        for series_id in sorted(series_ids):
            grouped += series_events(series[series_id], members[series_id], view, now, grace)
        everything = rows + [row for group in members.values() for row in group]
        leaves = _first_to_leave(
            (row.updated_at for row in everything if row.status in ENDED), now, grace
        )
        events = tuple(sorted(single + grouped, key=event_order))
        meta = self._meta(name, zone, {event.timezone for event in events})
        return meta, events, leaves

    def feed_text(
        self,
        actor_username: str,
        scope: ExportScope,
        start: datetime,
        end: datetime,
        texts: FeedTexts,
    ) -> tuple[CalendarMeta, list[FeedPart], datetime | None]:
        """`events_and_expiry` as a feed serves it: each event's finished text, in order,
        rendered only for rows `texts` has not seen (the same bytes as `export`)."""
        now, start, end, grace = self._window(start, end)
        since = now - grace
        with self._reads() as session:
            name, zone, where, view = self._open(session, actor_username, scope)
            stamp = everything_stamp(session)
            reader = EventRowReader(session, texts.people(stamp))
            window = _in_window(start, end, now, grace)
            if scope.kind is ExportKind.USER:  # one person's bookings, on any instrument
                singles = texts.singles(reader, reader.raw(where, *window), view)
                parts, zones, series_ids = singles.parts, singles.zones, singles.series_ids
                ended = [part.ended_at for part in parts if part.ended_at is not None]
            else:  # a set of instruments: only those whose counter moved are read again
                stamps = instrument_stamps(session, where)
                kept_as = (view, start, end, stamp)
                blocks, stale = texts.blocks(stamps, kept_as)
                if stale:
                    narrow = (Booking.instrument_id.in_(stale),) if len(stale) <= _FEW else ()
                    rows = reader.raw(where, *narrow, *window)
                    blocks.update(texts.keep_blocks(reader, rows, view, stamps, kept_as, stale))
                parts, zones, series_ids, ended = _joined(blocks.values(), since)
            members, series = _series_of(session, reader, series_ids)
        grouped: list[CalendarEvent] = []
        for series_id in sorted(series_ids):
            grouped += series_events(series[series_id], members[series_id], view, now, grace)
        ended += [
            row.updated_at for group in members.values() for row in group if row.status in ENDED
        ]
        parts = parts + texts.series_parts(grouped)
        parts.sort(key=_part_order)
        meta = self._meta(name, zone, zones | {event.timezone for event in grouped})
        return meta, parts, _first_to_leave(ended, now, grace)

    def _window(
        self, start: datetime | None, end: datetime | None
    ) -> tuple[datetime, datetime, datetime, timedelta]:
        """Now, the window (30 days back and a year ahead unless given), and the grace period."""
        now = self._clock.now()
        start = _aware(start, "from") if start else now - timedelta(days=DEFAULT_DAYS_BACK)
        end = _aware(end, "to") if end else now + timedelta(days=DEFAULT_DAYS_AHEAD)
        if end <= start:
            raise InputError("the end of the window must be after its start", "to")
        return now, start, end, timedelta(days=self._settings.calendar.cancelled_grace_days)

    def _open(
        self, session: Session, actor_username: str, scope: ExportScope
    ) -> tuple[str, str, ColumnElement[bool], EventView]:
        """The calendar's name and zone, the bookings' filter and the view, once the actor
        is known to be active and allowed."""
        actor = row_records.load_actor(session, actor_username)
        if not actor.user.active:
            raise PermissionDenied(f"{actor_username} may not export calendars: deactivated")
        name, zone, where, full = self._scope(session, actor, scope)
        calendar = self._settings.calendar
        return name, zone, where, EventView(full, calendar.show_booker, calendar.show_project)

    def _meta(self, name: str, zone: str, zones: set[str]) -> CalendarMeta:
        return CalendarMeta(
            name=f"{name} · {self._settings.organisation.name}",
            timezone=zone,
            refresh_interval=timedelta(minutes=self._settings.calendar.refresh_minutes),
            timezones=tuple(sorted({zone} | zones)),
            description=f"equipshare bookings: {name}",
        )

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


def _in_window(
    start: datetime, end: datetime, now: datetime, grace: timedelta
) -> tuple[ColumnElement[bool], ...]:
    """Bookings overlapping the window, cancelled or rejected ones only within their grace."""
    return (
        Booking.starts_at < end,
        Booking.ends_at > start,
        # No booking outlasts LONGEST_BOOKING (the database refuses one), so this bound
        # lets the (instrument, starts_at) index skip the whole history before the
        # window instead of reading it to test ends_at.
        Booking.starts_at > start - LONGEST_BOOKING,
        or_(Booking.status.not_in(ENDED), Booking.updated_at > now - grace),
    )


def _series_of(
    session: Session, reader: EventRowReader, series_ids: set[int]
) -> tuple[dict[int, list[EventRow]], dict[int, SeriesRow]]:
    """Every booking of the given series (in the window or not), and the series' own rows."""
    members: dict[int, list[EventRow]] = {}
    if not series_ids:
        return members, {}
    for row in reader.read(Booking.series_id.in_(series_ids)):
        members.setdefault(row.series_id or 0, []).append(row)
    return members, read_series(session, series_ids)


def _first_to_leave(ended: Iterable[datetime], now: datetime, grace: timedelta) -> datetime | None:
    """The first moment after now when a cancelled or rejected booking's grace runs out."""
    return min((at + grace for at in ended if at + grace > now), default=None)


def _joined(
    blocks: Iterable[Block], since: datetime
) -> tuple[list[FeedPart], set[str], set[int], list[datetime]]:
    """Kept blocks as one feed's singles, zones, series and ended bookings, without what
    left since they were read (a cancellation whose grace ended before `since`)."""
    parts: list[FeedPart] = []
    zones: set[str] = set()
    series_ids: set[int] = set()
    ended: list[datetime] = []
    for block in blocks:
        shown = [part for part in block.parts if part.ended_at is None or part.ended_at > since]
        if shown:
            parts += shown
            zones.update([block.zone] if block.zone else [])
            ended += [part.ended_at for part in shown if part.ended_at is not None]
        series_ids.update(key for key, at in block.series if at is None or at > since)
    return parts, zones, series_ids, ended


def _part_order(part: FeedPart) -> tuple[datetime, str, datetime]:
    return part.order

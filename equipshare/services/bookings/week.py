"""WeekService: one instrument's week for the calendar, labelled as the viewer may see it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Institution, User
from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import (
    ACTIVE_BOOKING_STATUSES,
    LONGEST_BOOKING,
    BookingStatus,
    CalendarEntryKind,
    WaitlistStatus,
)
from equipshare.domain.errors import RefusedError
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.instruments.schedule import CalendarEntry, WeekView, reason_text
from equipshare.domain.records.scheduling.bookings import BookingEdit
from equipshare.domain.rules import policy_rules
from equipshare.domain.rules.permissions import Action, Actor, Target, require, sees_who_booked
from equipshare.services.bookings.checks import holds_training
from equipshare.services.bookings.holds import Waitlist
from equipshare.services.bookings.lifecycle import initial_status
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, tz: str) -> datetime:
    """Midnight starts every day in the zones we serve; ZoneInfo resolves it unambiguously."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(tz))


def booking_labels(
    actor: Actor, instrument: InstrumentRecord, owner: User, institution: Institution
) -> tuple[str, str]:
    """Short and full labels: staff see who, others only the institution (privacy policy)."""
    if owner.id == actor.id:
        return "You", "your booking"
    if sees_who_booked(actor, instrument.facility_id):
        return owner.username, f"{owner.display_name} ({owner.username}, {institution.name})"
    return f"Booked ({institution.code})", f"Booked ({institution.name})"


def booking_kind(actor: Actor, owner_id: int, status: BookingStatus) -> CalendarEntryKind:
    if owner_id == actor.id:
        return CalendarEntryKind.MINE
    if status is BookingStatus.PENDING:
        return CalendarEntryKind.PENDING
    return CalendarEntryKind.CONFIRMED


def technician_choices(
    session: Session, instrument: InstrumentRecord
) -> tuple[tuple[str, str], ...]:
    """(username, name) of who can assist a session on the instrument."""
    return tuple(
        (user.username, user.display_name)
        for user in row_records.facility_technicians(session, instrument.facility_id)
    )


def assisting_technician(technicians: tuple[tuple[str, str], ...], contact: str | None) -> str:
    """Who assists an untrained viewer by default: the instrument's contact technician when
    they can assist, else the first (by name); "" when the facility has none."""
    usernames = [username for username, _ in technicians]
    if contact in usernames:
        return str(contact)
    return usernames[0] if usernames else ""


class WeekService:
    """Read-only: the calendar grid's data in one transaction and four queries."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._waitlist = Waitlist(context)

    def week(self, actor_username: str, code: str, day: date | None = None) -> WeekView:
        """The local Monday-to-Monday week holding `day` (default: today) in the facility zone.

        A waitlist hold that ran out in the week is passed on first (one short write), so
        the viewer sees who holds the range now.
        """
        view, lapsed = self._read(actor_username, code, day)
        if not lapsed:
            return view
        with self._db.sessions.begin() as session:
            self._waitlist.pass_lapsed(session, row_records.load_instrument(session, code))
        return self._read(actor_username, code, day)[0]

    def _read(self, actor_username: str, code: str, day: date | None) -> tuple[WeekView, bool]:
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, code)
            tz = instrument.timezone
            if day is None:
                day = now.astimezone(ZoneInfo(tz)).date()
            monday = monday_of(day)
            start = local_midnight(monday, tz)
            end = local_midnight(monday + timedelta(days=7), tz)
            opened = [
                (max(a, start), min(b, end))
                for a, b in policy_rules.open_intervals(instrument.policy, tz, start, end)
                if a < end and b > start
            ]
            entries = self._bookings(session, actor, instrument, start, end)
            entries += self._downtime(session, instrument, start, end)
            holds, lapsed = self._holds(session, actor, instrument, start, end, now)
            entries += holds
            may_book, notice, untrained = self._bookability(session, actor, instrument, now)
            technicians = technician_choices(session, instrument)
            technician = ""
            if may_book and untrained:
                contact = instrument.contact_technician_id
                contact_name = (
                    row_records.user_by_id(session, contact).username if contact else None
                )
                technician = assisting_technician(technicians, contact_name)
        entries.sort(key=lambda entry: (entry.starts_at, entry.ends_at))
        view = WeekView(
            instrument=instrument,
            week_start=monday,
            starts_at=start,
            ends_at=end,
            now=now,
            open_intervals=tuple(opened),
            entries=tuple(entries),
            may_book=may_book,
            notice=notice,
            technicians=technicians,
            technician=technician,
        )
        return view, lapsed

    def edit(self, actor_username: str, booking_id: int) -> BookingEdit:
        """A booking with what the form needs to move it; only those who may change it."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            row = row_records.load_booking(session, booking_id)
            instrument = row_records.load_instrument(session, row.instrument.code)
            require(actor, Action.MODIFY_BOOKING, Target.of(instrument, row.user_id))
            technician = (
                row_records.user_by_id(session, row.technician_id).username
                if row.technician_id is not None
                else None
            )
            return BookingEdit(
                booking=row_records.booking_record(row),
                instrument_name=instrument.name,
                timezone=instrument.timezone,
                technician_username=technician,
                technicians=technician_choices(session, instrument),
            )

    @staticmethod
    def _bookings(
        session: Session, actor: Actor, instrument: InstrumentRecord, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        rows = session.execute(
            select(Booking, User, Institution)
            .join(User, Booking.user_id == User.id)
            .join(Institution, User.institution_id == Institution.id)
            .where(
                Booking.instrument_id == instrument.id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.starts_at < end,
                Booking.ends_at > start,
                Booking.starts_at > start - LONGEST_BOOKING,  # reads only what could overlap
            )
        ).all()
        entries = []
        for booking, owner, institution in rows:
            label, detail = booking_labels(actor, instrument, owner, institution)
            if booking.status is BookingStatus.PENDING:
                detail += ", waiting for approval"
            entries.append(
                CalendarEntry(
                    kind=booking_kind(actor, owner.id, booking.status),
                    starts_at=booking.starts_at,
                    ends_at=booking.ends_at,
                    label=label,
                    detail=detail,
                    booking_id=booking.id,
                )
            )
        return entries

    @staticmethod
    def _downtime(
        session: Session, instrument: InstrumentRecord, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        rows = session.scalars(
            select(Downtime).where(
                Downtime.instrument_id == instrument.id,
                Downtime.starts_at < end,
                Downtime.ends_at > start,
            )
        ).all()
        return [
            CalendarEntry(
                kind=CalendarEntryKind.DOWNTIME,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                label=row.reason.value.replace("_", " "),
                detail=reason_text(row.reason, row.description),
            )
            for row in rows
        ]

    @staticmethod
    def _holds(
        session: Session,
        actor: Actor,
        instrument: InstrumentRecord,
        start: datetime,
        end: datetime,
        now: datetime,
    ) -> tuple[list[CalendarEntry], bool]:
        """Ranges held off the waitlist: the holder's to book, taken for everyone else.

        Also says whether a hold in the week ran out and waits to be passed on.
        """
        rows = session.execute(
            select(WaitlistEntry, User)
            .join(User, WaitlistEntry.user_id == User.id)
            .where(
                WaitlistEntry.instrument_id == instrument.id,
                WaitlistEntry.status == WaitlistStatus.OFFERED,
                WaitlistEntry.hold_expires_at.is_not(None),
                WaitlistEntry.starts_at < end,
                WaitlistEntry.ends_at > start,
            )
        )
        entries, lapsed = [], False
        tz = instrument.timezone
        for hold, holder in rows:
            until = hold.hold_expires_at
            assert until is not None  # filtered above
            if until <= now:
                lapsed = True
                continue
            local = until.astimezone(ZoneInfo(tz))
            at = f"{local:%H:%M} {local.tzname()}"
            if holder.id == actor.id:
                kind, label = CalendarEntryKind.HELD, "Held for you"
                detail = f"held for you until {at}: Enter books it"
            else:
                kind, label = CalendarEntryKind.CONFIRMED, "Held"
                who = (
                    f" for {holder.username}"
                    if sees_who_booked(actor, instrument.facility_id)
                    else ""
                )
                detail = f"held{who} off the waitlist until {at}"
            entries.append(CalendarEntry(kind, hold.starts_at, hold.ends_at, label, detail))
        return entries, lapsed

    @staticmethod
    def _bookability(
        session: Session, actor: Actor, instrument: InstrumentRecord, now: datetime
    ) -> tuple[bool, str, bool]:
        """Whether the viewer may book at all, what they should know before trying, and
        whether they need a technician to assist (no current training)."""
        try:
            policy_rules.check_status(instrument)
            policy_rules.check_access(actor.user, instrument)
        except RefusedError as refusal:
            return False, str(refusal), False
        if instrument.policy.requires_training and not holds_training(
            session, actor.id, instrument.id, now
        ):
            return (
                True,
                f"You have no current training on {instrument.code}: book an assisted "
                f"session with a technician, or ask {instrument.facility_name} for training",
                True,
            )
        if initial_status(actor, actor.user, instrument) is BookingStatus.PENDING:
            return True, f"Your bookings on {instrument.code} wait for a manager's approval", False
        return True, "", False

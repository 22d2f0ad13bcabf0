"""WaitlistService: join the line for a taken range, leave it, see where you stand, and
book a range held for you; holds that ran out are passed on (see holds.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument
from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import WaitlistStatus
from equipshare.domain.errors import ConflictError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.bookings import BookingRecord, BookingRequest
from equipshare.domain.records.scheduling.waitlist import WaitlistEntryRecord
from equipshare.domain.rules import policy_rules
from equipshare.domain.rules.permissions import Action, Actor, Target, require
from equipshare.domain.rules.policy_rules import as_utc, describe_range, describe_time
from equipshare.services.bookings.conflicts import check_conflicts
from equipshare.services.bookings.holds import IN_LINE, Waitlist
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.proposal import Proposal
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext


class WaitlistService:
    """Queue for taken ranges; the first in line is offered a freed range and holds it."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._waitlist = Waitlist(context)
        self._bookings = BookingService(context)
        #: The longest a freed range is held for the first in line (less near its notice).
        self.hold_minutes = context.settings.booking.waitlist_hold_minutes

    def join(
        self, actor_username: str, instrument_code: str, start: datetime, end: datetime
    ) -> WaitlistEntryRecord:
        """Queue the actor for a taken range of an instrument they may book.

        Refused, naming the field: a range they could book now (free), one they already
        wait for or hold, one they booked themselves, or one no booking could take (off the
        grid, too long or short, too soon, too far ahead, outside opening hours).
        """
        start, end = as_utc(start, "start"), as_utc(end, "end")
        self._pass_lapsed(instrument_code)
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, instrument_code, lock=True)
            require(actor, Action.BOOK, Target.of(instrument))
            policy_rules.check_status(instrument)
            policy_rules.check_access(actor.user, instrument)
            now = self._clock.now()
            _check_bookable_range(instrument, start, end, now)
            self._refuse_duplicate(session, actor, instrument, start, end)
            self._refuse_free(session, actor, instrument, start, end, now)
            entry = WaitlistEntry(
                instrument_id=instrument.id,
                user_id=actor.id,
                starts_at=start,
                ends_at=end,
                status=WaitlistStatus.WAITING,
                created_at=now,
            )
            session.add(entry)
            session.flush()
            record_audit(
                session,
                actor_id=actor.id,
                action="waitlist.join",
                entity_type="waitlist_entry",
                entity_id=entry.id,
                at=now,
                after={"instrument_id": instrument.id, "starts_at": start, "ends_at": end},
            )
            return entry_record(session, entry, instrument, actor.user.username, now)

    def _refuse_duplicate(
        self,
        session: Session,
        actor: Actor,
        instrument: InstrumentRecord,
        start: datetime,
        end: datetime,
    ) -> None:
        tz = instrument.timezone
        for entry in self._waitlist.entries_of(session, actor.id, instrument, start, end):
            when = describe_range(entry.starts_at, entry.ends_at, tz)
            if entry.status is WaitlistStatus.OFFERED and entry.hold_expires_at is not None:
                raise RefusedError(
                    f"{instrument.code} {when} is held for you until "
                    f"{describe_time(entry.hold_expires_at, tz)}: book it (waitlist entry "
                    f"{entry.id})",
                    "start",
                )
            raise RefusedError(
                f"you are already waiting for {instrument.code} {when} (waitlist entry "
                f"{entry.id}); leave that entry first to wait for another range",
                "start",
            )

    @staticmethod
    def _refuse_free(
        session: Session,
        actor: Actor,
        instrument: InstrumentRecord,
        start: datetime,
        end: datetime,
        now: datetime,
    ) -> None:
        when = describe_range(start, end, instrument.timezone)
        try:
            check_conflicts(session, Proposal(actor.user, instrument, start, end), now)
        except ConflictError as taken:
            if taken.booking_id is None:
                return
            owner = session.scalar(select(Booking.user_id).where(Booking.id == taken.booking_id))
            if owner == actor.id:
                raise RefusedError(
                    f"you have booked {instrument.code} {when} yourself "
                    f"(booking {taken.booking_id})",
                    "start",
                ) from None
            return
        raise RefusedError(
            f"{instrument.code} is free {when}: book it instead of joining its waitlist", "start"
        )

    def leave(self, actor_username: str, entry_id: int) -> WaitlistEntryRecord:
        """Take the actor out of line; a range held for them goes to the next in line."""
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            entry, instrument = self._own_entry(session, actor, entry_id)
            now = self._clock.now()
            if entry.status not in IN_LINE:
                raise RefusedError(
                    f"waitlist entry {entry.id} is {entry.status.value}; only an entry still "
                    "waiting or held can be left",
                    "entry",
                )
            holding = entry.status is WaitlistStatus.OFFERED
            self._waitlist.end(session, entry, WaitlistStatus.WITHDRAWN, "left", actor.id)
            if holding:
                self._waitlist.offer(session, instrument, entry.starts_at, entry.ends_at)
            return entry_record(session, entry, instrument, actor.user.username, now)

    def accept(
        self,
        actor_username: str,
        entry_id: int,
        *,
        purpose: str = "",
        project_code: str | None = None,
        technician_username: str | None = None,
    ) -> BookingRecord:
        """Book the range held for the actor, through every booking rule, while it is held.

        The instrument is locked before the entry is read, so of two tries at once exactly
        one books it; the other finds it accepted, or the range taken.
        """
        self._pass_lapsed(self._instrument_of(entry_id))
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            entry, instrument = self._own_entry(session, actor, entry_id)
            tz = instrument.timezone
            when = describe_range(entry.starts_at, entry.ends_at, tz)
            if entry.status is not WaitlistStatus.OFFERED or entry.hold_expires_at is None:
                why = {
                    WaitlistStatus.WAITING: "it is not free yet; you are still in line",
                    WaitlistStatus.ACCEPTED: "you have booked it already",
                    WaitlistStatus.WITHDRAWN: "you left its waitlist",
                }.get(entry.status, "your hold on it ran out and it passed to the next in line")
                raise RefusedError(f"{instrument.code} {when} is not held for you: {why}", "entry")
            request = BookingRequest(
                instrument.code,
                entry.starts_at,
                entry.ends_at,
                purpose,
                project_code,
                technician_username,
            )
            row = self._bookings.create_in(session, actor, instrument, request, False)
            return row_records.booking_record(row)

    def _pass_lapsed(self, instrument_code: str | None) -> None:
        """Pass on the instrument's lapsed holds in a transaction of their own, so that a
        refusal afterwards (the late holder's, say) does not undo the passing."""
        if instrument_code is None:
            return
        with self._db.sessions.begin() as session:
            instrument = row_records.load_instrument(session, instrument_code)
            self._waitlist.pass_lapsed(session, instrument)

    def _instrument_of(self, entry_id: int) -> str | None:
        with self._db.readonly() as session:
            return session.scalar(
                select(Instrument.code)
                .join(WaitlistEntry, WaitlistEntry.instrument_id == Instrument.id)
                .where(WaitlistEntry.id == entry_id)
            )

    def _own_entry(
        self, session: Session, actor: Actor, entry_id: int
    ) -> tuple[WaitlistEntry, InstrumentRecord]:
        """The actor's entry, read afresh after its instrument is locked."""
        entry = session.get(WaitlistEntry, entry_id)
        if entry is None:
            raise NotFound(f"no waitlist entry {entry_id}", "entry")
        if entry.user_id != actor.id:
            raise PermissionDenied(
                f"waitlist entry {entry_id} is not yours; only its user may change it", "entry"
            )
        code = session.scalars(
            select(Instrument.code).where(Instrument.id == entry.instrument_id)
        ).one()
        instrument = row_records.load_instrument(session, code, lock=True)
        session.refresh(entry)  # the lock may have waited on a writer that changed it
        return entry, instrument

    def mine(self, actor_username: str, *, ended: bool = False) -> list[WaitlistEntryRecord]:
        """The actor's entries still in line (with `ended`, every one), soonest range first."""
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            query = (
                select(WaitlistEntry, Instrument.code)
                .join(Instrument, Instrument.id == WaitlistEntry.instrument_id)
                .where(WaitlistEntry.user_id == actor.id)
            )
            if not ended:
                query = query.where(WaitlistEntry.status.in_(IN_LINE), WaitlistEntry.ends_at > now)
            rows = session.execute(query.order_by(WaitlistEntry.starts_at, WaitlistEntry.id))
            instruments: dict[str, InstrumentRecord] = {}
            records = []
            for entry, code in rows:
                if code not in instruments:
                    instruments[code] = row_records.load_instrument(session, code)
                records.append(
                    entry_record(session, entry, instruments[code], actor.user.username, now)
                )
            return records

    def pass_lapsed_holds(self, actor_username: str) -> int:
        """Pass on every hold that ran out, on every instrument; `equipshare notify` runs it.

        Holds are also passed on lazily by whoever touches the instrument next; this is for
        the instruments nobody touches, so the next in line hears in good time. It does only
        what time already decided, so any user may run it, as any week read does.
        """
        with self._db.sessions.begin() as session:
            row_records.load_actor(session, actor_username)
            now = self._clock.now()
            codes = session.scalars(
                select(Instrument.code)
                .join(WaitlistEntry, WaitlistEntry.instrument_id == Instrument.id)
                .where(
                    WaitlistEntry.status == WaitlistStatus.OFFERED,
                    WaitlistEntry.hold_expires_at <= now,
                )
                .distinct()
                .order_by(Instrument.code)
            ).all()
            return sum(
                self._waitlist.pass_lapsed(session, row_records.load_instrument(session, code))
                for code in codes
            )


def _check_bookable_range(
    instrument: InstrumentRecord, start: datetime, end: datetime, now: datetime
) -> None:
    """Rule 4 as a booking made now meets it, but for the project code, asked at booking."""
    policy_rules.check_shape(instrument, start, end)
    policy_rules.check_timing(instrument, start, now)
    try:
        policy_rules.check_fit(instrument, start, end, None)
    except RefusedError as refusal:
        if refusal.field != "project_code":
            raise


def entry_record(
    session: Session,
    entry: WaitlistEntry,
    instrument: InstrumentRecord,
    username: str,
    now: datetime,
) -> WaitlistEntryRecord:
    """The entry as its user sees it: a hold that ran out shows as expired (it passes on
    soon), with its place among those in line for an overlapping range."""
    status, held_until = entry.status, entry.hold_expires_at
    if status is WaitlistStatus.OFFERED and (held_until is None or held_until <= now):
        status, held_until = WaitlistStatus.EXPIRED, None  # ran out; passed on soon
    if status is not WaitlistStatus.OFFERED:
        held_until = None
    position = 0
    if status in IN_LINE:
        ahead = session.scalar(
            select(func.count())
            .select_from(WaitlistEntry)
            .where(
                WaitlistEntry.instrument_id == entry.instrument_id,
                WaitlistEntry.status.in_(IN_LINE),
                WaitlistEntry.starts_at < entry.ends_at,
                WaitlistEntry.ends_at > entry.starts_at,
                tuple_(WaitlistEntry.created_at, WaitlistEntry.id)
                < tuple_(entry.created_at, entry.id),
            )
        )
        position = int(ahead or 0) + 1
    return WaitlistEntryRecord(
        id=entry.id,
        username=username,
        instrument_code=instrument.code,
        instrument_name=instrument.name,
        timezone=instrument.timezone,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        status=status,
        joined_at=entry.created_at,
        position=position,
        held_until=held_until,
    )

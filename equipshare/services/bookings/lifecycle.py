"""Booking life cycle: book, modify, cancel, approve, reject. One transaction per call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus, NotificationKind
from equipshare.domain.errors import NotFound, RefusedError
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.bookings import BookingRecord, BookingRequest
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Action, Actor, Target, require
from equipshare.domain.rules.policy_rules import as_utc, check_access, describe_range
from equipshare.services.bookings.checks import check_all, check_training, lock_rows
from equipshare.services.bookings.conflicts import Conflicts, conflicts_query
from equipshare.services.bookings.create import create_booking
from equipshare.services.bookings.create import initial_status as initial_status
from equipshare.services.bookings.create import translating_overlaps as translating_overlaps
from equipshare.services.bookings.holds import Waitlist, probe_owner
from equipshare.services.bookings.notices import announce, tell_owner
from equipshare.services.bookings.proposal import Proposal
from equipshare.services.charging import pricing
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import booking_snapshot, record_audit
from equipshare.services.plumbing.context import ServiceContext

_UNSET = object()
END_ACTIONS = {
    BookingStatus.CANCELLED: Action.CANCEL_BOOKING,
    BookingStatus.CONFIRMED: Action.APPROVE_BOOKING,
    BookingStatus.REJECTED: Action.REJECT_BOOKING,
}
DECIDABLE = (BookingStatus.PENDING,)
CANCELLABLE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
AUDIT_ACTIONS = {
    BookingStatus.CANCELLED: "booking.cancel",
    BookingStatus.CONFIRMED: "booking.approve",
    BookingStatus.REJECTED: "booking.reject",
}


def lock_booking(session: Session, booking_id: int) -> tuple[Booking, InstrumentRecord]:
    """Lock the booking's instrument, then read the booking afresh.

    Every writer locks the instrument before touching its bookings, so writers queue in
    one order (no deadlocks) and nobody decides on a state another writer is changing.
    """
    instrument_id = session.scalar(select(Booking.instrument_id).where(Booking.id == booking_id))
    if instrument_id is None:
        raise NotFound(f"no booking {booking_id}", "booking")
    lock_rows(session, instrument_id, None)
    row = row_records.load_booking(session, booking_id)
    session.refresh(row)  # the lock may have waited on a writer that changed it
    return row, row_records.load_instrument(session, row.instrument.code)


def still_allowed(session: Session, row: Booking, instrument: InstrumentRecord) -> None:
    """Rules 2 and 3 again, at approval: they yield to no override, and an access level
    tightened or a training revoked since the request must not be confirmed past."""
    user = row_records.user_record(row.user)
    check_access(user, instrument)
    technician = row_records.user_by_id(session, row.technician_id) if row.technician_id else None
    proposal = Proposal(user, instrument, row.starts_at, row.ends_at, row.project_code, technician)
    check_training(session, proposal)


class BookingService:
    """Decides whether a booking may exist, and keeps the audit trail and outbox in step."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        #: Offers freed ranges to the waitlist and keeps its holds (services/bookings/holds.py).
        self.waitlist = Waitlist(context)

    # -- creating ---------------------------------------------------------------------

    def book(
        self, actor_username: str, request: BookingRequest, *, override_policy: bool = False
    ) -> BookingRecord:
        """Create one booking, or refuse with the first rule it breaks.

        Waitlist holds on the instrument that ran out are first passed on in a transaction
        of their own (rare), so that a refusal here does not undo the passing.
        """
        with self._db.sessions.begin() as session:
            code = request.instrument_code
            actor, instrument = row_records.load_actor_and_instrument(session, actor_username, code)
            now = self._clock.now()
            # Rule 6's first read goes along with the probe (one round trip on PostgreSQL)
            # when the booking is the actor's own, with no technician to check besides.
            owner_id, span = probe_owner(actor, request)
            ahead = None
            if owner_id is not None and span is not None and not request.technician_username:
                proposal = Proposal(actor.user, instrument, *span, request.project_code)
                ahead = conflicts_query(proposal, now)
            waiting, found = self.waitlist.probe(
                session, instrument, actor, request, *([ahead] if ahead else [])
            )
            if not waiting.lapsed:
                conflicts = None
                if found and span is not None:
                    conflicts = Conflicts(actor.id, *span, found[0].all())
                made = create_booking(
                    session,
                    actor,
                    instrument,
                    request,
                    override_policy,
                    now,
                    instrument_locked=True,
                    actor_rates=waiting.rates,
                    conflicts=conflicts,
                )
                if not waiting.nothing_to_take(made.user_id, made.starts_at, made.ends_at):
                    self.waitlist.taken(
                        session, made.user_id, instrument, made.starts_at, made.ends_at
                    )
                self._announce(session, made, instrument, made.status)
                return made
            self.waitlist.pass_lapsed(session, instrument)
        return self.book(actor_username, request, override_policy=override_policy)

    def create_in(
        self,
        session: Session,
        actor: Actor,
        instrument: InstrumentRecord,
        request: BookingRequest,
        override_policy: bool,
        *,
        series_id: int | None = None,
    ) -> Booking:
        """Check and insert inside the caller's transaction (series reuse this)."""
        self.waitlist.pass_lapsed(session, instrument)
        made = create_booking(
            session,
            actor,
            instrument,
            request,
            override_policy,
            self._clock.now(),
            series_id=series_id,
        )
        self.waitlist.taken(session, made.user_id, instrument, made.starts_at, made.ends_at)
        self._announce(session, made, instrument, made.status)
        return session.get_one(Booking, made.id)

    def announce_move_in(
        self, session: Session, row: Booking, instrument: InstrumentRecord
    ) -> None:
        """Announce a moved booking's new times (series moves reuse this): the notices
        about the old times go stale, and a move that needs approval asks again."""
        self._announce(session, row_records.booking_record(row), instrument, row.status)

    def _announce(
        self,
        session: Session,
        booking: BookingRecord,
        instrument: InstrumentRecord,
        status: BookingStatus,
    ) -> None:
        announce(session, self._clock, booking, instrument, status)

    # -- changing ---------------------------------------------------------------------

    def modify(
        self,
        actor_username: str,
        booking_id: int,
        *,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        purpose: str | None = None,
        project_code: str | None = None,
        technician_username: str | object | None = _UNSET,
        override_policy: bool = False,
    ) -> BookingRecord:
        """Change a booking; every rule is checked again and its sequence rises."""
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            row, instrument = lock_booking(session, booking_id)
            require(actor, Action.MODIFY_BOOKING, Target.of(instrument, row.user_id))
            if override_policy:
                require(actor, Action.OVERRIDE_POLICY, Target.of(instrument))
            if not row.status.holds_slot:
                raise RefusedError(f"booking {row.id} is {row.status.value} and cannot change")
            user = row_records.user_record(row.user)
            technician: UserRecord | None
            if technician_username is _UNSET:
                technician = None
                if row.technician_id is not None:
                    technician = row_records.user_by_id(session, row.technician_id)
            elif technician_username is None:
                technician = None
            else:
                technician = row_records.load_user(session, str(technician_username))
            new_start = as_utc(starts_at, "start") if starts_at else row.starts_at
            new_end = as_utc(ends_at, "end") if ends_at else row.ends_at
            new_code = row.project_code if project_code is None else project_code
            lock_rows(session, instrument.id, technician.id if technician else None)
            self.waitlist.pass_lapsed(session, instrument)
            before = booking_snapshot(row)
            overridden = check_all(
                session,
                Proposal(user, instrument, new_start, new_end, new_code, technician, (row.id,)),
                self._clock.now(),
                override_policy=override_policy,
            )
            freed = (row.starts_at, row.ends_at)
            moved = (new_start, new_end) != freed or (technician.id if technician else None) != (
                row.technician_id
            )
            row.starts_at, row.ends_at = new_start, new_end
            row.project_code = new_code or None
            row.technician_id = technician.id if technician else None
            if purpose is not None:
                row.purpose = purpose
            if moved and row.status is BookingStatus.CONFIRMED:
                # A moved booking that needed approval needs it again, unless staff moved it.
                row.status = initial_status(actor, user, instrument)
            pricing.apply_charge(row, pricing.booked_charge(row))  # rates stay frozen
            row.sequence += 1
            row.updated_at = self._clock.now()
            with translating_overlaps(instrument.code):
                session.flush()
            after = booking_snapshot(row) | ({"overridden": overridden} if overridden else {})
            record_audit(
                session,
                actor_id=actor.id,
                action="booking.modify",
                entity_type="booking",
                entity_id=row.id,
                at=self._clock.now(),
                before=before,
                after=after,
            )
            record = row_records.booking_record(row)
            if moved:
                # The notices about the old times go stale; these announce the new ones.
                self._announce(session, record, instrument, row.status)
                self.waitlist.taken(session, row.user_id, instrument, new_start, new_end)
                self.waitlist.offer(session, instrument, *freed)
            return record

    def cancel(self, actor_username: str, booking_id: int, reason: str = "") -> BookingRecord:
        """Cancel a pending or confirmed booking; the row stays, with its reason."""
        return self._end(actor_username, booking_id, BookingStatus.CANCELLED, reason)

    def approve(self, actor_username: str, booking_id: int, reason: str = "") -> BookingRecord:
        """Confirm a pending booking (facility staff)."""
        return self._end(actor_username, booking_id, BookingStatus.CONFIRMED, reason)

    def reject(self, actor_username: str, booking_id: int, reason: str) -> BookingRecord:
        """Refuse a pending booking, with a reason the requester will read (facility staff)."""
        if not reason.strip():
            raise RefusedError("a rejection needs a reason the requester can act on", "reason")
        return self._end(actor_username, booking_id, BookingStatus.REJECTED, reason)

    def _end(
        self, actor_username: str, booking_id: int, status: BookingStatus, reason: str
    ) -> BookingRecord:
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            row, instrument = lock_booking(session, booking_id)
            if status is BookingStatus.CANCELLED and row.ends_at <= self._clock.now():
                raise RefusedError(
                    f"booking {row.id} has already ended "
                    f"({describe_range(row.starts_at, row.ends_at, instrument.timezone)}); "
                    "it cannot be cancelled"
                )
            self.finish_in(session, actor, row, instrument, status, reason)
            return row_records.booking_record(row)

    def finish_in(
        self,
        session: Session,
        actor: Actor,
        row: Booking,
        instrument: InstrumentRecord,
        status: BookingStatus,
        reason: str,
        *,
        kind: NotificationKind | None = None,
        offer_waitlist: bool = True,
    ) -> None:
        """Cancel, approve or reject a locked booking inside the caller's transaction.

        The one path for single bookings, series occurrences and downtime: permission,
        state check, price (a late fee, or free), audit, the owner's notification and the
        waitlist offer.
        """
        action = END_ACTIONS[status]
        require(actor, action, Target.of(instrument, row.user_id))
        wanted = DECIDABLE if action is not Action.CANCEL_BOOKING else CANCELLABLE
        if row.status not in wanted:
            verb = "cancelled" if status is BookingStatus.CANCELLED else "decided"
            raise RefusedError(
                f"booking {row.id} is {row.status.value}; only "
                f"{' or '.join(s.value for s in wanted)} bookings can be {verb}"
            )
        now = self._clock.now()
        if status is BookingStatus.CONFIRMED:
            if row.ends_at <= now:
                when = describe_range(row.starts_at, row.ends_at, instrument.timezone)
                raise RefusedError(
                    f"booking {row.id} ({when}) is over: a request cannot be approved once "
                    "its time has passed; reject it, and the requester can ask for a new time"
                )
            still_allowed(session, row, instrument)
        before = booking_snapshot(row)
        row.status = status
        row.status_reason = reason or None
        row.sequence += 1
        row.updated_at = now
        if action is not Action.CANCEL_BOOKING:
            row.decided_by_id, row.decided_at = actor.id, now
        by_downtime = kind is NotificationKind.CANCELLED_BY_DOWNTIME
        pricing.price_decision(
            session, actor, row, instrument, status, now=now, by_downtime=by_downtime
        )
        session.flush()
        record_audit(
            session,
            actor_id=actor.id,
            action=AUDIT_ACTIONS[status],
            entity_type="booking",
            entity_id=row.id,
            at=now,
            before=before,
            after=booking_snapshot(row),
        )
        tell_owner(session, self._clock, row, instrument, status, actor, reason, kind)
        if offer_waitlist and not status.holds_slot:
            self.waitlist.offer(session, instrument, row.starts_at, row.ends_at)

    # -- reading ----------------------------------------------------------------------

    def get(self, actor_username: str, booking_id: int) -> BookingRecord:
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            row = row_records.load_booking(session, booking_id)
            instrument = row_records.load_instrument(session, row.instrument.code)
            require(actor, Action.VIEW_BOOKING, Target.of(instrument, row.user_id))
            return row_records.booking_record(row)

"""Recurring series: book, cancel and move the occurrences of a daily or weekly RRULE."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from functools import partial
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking, BookingSeries
from equipshare.domain.enums import ACTIVE_BOOKING_STATUSES, BookingStatus
from equipshare.domain.errors import (
    ConflictError,
    InputError,
    NotFound,
    PermissionDenied,
    RefusedError,
)
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.bookings import (
    BookingRecord,
    BookingRequest,
    RecurrenceRule,
    SeriesResult,
    SkippedOccurrence,
)
from equipshare.domain.rules.permissions import Action, Actor, Target, require
from equipshare.domain.rules.policy_rules import describe_range
from equipshare.domain.time.recurrence import (
    Range,
    occurrences,
    rrule_text,
)
from equipshare.services.bookings.checks import check_all, lock_rows
from equipshare.services.bookings.lifecycle import (
    BookingService,
    initial_status,
    translating_overlaps,
)
from equipshare.services.bookings.proposal import Proposal
from equipshare.services.charging import pricing
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import booking_snapshot, record_audit
from equipshare.services.plumbing.context import ServiceContext

Scope = Literal["this", "following", "all"]


def _refusal_at(refusal: RefusedError, occurrence: str) -> RefusedError:
    """The same kind of refusal, reworded to say which occurrence it concerns."""
    message = f"{occurrence}: {refusal}"
    if isinstance(refusal, ConflictError):
        return ConflictError(message, refusal.field, refusal.booking_id)
    return type(refusal)(message, refusal.field)


def _audit(
    session: Session, actor: Actor, action: str, row: Booking, before: dict[str, Any], now: datetime
) -> None:
    record_audit(
        session,
        actor_id=actor.id,
        action=action,
        entity_type="booking",
        entity_id=row.id,
        at=now,
        before=before,
        after=booking_snapshot(row),
    )


def apply_order(moves: Sequence[tuple[Booking, Range]]) -> list[tuple[Booking, Range]]:
    """Order moves so no row lands on a sibling's old range before that sibling has left.

    PostgreSQL checks the exclusion constraint row by row, so the order of UPDATEs matters.
    """
    pending, ordered = list(moves), []

    def blocked(move: tuple[Booking, Range]) -> bool:
        (start, end), others = move[1], (row for row, _ in pending if row is not move[0])
        return any(start < row.ends_at and end > row.starts_at for row in others)

    while pending:
        # A cycle cannot come from one wall-clock shift; if one does, let the checks speak.
        ready = [move for move in pending if not blocked(move)] or pending[:1]
        ordered += ready
        pending = [move for move in pending if all(move is not done for done in ready)]
    return ordered


class SeriesService:
    """Recurring bookings: each occurrence is a booking checked by every rule, linked to a series.

    Editing "this and following" keeps one series rather than splitting it RFC 5545 style:
    each occurrence is already a booking with its own UID, SEQUENCE and RECURRENCE-ID
    (`recurrence_start`, the slot the rule made), so a moved one is an overridden instance
    and the RRULE keeps the pattern as booked. One series also means "cancel all" still
    reaches every occurrence and no COUNT needs renumbering. Every edit bumps its sequence.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._bookings = BookingService(context)

    def book_series(
        self,
        actor_username: str,
        request: BookingRequest,
        rule: RecurrenceRule,
        *,
        skip_conflicts: bool = False,
        override_policy: bool = False,
    ) -> SeriesResult:
        """All occurrences or none; skip_conflicts books what fits. A missing right refuses all."""
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, request.instrument_code)
            tz = instrument.timezone
            slots = occurrences(request.starts_at, request.ends_at, rule, tz)
            owner = actor.user.id  # create_in checks every other right per occurrence
            if request.on_behalf_of and request.on_behalf_of != actor.user.username:
                require(actor, Action.BOOK_ON_BEHALF, Target.of(instrument))
                owner = row_records.load_user(session, request.on_behalf_of).id
            now = self._clock.now()
            series = BookingSeries(
                instrument_id=instrument.id,
                user_id=owner,
                rrule=rrule_text(rule, tz),
                first_start=slots[0][0],
                ical_uid=f"series-{uuid.uuid4()}@equipshare",
                sequence=0,
                created_at=now,
                updated_at=now,
            )
            session.add(series)
            session.flush()
            create = partial(self._bookings.create_in, session, actor, instrument)
            booked: list[Booking] = []
            skipped: list[SkippedOccurrence] = []
            for n, (start, end) in enumerate(slots, 1):
                occurrence = replace(request, starts_at=start, ends_at=end)
                try:
                    # A savepoint per occurrence, so a refused one leaves nothing behind.
                    with session.begin_nested():
                        booked.append(create(occurrence, override_policy, series_id=series.id))
                except (PermissionDenied, NotFound):
                    raise
                except RefusedError as refusal:
                    if not skip_conflicts:
                        which = f"occurrence {n} of {len(slots)}, {describe_range(start, end, tz)}"
                        raise _refusal_at(refusal, which) from refusal
                    skipped.append(SkippedOccurrence(start, end, str(refusal)))
            if not booked:
                raise RefusedError(
                    f"{_none_of(len(slots))} could be booked; "
                    f"the first was refused: {skipped[0].reason}"
                )
            record_audit(
                session,
                actor_id=actor.id,
                action="series.create",
                entity_type="booking_series",
                entity_id=series.id,
                at=now,
                after={
                    "instrument_id": instrument.id,
                    "user_id": owner,
                    "rrule": series.rrule,
                    "first_start": series.first_start,
                    "booking_ids": [row.id for row in booked],
                    "skipped": [{"starts_at": s.starts_at, "reason": s.reason} for s in skipped],
                },
            )
            return SeriesResult(
                series_id=series.id,
                rrule=series.rrule,
                bookings=tuple(row_records.booking_record(row) for row in booked),
                skipped=tuple(skipped),
            )

    def cancel_occurrences(
        self, actor_username: str, booking_id: int, *, scope: Scope, reason: str
    ) -> list[BookingRecord]:
        """Cancel this occurrence, this and every later one, or all of the series.

        "following" and "all" take the active occurrences that have not yet ended, so a
        series cancelled mid-term leaves its past sessions as they happened.
        """
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            row, instrument = self._load_locked(session, booking_id)
            rows = self._in_scope(session, row, scope, "cancelled")
            for each in rows:
                self._bookings.finish_in(
                    session, actor, each, instrument, BookingStatus.CANCELLED, reason
                )
            self._touch_series(session, actor, "series.cancel", scope, rows)
            return [row_records.booking_record(each) for each in rows]

    def modify_occurrences(
        self,
        actor_username: str,
        booking_id: int,
        *,
        scope: Scope,
        new_start_time: time | None = None,
        new_length: timedelta | None = None,
        purpose: str | None = None,
    ) -> list[BookingRecord]:
        """Move this occurrence, this and every later one, or all that have not yet ended,
        to a new local start time and length.

        Each keeps its own local date; every rule is checked again for each, and one
        refusal changes nothing. A confirmed booking that needs approval needs it again
        once moved, unless facility staff moved it, as for a single booking.
        """
        if new_start_time is None and new_length is None and purpose is None:
            raise InputError("nothing to change: give a new start time, length or purpose")
        if new_start_time is not None and new_start_time.tzinfo is not None:
            raise InputError("the new start time is a local wall-clock time, without a zone")
        if new_length is not None and new_length <= timedelta(0):
            raise InputError("the new length must be positive", "length")
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            row, instrument = self._load_locked(session, booking_id)
            rows = self._in_scope(session, row, scope, "changed")
            tz = instrument.timezone
            zone = ZoneInfo(tz)
            moves: list[tuple[Booking, Range]] = []
            for each in rows:
                start = each.starts_at
                if new_start_time is not None:
                    day = each.starts_at.astimezone(zone).date()
                    start = datetime.combine(day, new_start_time, tzinfo=zone).astimezone(UTC)
                moves.append((each, (start, start + (new_length or each.ends_at - each.starts_at))))
            freed: list[Range] = []
            for each, (start, end) in apply_order(moves):
                old = (each.starts_at, each.ends_at)
                try:
                    self._move(session, actor, instrument, each, (start, end), purpose)
                except RefusedError as refusal:
                    was, new = describe_range(*old, tz), describe_range(start, end, tz)
                    raise _refusal_at(refusal, f"moving the {was} occurrence to {new}") from refusal
                if old != (start, end):
                    freed.append(old)
            self._touch_series(session, actor, "series.modify", scope, rows)
            for start, end in freed:
                self._bookings.waitlist.offer(session, instrument, start, end)
            return [row_records.booking_record(each) for each in rows]

    def _move(
        self,
        session: Session,
        actor: Actor,
        instrument: InstrumentRecord,
        row: Booking,
        new: Range,
        purpose: str | None,
    ) -> None:
        """BookingService.modify's checks and writes for one row, in the caller's transaction."""
        require(actor, Action.MODIFY_BOOKING, Target.of(instrument, row.user_id))
        start, end = new
        user = row_records.user_record(row.user)
        technician = None
        if row.technician_id is not None:
            technician = row_records.user_by_id(session, row.technician_id)
            lock_rows(session, instrument.id, technician.id)
        now = self._clock.now()
        before = booking_snapshot(row)
        proposal = Proposal(user, instrument, start, end, row.project_code, technician, (row.id,))
        check_all(session, proposal, now)
        moved = (start, end) != (row.starts_at, row.ends_at)
        row.starts_at, row.ends_at = start, end
        pricing.apply_charge(row, pricing.booked_charge(row))
        if purpose is not None:
            row.purpose = purpose
        if moved and row.status is BookingStatus.CONFIRMED:
            row.status = initial_status(actor, user, instrument)
        row.sequence += 1
        row.updated_at = now
        with translating_overlaps(instrument.code):
            session.flush()
        _audit(session, actor, "booking.modify", row, before, now)
        if moved:
            self._bookings.announce_move_in(session, row, instrument)

    @staticmethod
    def _load_locked(session: Session, booking_id: int) -> tuple[Booking, InstrumentRecord]:
        """The booking, read again under the instrument's lock and its own, and its instrument."""
        row = row_records.load_booking(session, booking_id)
        lock_rows(session, row.instrument_id, None)
        session.refresh(row, with_for_update={"of": Booking})
        return row, row_records.load_instrument(session, row.instrument.code)

    def _in_scope(self, session: Session, row: Booking, scope: Scope, verb: str) -> list[Booking]:
        """The active bookings a scope names, earliest first; refuse when there are none."""
        if scope not in ("this", "following", "all"):
            raise InputError(f"scope must be this, following or all, not {scope!r}", "scope")
        if scope == "this":
            if not row.status.holds_slot:
                raise RefusedError(f"booking {row.id} is {row.status.value} and cannot be {verb}")
            return [row]
        if row.series_id is None:
            raise RefusedError(f"booking {row.id} is not part of a series", "scope")
        query = (
            select(Booking)
            .options(*row_records.BOOKING_LOAD)
            .where(
                Booking.series_id == row.series_id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.ends_at > self._clock.now(),
            )
            .order_by(Booking.starts_at)
            .with_for_update(of=Booking)
            .execution_options(populate_existing=True)
        )
        if scope == "following":
            anchor = row.recurrence_start or row.starts_at
            query = query.where(Booking.recurrence_start >= anchor)
        rows = list(session.scalars(query).all())
        if not rows:
            raise RefusedError(
                f"series {row.series_id} has no active occurrences left to be {verb}"
                + (f" from booking {row.id} on" if scope == "following" else "")
            )
        return rows

    def _touch_series(
        self, session: Session, actor: Actor, action: str, scope: Scope, rows: Sequence[Booking]
    ) -> None:
        """Raise the series' sequence, so calendars re-read it, and audit the edit."""
        if rows[0].series_id is None:
            return
        series = session.get_one(BookingSeries, rows[0].series_id)
        now = self._clock.now()
        series.sequence += 1
        series.updated_at = now
        record_audit(
            session,
            actor_id=actor.id,
            action=action,
            entity_type="booking_series",
            entity_id=series.id,
            at=now,
            after={"scope": scope, "booking_ids": [row.id for row in rows]},
        )


def _none_of(count: int) -> str:
    """'none of the 3 occurrences', or 'the one occurrence' for a series of one."""
    return f"none of the {count} occurrences" if count != 1 else "the one occurrence"

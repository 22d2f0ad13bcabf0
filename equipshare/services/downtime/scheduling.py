"""Downtime: take an instrument out of use, cancelling the bookings in the way once confirmed."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Instrument
from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import (
    ACTIVE_BOOKING_STATUSES,
    LONGEST_BOOKING,
    BookingStatus,
    DowntimeReason,
    NotificationKind,
)
from equipshare.domain.errors import InputError, NotFound, RefusedError
from equipshare.domain.records.instruments.catalogue import DowntimeRecord, InstrumentRecord
from equipshare.domain.records.instruments.schedule import DowntimeBoard, reason_text
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.domain.records.scheduling.waitlist import WaitlistEntryRecord
from equipshare.domain.rules.permissions import Action, Target, require
from equipshare.domain.rules.policy_rules import as_utc, describe_range
from equipshare.services.bookings.checks import lock_rows
from equipshare.services.bookings.holds import overlapping_holds
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.waitlist import entry_record
from equipshare.services.downtime.listing import downtime_rows, facility_id_of
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import DOWNTIME_AUDIT_FIELDS, record_audit
from equipshare.services.plumbing.context import ServiceContext

# How many affected bookings a refusal names before it just counts the rest.
LISTED_IN_REFUSAL = 10


def downtime_record(row: Downtime, instrument_code: str) -> DowntimeRecord:
    return DowntimeRecord(
        id=row.id,
        instrument_id=row.instrument_id,
        instrument_code=instrument_code,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        reason=row.reason,
        description=row.description,
    )


def downtime_snapshot(row: Downtime) -> dict[str, Any]:
    return {name: getattr(row, name) for name in DOWNTIME_AUDIT_FIELDS}


def affected_bookings(
    session: Session, instrument_id: int, start: datetime, end: datetime
) -> list[Booking]:
    """Active bookings on the instrument that overlap [start, end), earliest first."""
    return list(
        session.scalars(
            select(Booking)
            .options(*row_records.BOOKING_LOAD)
            .where(
                Booking.instrument_id == instrument_id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.starts_at < end,
                Booking.ends_at > start,
                Booking.starts_at > start - LONGEST_BOOKING,  # reads only what could overlap
            )
            .order_by(Booking.starts_at, Booking.id)
        ).all()
    )


def _range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end <= start:
        raise RefusedError("the downtime must end after it starts", "end")
    return start, end


class DowntimeService:
    """Schedule, list and remove downtime; facility staff and admins only."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._bookings = BookingService(context)

    def preview(
        self, actor_username: str, instrument_code: str, start: datetime, end: datetime
    ) -> list[BookingRecord]:
        """The active bookings a downtime over [start, end) would cancel."""
        start, end = _range(start, end)
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, instrument_code)
            require(actor, Action.SCHEDULE_DOWNTIME, Target.of(instrument))
            rows = affected_bookings(session, instrument.id, start, end)
            return [row_records.booking_record(row) for row in rows]

    def preview_holds(
        self, actor_username: str, instrument_code: str, start: datetime, end: datetime
    ) -> list[WaitlistEntryRecord]:
        """The waitlist holds a downtime over [start, end) would end (those still running)."""
        start, end = _range(start, end)
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, instrument_code)
            require(actor, Action.SCHEDULE_DOWNTIME, Target.of(instrument))
            running = overlapping_holds(instrument.id, start, end).where(
                WaitlistEntry.hold_expires_at > now
            )  # as `schedule` ends them
            return [
                entry_record(
                    session,
                    entry,
                    instrument,
                    row_records.user_by_id(session, entry.user_id).username,
                    now,
                )
                for entry in session.scalars(running).all()
            ]

    def schedule(
        self,
        actor_username: str,
        instrument_code: str,
        start: datetime,
        end: datetime,
        reason: DowntimeReason,
        description: str = "",
        *,
        confirm_cancellations: bool = False,
        previewed: Collection[int] | None = None,
    ) -> tuple[DowntimeRecord, list[BookingRecord]]:
        """Record a downtime; bookings in the way are only cancelled once the caller confirms.

        The instrument row is locked first, so no booking can slip into the range between
        listing the affected bookings and inserting the downtime. `previewed` holds the ids
        of the bookings the user was shown and agreed to cancel: when given, the downtime
        cancels exactly those or is refused, so a booking made since the preview is never
        cancelled unseen. Waitlist holds on the range end (expired, their holders told):
        a hold keeps others off a range only while it can be booked.
        """
        start, end = _range(start, end)
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, instrument_code)
            require(actor, Action.SCHEDULE_DOWNTIME, Target.of(instrument))
            lock_rows(session, instrument.id, None)
            rows = affected_bookings(session, instrument.id, start, end)
            if previewed is not None:
                if {row.id for row in rows} != set(previewed):
                    raise RefusedError(self._changed(instrument, previewed, rows))
            elif rows and not confirm_cancellations:
                raise RefusedError(self._refusal(instrument, start, end, reason, rows))
            now = self._clock.now()
            why = reason_text(reason, description)
            waitlist = self._bookings.waitlist
            ended = waitlist.end_for_downtime(session, instrument, start, end, why, actor.id)
            for row in rows:
                # The slot is not free (the downtime takes it), so no waitlist offer.
                self._bookings.finish_in(
                    session,
                    actor,
                    row,
                    instrument,
                    BookingStatus.CANCELLED,
                    why,
                    kind=NotificationKind.CANCELLED_BY_DOWNTIME,
                    offer_waitlist=False,
                )
            downtime = Downtime(
                instrument_id=instrument.id,
                starts_at=start,
                ends_at=end,
                reason=reason,
                description=description,
                created_by_id=actor.id,
                ical_uid=f"downtime-{uuid.uuid4()}@equipshare",
                sequence=0,
                created_at=now,
                updated_at=now,
            )
            session.add(downtime)
            session.flush()
            record_audit(
                session,
                actor_id=actor.id,
                action="downtime.create",
                entity_type="downtime",
                entity_id=downtime.id,
                at=now,
                after=downtime_snapshot(downtime)
                | {"cancelled_booking_ids": [row.id for row in rows]}
                | ({"ended_waitlist_entry_ids": [entry.id for entry in ended]} if ended else {}),
            )
            waitlist.pass_lapsed(session, instrument)  # around the downtime, now in place
            return (
                downtime_record(downtime, instrument.code),
                [row_records.booking_record(row) for row in rows],
            )

    @staticmethod
    def _refusal(
        instrument: InstrumentRecord,
        start: datetime,
        end: datetime,
        reason: DowntimeReason,
        rows: Sequence[Booking],
    ) -> str:
        tz = instrument.timezone
        named = [
            f"booking {row.id} ({row.user.username}, "
            f"{describe_range(row.starts_at, row.ends_at, tz)})"
            for row in rows[:LISTED_IN_REFUSAL]
        ]
        if len(rows) > LISTED_IN_REFUSAL:
            named.append(f"and {len(rows) - LISTED_IN_REFUSAL} more")
        count = f"{len(rows)} booking" + ("s" if len(rows) != 1 else "")
        return (
            f"{reason.value.replace('_', ' ')} of {instrument.code} "
            f"{describe_range(start, end, tz)} would cancel {count}: {'; '.join(named)}. "
            "Confirm the downtime to cancel them and tell their owners"
        )

    @staticmethod
    def _changed(
        instrument: InstrumentRecord, previewed: Collection[int], rows: Sequence[Booking]
    ) -> str:
        shown, now = len(set(previewed)), len(rows)
        return (
            f"the bookings on {instrument.code} in that range changed since the preview "
            f"({shown} shown, {now} now); preview again before scheduling"
        )

    def cancel(self, actor_username: str, downtime_id: int) -> DowntimeRecord:
        """Remove a downtime (the row goes; the audit log keeps it) and free its range.

        Bookings it cancelled stay cancelled; waiters for the range are offered it.
        """
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            row = session.get(Downtime, downtime_id)
            if row is None:
                raise NotFound(f"no downtime {downtime_id}", "downtime")
            code = session.scalars(
                select(Instrument.code).where(Instrument.id == row.instrument_id)
            ).one()
            instrument = row_records.load_instrument(session, code)
            require(actor, Action.SCHEDULE_DOWNTIME, Target.of(instrument))
            record = downtime_record(row, instrument.code)
            now = self._clock.now()
            record_audit(
                session,
                actor_id=actor.id,
                action="downtime.delete",
                entity_type="downtime",
                entity_id=row.id,
                at=now,
                before=downtime_snapshot(row),
            )
            session.delete(row)
            session.flush()
            self._bookings.waitlist.offer(session, instrument, record.starts_at, record.ends_at)
            return record

    def list_for_instrument(
        self, instrument_code: str, start: datetime, end: datetime
    ) -> list[DowntimeRecord]:
        """Downtime overlapping [start, end) on the instrument, earliest first."""
        start, end = _range(start, end)
        with self._db.readonly() as session:
            instrument = row_records.load_instrument(session, instrument_code)
            rows = session.scalars(
                select(Downtime)
                .where(
                    Downtime.instrument_id == instrument.id,
                    Downtime.starts_at < end,
                    Downtime.ends_at > start,
                )
                .order_by(Downtime.starts_at, Downtime.id)
            ).all()
            return [downtime_record(row, instrument.code) for row in rows]

    def schedulable(self, actor_username: str, instrument_code: str) -> InstrumentRecord:
        """The instrument, if the actor may schedule downtime on it.

        The TUI asks first, to read typed wall-clock times in the instrument's own zone.
        """
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, instrument_code.strip())
            require(actor, Action.SCHEDULE_DOWNTIME, Target.of(instrument))
            return instrument

    def upcoming(self, actor_username: str, *, limit: int = 500) -> DowntimeBoard:
        """Current and future downtime in the facilities the actor staffs, soonest first.

        An admin sees every facility's; anyone else who staffs none gets an empty board
        that says they may not schedule.
        """
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            user = actor.user
            if not user.active or not (user.is_admin or actor.staff_facility_ids):
                return DowntimeBoard(rows=(), may_schedule=False, now=now)
            scope = None if user.is_admin else actor.staff_facility_ids
            rows = downtime_rows(session, ends_after=now, facility_ids=scope, limit=limit)
        return DowntimeBoard(rows=rows, may_schedule=True, now=now)

    def listing(
        self,
        actor_username: str,
        *,
        instrument_code: str | None = None,
        facility_code: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 500,
    ) -> DowntimeBoard:
        """Downtime overlapping [start, end) (default: from now on), soonest first.

        Downtime is public, as every instrument's calendar shows it: anyone may list an
        instrument's or a facility's. With neither named, the list is the board the
        downtime screen shows, the facilities the actor staffs (all, for an admin).
        `may_schedule` says whether the actor may schedule downtime on what was named.
        """
        now = self._clock.now()
        start = as_utc(start, "start") if start is not None else now
        end = as_utc(end, "end") if end is not None else None
        if end is not None and end <= start:
            raise InputError("the end of the window must come after its start", "end")
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            user = actor.user
            everywhere = user.active and user.is_admin
            if instrument_code is None and facility_code is None:
                if not user.active or not (user.is_admin or actor.staff_facility_ids):
                    return DowntimeBoard(rows=(), may_schedule=False, now=now)
                scope = None if everywhere else actor.staff_facility_ids
                rows = downtime_rows(
                    session, ends_after=start, starts_before=end, facility_ids=scope, limit=limit
                )
                return DowntimeBoard(rows=rows, may_schedule=True, now=now)
            instrument_id = facility_id = None
            if instrument_code is not None:
                instrument = row_records.load_instrument(session, instrument_code.strip())
                instrument_id, facility_id = instrument.id, instrument.facility_id
            if facility_code is not None:  # with an instrument elsewhere, nothing matches
                facility_id = facility_id_of(session, facility_code)
            assert facility_id is not None
            rows = downtime_rows(
                session,
                ends_after=start,
                starts_before=end,
                facility_ids={facility_id},
                instrument_id=instrument_id,
                limit=limit,
            )
            may_schedule = user.active and (everywhere or actor.staffs(facility_id))
        return DowntimeBoard(rows=rows, may_schedule=may_schedule, now=now)

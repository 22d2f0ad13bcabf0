"""Check-in and check-out: when a session really began and ended, and what that costs.

The booking's user checks in at the instrument, from 15 minutes before the start until
the end, and checks out when done. Facility staff and admins may record either at another
time (`at`), as a correction after the fact, even once close-past has closed the booking:
a staff check-in on a no-show makes it completed. Under a facility's ACTUAL charge basis a
check-out bills the time between the two; under BOOKED basis the price stays as booked.
Each is done once: repeating it is refused and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import PermissionDenied, RefusedError
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.domain.rules.check_in_rules import EARLY
from equipshare.domain.rules.permissions import Action, Actor, Target, require
from equipshare.domain.rules.policy_rules import as_utc
from equipshare.services.bookings.lifecycle import lock_booking
from equipshare.services.charging import pricing
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

# The user checks in only on a booking that is on; staff may also correct a closed one.
OWNER_STATES = (BookingStatus.CONFIRMED,)
STAFF_STATES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


def time_words(instant: datetime, timezone: str) -> str:
    """'10:02 GMT Mon 16 Mar 2026' in the facility's zone, naming the zone."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%H:%M} {local.tzname()} {local:%a} {local.day} {local:%b %Y}"


def use_snapshot(row: Booking) -> dict[str, Any]:
    """The fields a check-in or check-out changes, for the audit trail."""
    return {
        "status": row.status,
        "checked_in_at": row.checked_in_at,
        "checked_in_by_id": row.checked_in_by_id,
        "checked_out_at": row.checked_out_at,
    } | pricing.charge_fields(row)


class CheckInService:
    """Records check-in and check-out on bookings, and reprices them by the facility's basis."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def check_in(
        self, actor_username: str, booking_id: int, at: datetime | None = None
    ) -> BookingRecord:
        """Record that the session began now (or, for staff, at `at`)."""
        with self._db.sessions.begin() as session:
            actor, row, instrument, staff = self._open(session, actor_username, booking_id)
            when = self._when(actor, staff, at, "check-in")
            tz = instrument.timezone
            if row.checked_in_at is not None:
                raise RefusedError(
                    f"booking {row.id} is already checked in, at "
                    f"{time_words(row.checked_in_at, tz)}; nothing changed"
                )
            self._check_state(row, staff, "checked in to")
            opens = row.starts_at - EARLY
            if not opens <= when < row.ends_at:
                raise RefusedError(
                    f"booking {row.id} can be checked in to from {time_words(opens, tz)} "
                    f"(15 minutes before its start) until its end at "
                    f"{time_words(row.ends_at, tz)}, not at {time_words(when, tz)}"
                    + ("; staff may give --at for a correction" if staff and at is None else ""),
                    "at",
                )
            before = use_snapshot(row)
            row.checked_in_at, row.checked_in_by_id = when, actor.id
            if row.status is BookingStatus.NO_SHOW:
                row.status = BookingStatus.COMPLETED  # they came after all
            if row.status is BookingStatus.COMPLETED:
                basis = pricing.charging_policy(session, instrument.facility_id).basis
                pricing.apply_charge(row, pricing.used_charge(row, basis))
            return self._save(session, actor, row, "booking.check_in", before)

    def check_out(
        self, actor_username: str, booking_id: int, at: datetime | None = None
    ) -> BookingRecord:
        """Record that the session ended now (or, for staff, at `at`); bill it if ACTUAL."""
        with self._db.sessions.begin() as session:
            actor, row, instrument, staff = self._open(session, actor_username, booking_id)
            when = self._when(actor, staff, at, "check-out")
            tz = instrument.timezone
            if row.checked_out_at is not None:
                raise RefusedError(
                    f"booking {row.id} is already checked out, at "
                    f"{time_words(row.checked_out_at, tz)}; nothing changed"
                )
            if row.checked_in_at is None:
                raise RefusedError(
                    f"booking {row.id} was never checked in; check in before checking out"
                )
            self._check_state(row, staff, "checked out of")
            if when <= row.checked_in_at:
                raise RefusedError(
                    f"a check-out must come after the check-in at "
                    f"{time_words(row.checked_in_at, tz)}, not at {time_words(when, tz)}",
                    "at",
                )
            before = use_snapshot(row)
            row.checked_out_at = when
            basis = pricing.charging_policy(session, instrument.facility_id).basis
            pricing.apply_charge(row, pricing.used_charge(row, basis))
            return self._save(session, actor, row, "booking.check_out", before)

    # -- shared -------------------------------------------------------------------------

    def _open(
        self, session: Session, actor_username: str, booking_id: int
    ) -> tuple[Actor, Booking, InstrumentRecord, bool]:
        """The actor, the locked booking and its instrument, and whether the actor is staff."""
        actor = row_records.load_actor(session, actor_username)
        row, instrument = lock_booking(session, booking_id)
        require(actor, Action.CHECK_IN, Target.of(instrument, row.user_id))
        staff = actor.user.is_admin or actor.staffs(instrument.facility_id)
        return actor, row, instrument, staff

    def _when(self, actor: Actor, staff: bool, at: datetime | None, what: str) -> datetime:
        """Now, or the corrected time staff gave; never in the future."""
        now = self._clock.now()
        if at is None:
            return now
        if not staff:
            raise PermissionDenied(
                f"{actor.user.username} may not record a {what} at another time: that needs "
                "a manager or technician of the facility, or an admin",
                "at",
            )
        when = as_utc(at, "at")
        if when > now:
            raise RefusedError(f"a {what} cannot be recorded in the future", "at")
        return when

    @staticmethod
    def _check_state(row: Booking, staff: bool, verb: str) -> None:
        wanted = STAFF_STATES if staff else OWNER_STATES
        if row.status not in wanted:
            raise RefusedError(
                f"booking {row.id} is {row.status.value}; only "
                f"{' or '.join(s.value for s in wanted)} bookings can be {verb}"
            )

    def _save(
        self,
        session: Session,
        actor: Actor,
        row: Booking,
        action: str,
        before: dict[str, Any],
    ) -> BookingRecord:
        now = self._clock.now()
        row.updated_at = now
        session.flush()
        record_audit(
            session,
            actor_id=actor.id,
            action=action,
            entity_type="booking",
            entity_id=row.id,
            at=now,
            before=before,
            after=use_snapshot(row),
        )
        return row_records.booking_record(row)

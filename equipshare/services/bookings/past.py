"""Closing the past, for nightly cron: confirmed bookings that have ended become completed,
or no-shows where the facility requires check-in and nobody checked in; requests nobody
decided before they ended lapse (rejected, free, with the reason saying so: an ended
request can no longer be approved, and would otherwise wait in Approvals for ever).

No-shows keep their full booked price (no-shows pay in full). Under a facility's ACTUAL
charge basis, a session checked in but never checked out is billed from check-in to the
booked end; every other booking keeps the price it already holds. The status changes are
set-based UPDATE ... RETURNING statements, so a run over many rows stays a few statements;
only those ACTUAL-basis repricings are worked out row by row, in Python, by the one
charging rule (equipshare.domain.money.charging).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.domain.enums import BookingStatus, ChargeBasis, NotificationKind
from equipshare.domain.money.charging import Charge
from equipshare.domain.records.operations.maintenance import ClosePastReport
from equipshare.domain.rules.policy_rules import describe_range
from equipshare.services.charging import pricing
from equipshare.services.notify.outbox import queue_notification
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.services.plumbing.row_records import require_admin


def _facility_says(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Bookings whose instrument's facility meets `condition`, as a subquery on instrument."""
    return Booking.instrument_id.in_(
        select(Instrument.id).join(Facility, Facility.id == Instrument.facility_id).where(condition)
    )


T = TypeVar("T")

#: Why a lapsed request was rejected, as its owner and staff see it.
LAPSED_REASON = "not decided before it ended"


class PastBookingService:
    """Moves finished bookings out of the active states; admin-only."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def close_past(self, actor_username: str, *, dry_run: bool = False) -> ClosePastReport:
        """Mark every confirmed booking that has ended a no-show or completed, audited each.

        Each UPDATE ... RETURNING finds and changes its bookings together, so a booking
        confirmed (or checked in) while this runs is either closed or left for the next
        run, never half-done.
        """
        now = self._clock.now()
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "close past bookings")
                ended = and_(Booking.status == BookingStatus.CONFIRMED, Booking.ends_at <= now)
                no_shows = self._close(
                    session,
                    and_(
                        ended,
                        Booking.checked_in_at.is_(None),
                        _facility_says(Facility.requires_check_in.is_(True)),
                    ),
                    BookingStatus.NO_SHOW,
                    now,
                )
                completed = self._close(session, ended, BookingStatus.COMPLETED, now)
                repriced = self._reprice_unfinished(session, completed)
                self._audit(session, actor.id, now, no_shows, completed, repriced)
                lapsed = lapse_ended_requests(session, actor.id, now)
                report = ClosePastReport(
                    dry_run=dry_run,
                    now=now,
                    completed_ids=tuple(completed),
                    no_show_ids=tuple(no_shows),
                    repriced_ids=tuple(sorted(repriced)),
                    lapsed_ids=tuple(lapsed),
                )
                if dry_run:
                    raise DryRun
                return report
        except DryRun:
            return report

    @staticmethod
    def _close(
        session: Session, which: ColumnElement[bool], status: BookingStatus, now: datetime
    ) -> list[int]:
        return sorted(
            session.execute(
                update(Booking)
                .where(which)
                .values(status=status, updated_at=now)
                .returning(Booking.id)
                .execution_options(synchronize_session=False)
            ).scalars()
        )

    @staticmethod
    def _reprice_unfinished(session: Session, completed: Sequence[int]) -> dict[int, Charge]:
        """ACTUAL basis, checked in, never out: bill check-in to the booked end.

        Only the bookings just completed are looked at, found by one query per 500; the
        new charges are then written by primary key in one executemany.
        """
        charges: dict[int, Charge] = {}
        for chunk in _chunks(completed):
            for row in session.scalars(
                select(Booking).where(
                    Booking.id.in_(chunk),
                    Booking.checked_in_at.is_not(None),
                    Booking.checked_out_at.is_(None),
                    _facility_says(Facility.charge_basis == ChargeBasis.ACTUAL),
                )
            ):
                charges[row.id] = pricing.used_charge(row, ChargeBasis.ACTUAL)
        if charges:
            session.connection().execute(
                update(Booking)
                .where(Booking.id == bindparam("booking_id"), Booking.checked_out_at.is_(None))
                .values(
                    instrument_charge_pence=bindparam("instrument"),
                    technician_charge_pence=bindparam("technician"),
                ),
                [
                    {
                        "booking_id": booking_id,
                        "instrument": charge.instrument_pence,
                        "technician": charge.technician_pence,
                    }
                    for booking_id, charge in charges.items()
                ],
            )
        return charges

    @staticmethod
    def _audit(
        session: Session,
        actor_id: int,
        now: datetime,
        no_shows: Sequence[int],
        completed: Sequence[int],
        repriced: dict[int, Charge],
    ) -> None:
        before = {"status": BookingStatus.CONFIRMED.value}
        events: list[dict[str, Any]] = [
            _event(now, actor_id, "booking.no_show", booking_id, before, BookingStatus.NO_SHOW)
            for booking_id in no_shows
        ]
        for booking_id in completed:
            after: dict[str, Any] = {"status": BookingStatus.COMPLETED.value}
            if booking_id in repriced:
                charge = repriced[booking_id]
                after["instrument_charge_pence"] = charge.instrument_pence
                after["technician_charge_pence"] = charge.technician_pence
            events.append(_event(now, actor_id, "booking.complete", booking_id, before, after))
        if events:
            session.execute(insert(AuditEvent), events)


def lapse_ended_requests(session: Session, actor_id: int, now: datetime) -> list[int]:
    """Requests still pending once they have ended: rejected by `actor_id`, free of charge,
    audited `booking.lapse`, and each requester told, as a rejection by staff would tell
    them. close-past runs it nightly; the demo runs it as it seeds, so that a demo seeded
    late in the day holds no request that can no longer be approved."""
    changed = session.execute(
        update(Booking)
        .where(Booking.status == BookingStatus.PENDING, Booking.ends_at <= now)
        .values(
            status=BookingStatus.REJECTED,
            status_reason=LAPSED_REASON,
            decided_by_id=actor_id,
            decided_at=now,
            instrument_charge_pence=0,
            technician_charge_pence=0,
            sequence=Booking.sequence + 1,
            updated_at=now,
        )
        .returning(Booking.id, Booking.user_id)
        .execution_options(synchronize_session=False)
    )
    lapsed = sorted((booking_id, user_id) for booking_id, user_id in changed)
    _tell_requesters(session, lapsed, now)
    before = {"status": BookingStatus.PENDING.value}
    after = {"status": BookingStatus.REJECTED.value, "status_reason": LAPSED_REASON}
    events = [_event(now, actor_id, "booking.lapse", i, before, after) for i, _user in lapsed]
    if events:
        session.execute(insert(AuditEvent), events)
    return [booking_id for booking_id, _user in lapsed]


def _tell_requesters(session: Session, lapsed: Sequence[tuple[int, int]], now: datetime) -> None:
    """One message a lapsed request, to its requester, through the outbox."""
    for chunk in _chunks(lapsed):
        bookings = {row[0] for row in chunk}
        found = session.execute(
            select(
                Booking.id, Booking.starts_at, Booking.ends_at, Instrument.code, Facility.timezone
            )
            .join(Instrument, Instrument.id == Booking.instrument_id)
            .join(Facility, Facility.id == Instrument.facility_id)
            .where(Booking.id.in_(bookings))
        )
        places = {
            booking_id: (starts_at, ends_at, code, timezone)
            for booking_id, starts_at, ends_at, code, timezone in found
        }
        for booking_id, user_id in chunk:
            starts_at, ends_at, code, timezone = places[booking_id]
            when = describe_range(starts_at, ends_at, timezone)
            queue_notification(
                session,
                user_id=user_id,
                kind=NotificationKind.BOOKING_REJECTED,
                subject=f"Request lapsed: {code} {when}",
                body=f"Booking {booking_id} on {code} {when} was not decided before it ended, "
                "so it lapsed; nothing is charged. Ask for a new time if you still need one.",
                at=now,
                booking_id=booking_id,
            )


def _event(
    now: datetime,
    actor_id: int,
    action: str,
    booking_id: int,
    before: dict[str, Any],
    after: dict[str, Any] | BookingStatus,
) -> dict[str, Any]:
    return {
        "occurred_at": now,
        "actor_id": actor_id,
        "action": action,
        "entity_type": "booking",
        "entity_id": str(booking_id),
        "before": before,
        "after": {"status": after.value} if isinstance(after, BookingStatus) else after,
    }


def _chunks(ids: Sequence[T], size: int = 500) -> list[Sequence[T]]:
    return [ids[first : first + size] for first in range(0, len(ids), size)]

"""Closing the past: confirmed bookings that have ended become completed, for nightly cron.

No-shows are not marked: a booking has no check-in record (no column says whether the
user turned up), so nothing can tell a no-show from a session that happened. Marking
them needs a `checked_in_at` column on bookings, a per-instrument `requires_check_in`
policy flag and a way to check in (TUI key or instrument PC); then close-past would mark
`no_show` where check-in is required and `checked_in_at` is empty.
"""

from __future__ import annotations

from sqlalchemy import insert, update

from equipshare.db.models import AuditEvent, Booking
from equipshare.domain import BookingStatus
from equipshare.records_maintenance import ClosePastReport
from equipshare.services.context import ServiceContext
from equipshare.services.retention import require_admin


class _DryRun(Exception):
    """Raised inside the transaction to leave it by rolling back."""


class PastBookingService:
    """Moves finished bookings out of the active states; admin-only."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def close_past(self, actor_username: str, *, dry_run: bool = False) -> ClosePastReport:
        """Mark every confirmed booking that has ended completed, with one audit event each.

        One UPDATE ... RETURNING finds and changes them together, so a booking confirmed
        while this runs is either closed or left for the next run, never half-done.
        """
        now = self._clock.now()
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "close past bookings")
                closed = sorted(
                    session.execute(
                        update(Booking)
                        .where(
                            Booking.status == BookingStatus.CONFIRMED,
                            Booking.ends_at <= now,
                        )
                        .values(status=BookingStatus.COMPLETED, updated_at=now)
                        .returning(Booking.id)
                        .execution_options(synchronize_session=False)
                    ).scalars()
                )
                if closed:
                    session.execute(
                        insert(AuditEvent),
                        [
                            {
                                "occurred_at": now,
                                "actor_id": actor.id,
                                "action": "booking.complete",
                                "entity_type": "booking",
                                "entity_id": str(booking_id),
                                "before": {"status": BookingStatus.CONFIRMED.value},
                                "after": {"status": BookingStatus.COMPLETED.value},
                            }
                            for booking_id in closed
                        ],
                    )
                report = ClosePastReport(dry_run=dry_run, now=now, completed_ids=tuple(closed))
                if dry_run:
                    raise _DryRun
                return report
        except _DryRun:
            return report

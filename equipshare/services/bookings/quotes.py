"""ChargeQuoteService: what cancelling would cost before it is done, what a booking costs
before it is moved, and why a used session bills what it does. Reads only.

Every figure comes from the functions the writers price with (pricing.cancellation_terms,
booked_charge, used_charge), on the same rows, the same clock and the same actor, so a
quote and the charge that follows it cannot disagree.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import ACTIVE_BOOKING_STATUSES, ChargeBasis
from equipshare.domain.errors import RefusedError
from equipshare.domain.money.charge_quotes import (
    BookingPrice,
    CancellationLine,
    CancellationQuote,
    UseCharge,
)
from equipshare.domain.money.charging import billable_minutes
from equipshare.domain.rules.permissions import Action, Target, require
from equipshare.domain.rules.policy_rules import describe_range
from equipshare.services.bookings.lifecycle import CANCELLABLE
from equipshare.services.bookings.series import Scope, SeriesService
from equipshare.services.charging import pricing
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext


class ChargeQuoteService:
    """Charges in advance and explained; nothing here writes."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._series = SeriesService(context)

    def cancellation(
        self, actor_username: str, booking_id: int, scope: Scope | None = None
    ) -> CancellationQuote:
        """What cancelling the booking now would cost, or (with a scope) the occurrences of
        its series that `cancel_occurrences` would cancel; refused as the cancel would be."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            row = row_records.load_booking(session, booking_id)
            instrument = row_records.load_instrument(session, row.instrument.code)
            now = self._clock.now()
            if scope is None:
                if row.ends_at <= now:  # as BookingService.cancel refuses
                    raise RefusedError(
                        f"booking {row.id} has already ended "
                        f"({describe_range(row.starts_at, row.ends_at, instrument.timezone)}); "
                        "it cannot be cancelled"
                    )
                rows = [row]
            else:
                # The very selection cancel_occurrences makes, so the quote covers what it
                # cancels; its row locks last only as long as this read.
                rows = self._series._in_scope(session, row, scope, "cancelled")
            for each in rows:
                require(actor, Action.CANCEL_BOOKING, Target.of(instrument, each.user_id))
                if each.status not in CANCELLABLE:
                    raise RefusedError(
                        f"booking {each.id} is {each.status.value}; only "
                        f"{' or '.join(s.value for s in CANCELLABLE)} bookings can be cancelled"
                    )
            policy = pricing.charging_policy(session, instrument.facility_id)
            waived = pricing.fee_waiver(actor, instrument.facility_id, by_downtime=False)
            lines = tuple(
                CancellationLine(
                    each.id,
                    each.starts_at,
                    each.ends_at,
                    pricing.cancellation_terms(each, policy, waived=waived, cancelled_at=now),
                )
                for each in rows
            )
            return CancellationQuote(row.id, instrument.code, instrument.timezone, now, lines)

    def prices(self, actor_username: str, booking_id: int) -> tuple[BookingPrice, ...]:
        """What the booking costs now and, when it is one of a series, every occurrence not
        yet over: the 'before' of a move, whichever occurrences the move reaches."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            row = row_records.load_booking(session, booking_id)
            instrument = row_records.load_instrument(session, row.instrument.code)
            require(actor, Action.VIEW_BOOKING, Target.of(instrument, row.user_id))
            rows = [row, *self._siblings(session, row)]
            return tuple(
                BookingPrice(
                    each.id,
                    each.instrument_charge_pence + each.technician_charge_pence,
                    each.hourly_rate_pence is not None,
                )
                for each in rows
            )

    def _siblings(self, session: Session, row: Booking) -> list[Booking]:
        if row.series_id is None:
            return []
        query = select(Booking).where(
            Booking.series_id == row.series_id,
            Booking.id != row.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.ends_at > self._clock.now(),
        )
        return list(session.scalars(query.order_by(Booking.starts_at)).all())

    def use(self, actor_username: str, booking_id: int) -> UseCharge:
        """Why the booking bills what it does now: booked time, or check-in to check-out."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            row = row_records.load_booking(session, booking_id)
            instrument = row_records.load_instrument(session, row.instrument.code)
            require(actor, Action.VIEW_BOOKING, Target.of(instrument, row.user_id))
            basis = pricing.charging_policy(session, instrument.facility_id).basis
            minutes = None
            used = (row.checked_in_at, row.checked_out_at)
            if basis is ChargeBasis.ACTUAL and used[0] is not None and used[1] is not None:
                minutes = billable_minutes(used[0], used[1])
            return UseCharge(
                booking_id=row.id,
                basis=basis,
                priced=row.hourly_rate_pence is not None,
                booked_pence=pricing.booked_charge(row).total_pence,
                charge_pence=row.instrument_charge_pence + row.technician_charge_pence,
                checked_in_at=row.checked_in_at,
                checked_out_at=row.checked_out_at,
                used_minutes=minutes,
            )

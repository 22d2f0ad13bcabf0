"""Prices in the database: rate cards in force, a facility's charging policy, and the frozen
rates and billable charges each booking row keeps.

Every booking writer (the booking service, series, check-in, close-past, calendar import)
prices through here, so one rule holds everywhere; the arithmetic itself is
equipshare.domain.money.charging's, and nothing here rounds on its own.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility
from equipshare.domain.enums import BookingStatus, ChargeBasis, UserClass
from equipshare.domain.money import charge_quotes
from equipshare.domain.money.charge_quotes import CancellationTerms, FeeWaiver
from equipshare.domain.money.charging import (
    FREE,
    Charge,
    FrozenRates,
    billable_minutes,
    pence_of,
    session_charge,
    user_class_of,
)
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.money.charging import ChargingPolicy
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Actor
from equipshare.services.plumbing.prebuilt import RATE_CARDS, run

_RATE_CARD = (
    select(RATE_CARDS.c.hourly_rate, RATE_CARDS.c.technician_hourly_rate)
    .where(
        RATE_CARDS.c.instrument_id == bindparam("instrument_id"),
        RATE_CARDS.c.user_class == bindparam("user_class", type_=RATE_CARDS.c.user_class.type),
        RATE_CARDS.c.valid_from <= bindparam("on", type_=RATE_CARDS.c.valid_from.type),
    )
    .order_by(RATE_CARDS.c.valid_from.desc())
    .limit(1)
)


def _in_force(column: Any) -> Any:
    return _RATE_CARD.with_only_columns(column).scalar_subquery().label(column.name)


#: The rate card in force as columns (:instrument_id, :user_class, :on), both NULL when
#: there is none: for a statement that reads it along with other things (a booking's probe).
RATES_IN_FORCE = (
    _in_force(RATE_CARDS.c.hourly_rate),
    _in_force(RATE_CARDS.c.technician_hourly_rate),
)


def rate_params(
    user: UserRecord, instrument: InstrumentRecord, booked_at: datetime
) -> dict[str, Any]:
    """The parameters of RATES_IN_FORCE (and of `rates_for`) for `user` on `instrument`."""
    day = booked_at.astimezone(ZoneInfo(instrument.timezone)).date()
    return {
        "instrument_id": instrument.id,
        "user_class": user_class_of(user, instrument),
        "on": day,
    }


def rates_of(
    user_class: UserClass, hourly_rate: Decimal | None, technician_hourly_rate: Decimal | None
) -> FrozenRates:
    """The frozen rates from RATES_IN_FORCE's two columns."""
    if hourly_rate is None or technician_hourly_rate is None:
        return FrozenRates(user_class, None, None)
    return FrozenRates(user_class, pence_of(hourly_rate), pence_of(technician_hourly_rate))


def rates_in_force(
    session: Session, instrument_id: int, user_class: UserClass, on: date
) -> FrozenRates:
    """The rate card for `user_class` with the latest `valid_from` on or before `on`.

    No card means no price: the rates are None and the booking costs nothing.
    """
    params = {"instrument_id": instrument_id, "user_class": user_class, "on": on}
    card = run(session, _RATE_CARD, params).first()
    if card is None:
        return FrozenRates(user_class, None, None)
    return rates_of(user_class, card.hourly_rate, card.technician_hourly_rate)


def rates_for(
    session: Session, user: UserRecord, instrument: InstrumentRecord, booked_at: datetime
) -> FrozenRates:
    """The class of `user` on `instrument` and its rates on the local date of booking."""
    params = rate_params(user, instrument, booked_at)
    return rates_in_force(session, instrument.id, params["user_class"], params["on"])


def charging_policy(session: Session, facility_id: int) -> ChargingPolicy:
    """The facility's charging policy as a frozen record."""
    row = session.execute(
        select(
            Facility.charge_basis,
            Facility.free_cancellation_hours,
            Facility.late_cancellation_percent,
            Facility.requires_check_in,
        ).where(Facility.id == facility_id)
    ).one()
    return ChargingPolicy(
        basis=row.charge_basis,
        free_cancellation_hours=row.free_cancellation_hours,
        late_cancellation_percent=row.late_cancellation_percent,
        requires_check_in=row.requires_check_in,
    )


def frozen_rates(row: Booking) -> FrozenRates:
    """The rates `row` was frozen with (an unpriced row bills nothing)."""
    return FrozenRates(
        row.user_class or UserClass.INTERNAL, row.hourly_rate_pence, row.technician_rate_pence
    )


def booked_charge(row: Booking) -> Charge:
    """The full price of the booked time at the frozen rates, with the technician if assisted."""
    return charge_for(row.starts_at, row.ends_at, frozen_rates(row), row.technician_id is not None)


def charge_for(start: datetime, end: datetime, rates: FrozenRates, assisted: bool) -> Charge:
    """The price of booking start to end at `rates` (what `freeze` bills a new row)."""
    return session_charge(billable_minutes(start, end), rates, assisted=assisted)


def used_charge(row: Booking, basis: ChargeBasis) -> Charge:
    """What a held or finished session bills under `basis`.

    ACTUAL bills from check-in to check-out, or to the booked end when nobody checked
    out; a session never checked in, or any session on BOOKED basis, bills the booked time.
    """
    if basis is ChargeBasis.ACTUAL and row.checked_in_at is not None:
        end = row.checked_out_at or row.ends_at
        minutes = billable_minutes(row.checked_in_at, end)
        return session_charge(minutes, frozen_rates(row), assisted=row.technician_id is not None)
    return booked_charge(row)


def fee_waiver(actor: Actor, facility_id: int, *, by_downtime: bool) -> FeeWaiver | None:
    """Why a cancellation is free whenever it comes: downtime, or staff or an admin cancelling."""
    if by_downtime:
        return FeeWaiver.DOWNTIME
    return FeeWaiver.STAFF if cancels_free(actor, facility_id) else None


def cancellation_terms(
    row: Booking, policy: ChargingPolicy, *, waived: FeeWaiver | None, cancelled_at: datetime
) -> CancellationTerms:
    """What cancelling `row` at `cancelled_at` costs, and why: the cancel and its quote both ask."""
    return charge_quotes.cancellation_terms(
        booked_charge(row),
        row.starts_at,
        cancelled_at,
        free_hours=policy.free_cancellation_hours,
        late_percent=policy.late_cancellation_percent,
        waived=waived,
    )


def cancels_free(actor: Actor, facility_id: int) -> bool:
    """Facility staff and admins cancel without a fee; the user (or anyone for them) pays."""
    return actor.user.is_admin or actor.staffs(facility_id)


def apply_charge(row: Booking, charge: Charge) -> None:
    row.instrument_charge_pence = charge.instrument_pence
    row.technician_charge_pence = charge.technician_pence


def freeze(row: Booking, rates: FrozenRates) -> None:
    """Freeze `rates` on a new row and bill its booked time."""
    row.user_class = rates.user_class
    row.hourly_rate_pence = rates.hourly_rate_pence
    row.technician_rate_pence = rates.technician_rate_pence
    apply_charge(row, booked_charge(row))


def charge_fields(row: Booking) -> dict[str, int]:
    """The charges, for audit events."""
    return {
        "instrument_charge_pence": row.instrument_charge_pence,
        "technician_charge_pence": row.technician_charge_pence,
    }


def price_decision(
    session: Session,
    actor: Actor,
    row: Booking,
    instrument: InstrumentRecord,
    status: BookingStatus,
    *,
    now: datetime,
    by_downtime: bool,
) -> None:
    """Price a booking being cancelled (stamped, maybe a late fee) or rejected (free).

    Approval leaves the price as booked.
    """
    if status is BookingStatus.REJECTED:
        apply_charge(row, FREE)
    elif status is BookingStatus.CANCELLED:
        row.cancelled_at = now
        policy = charging_policy(session, instrument.facility_id)
        waived = fee_waiver(actor, instrument.facility_id, by_downtime=by_downtime)
        apply_charge(row, cancellation_terms(row, policy, waived=waived, cancelled_at=now).fee)

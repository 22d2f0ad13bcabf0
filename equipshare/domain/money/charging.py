"""Money for bookings, in whole pence: the frozen rates, session prices and cancellation fees.

Pure arithmetic so that the booking service, the migration that prices old bookings and the
tests share one rounding rule: each part of a charge (instrument time, technician time) is
rounded half up to the penny on its own, and every total is a sum of those parts, so a
statement adds up exactly at every level. Amounts are integers of pence; `money` turns
them into two-place Decimals for people and finance files, never floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from equipshare.domain.enums import InstitutionSector, UserClass
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.users.people import UserRecord

PENNY = Decimal("0.01")


def user_class_of(user: UserRecord, instrument: InstrumentRecord) -> UserClass:
    """The charging class of `user` on `instrument`: their relation to its institution."""
    return user_class_for(
        same_institution=user.institution_id == instrument.institution_id,
        partner=user.institution_is_partner,
        sector=user.institution_sector,
    )


def user_class_for(
    *, same_institution: bool, partner: bool, sector: InstitutionSector
) -> UserClass:
    """The class from the facts alone (the migration and bulk loaders have no records)."""
    if same_institution:
        return UserClass.INTERNAL
    if partner:
        return UserClass.PARTNER
    if sector is InstitutionSector.INDUSTRY:
        return UserClass.INDUSTRY
    return UserClass.EXTERNAL_ACADEMIC


def pence_of(amount: Decimal) -> int:
    """£12.345 is refused rather than rounded: rate cards hold whole pence."""
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of pence")
    return int(pence)


def money(pence: int) -> Decimal:
    """Pence as pounds with exactly two places: 123456 -> Decimal('1234.56')."""
    return (Decimal(pence) / 100).quantize(PENNY)


def gbp(pence: int) -> str:
    """'£1,234.56' (and '-£3.10'), for screens and tables."""
    sign = "-" if pence < 0 else ""
    return f"{sign}£{money(abs(pence)):,}"


def billable_minutes(starts_at: datetime, ends_at: datetime) -> int:
    """Whole minutes from start to end, a part minute counting as one."""
    seconds = (ends_at - starts_at) / timedelta(seconds=1)
    return max(0, math.ceil(seconds / 60))


def pence_for(minutes: int, rate_pence: int) -> int:
    """`minutes` at `rate_pence` an hour, rounded half up to the penny."""
    return (2 * minutes * rate_pence + 60) // 120


def percent_of(pence: int, percent: int) -> int:
    """`percent`% of `pence`, rounded half up to the penny."""
    return (2 * pence * percent + 100) // 200


@dataclass(frozen=True)
class FrozenRates:
    """The user's class and the hourly rates in force when they booked."""

    user_class: UserClass
    hourly_rate_pence: int | None
    technician_rate_pence: int | None

    @property
    def priced(self) -> bool:
        return self.hourly_rate_pence is not None


@dataclass(frozen=True)
class Charge:
    """What a booking costs: the instrument's time and, when assisted, the technician's."""

    instrument_pence: int
    technician_pence: int

    @property
    def total_pence(self) -> int:
        return self.instrument_pence + self.technician_pence

    def percent(self, percent: int) -> Charge:
        """A share of this charge, each part rounded on its own (late cancellations)."""
        return Charge(
            percent_of(self.instrument_pence, percent), percent_of(self.technician_pence, percent)
        )


FREE = Charge(0, 0)


def session_charge(minutes: int, rates: FrozenRates, *, assisted: bool) -> Charge:
    """The price of `minutes` of use at the frozen rates; the technician's only if assisted."""
    instrument = pence_for(minutes, rates.hourly_rate_pence or 0)
    technician = pence_for(minutes, rates.technician_rate_pence or 0) if assisted else 0
    return Charge(instrument, technician)


def is_late_cancellation(starts_at: datetime, cancelled_at: datetime, free_hours: int) -> bool:
    """Inside the last `free_hours` before the start, cancelling costs a share of the price."""
    return cancelled_at > starts_at - timedelta(hours=free_hours)

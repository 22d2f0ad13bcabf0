"""Rate cards and facility charging policies planted into a built world, for charging tests.

tests/support/world.py has no prices (every booking there costs 0) and the default policy
(booked time, 24 free hours, 50% late fee, no check-in); these change that per test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select, update

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.charging import RateCard
from equipshare.domain.enums import ChargeBasis, UserClass
from tests.support.world import World

LONG_AGO = date(2020, 1, 1)


def plant_rate(
    db: Database,
    world: World,
    instrument: str,
    user_class: UserClass,
    hourly: str,
    technician: str = "0",
    valid_from: date = LONG_AGO,
) -> None:
    """A rate card: `hourly` and `technician` in pounds an hour (strings, so never floats)."""
    with db.sessions.begin() as session:
        # By code, so instruments added to the world after it was built have prices too.
        instrument_id = session.scalars(select(Instrument.id).where(Instrument.code == instrument))
        session.add(
            RateCard(
                instrument_id=instrument_id.one(),
                user_class=user_class,
                hourly_rate=Decimal(hourly),
                technician_hourly_rate=Decimal(technician),
                currency="GBP",
                valid_from=valid_from,
            )
        )


def plant_rates_for_every_class(
    db: Database, world: World, instrument: str, technician: str = "0"
) -> dict[UserClass, int]:
    """Distinct hourly rates per class (£20, £30, £40, £80); returns them in pence."""
    rates = {
        UserClass.INTERNAL: "20",
        UserClass.PARTNER: "30",
        UserClass.EXTERNAL_ACADEMIC: "40",
        UserClass.INDUSTRY: "80",
    }
    for user_class, hourly in rates.items():
        plant_rate(db, world, instrument, user_class, hourly, technician)
    return {c: int(Decimal(h) * 100) for c, h in rates.items()}


def set_policy(
    db: Database,
    world: World,
    facility: str = "WAR-PRP",
    *,
    basis: ChargeBasis | None = None,
    free_hours: int | None = None,
    late_percent: int | None = None,
    requires_check_in: bool | None = None,
) -> None:
    """Change a facility's charging policy; arguments left out keep their value."""
    values: dict[str, object] = {}
    if basis is not None:
        values["charge_basis"] = basis
    if free_hours is not None:
        values["free_cancellation_hours"] = free_hours
    if late_percent is not None:
        values["late_cancellation_percent"] = late_percent
    if requires_check_in is not None:
        values["requires_check_in"] = requires_check_in
    with db.sessions.begin() as session:
        session.execute(
            update(Facility).where(Facility.id == world.facilities[facility]).values(**values)
        )

"""Who may waive or reprice a booking's charge, person by person, on both engines.

Every person of the test world, with a deactivated admin and a deactivated manager of
Warwick's facility, tries each correction on a booking of alice's of their own, through
the real service; the outcomes must equal the tables of tests/support/permission_matrix.py.
A facility's staff waive (its technicians too), only its managers reprice, admins both; a
refusal leaves every table as it was and a success writes exactly its audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from equipshare.domain.enums import BookingStatus
from equipshare.services.charging.service import ChargeCorrectionService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.permission_matrix import (
    ASTON_MANAGERS,
    ASTON_STAFF,
    WARWICK_MANAGERS,
    WARWICK_STAFF,
    add_retired_staff,
    each_person,
)
from tests.support.pricing import plant_rates_for_every_class
from tests.support.world import World

XPS, SEM = "WAR-XPS-01", "AST-SEM-01"
FIRST = datetime(2026, 2, 2, 10, tzinfo=UTC)  # weeks before the clock


@pytest.fixture
def everyone(context: ServiceContext, world: World) -> World:
    add_retired_staff(context.database, world)
    return world


def alice_s(
    context: ServiceContext, world: World, instrument: str, status: BookingStatus
) -> Callable[[int], int]:
    """A booking of alice's per person, an hour on a day of its own, billed £10.00."""

    def plant(n: int) -> int:
        start = FIRST + timedelta(days=n)
        return plant_booking(
            context.database, world, "alice", instrument, start, start + timedelta(hours=1),
            status, hourly_rate_pence=1_000, instrument_charge_pence=1_000,
        )  # fmt: skip

    return plant


@pytest.mark.parametrize(("instrument", "expected"), [(XPS, WARWICK_STAFF), (SEM, ASTON_STAFF)])
def test_waive(
    context: ServiceContext, everyone: World, instrument: str, expected: dict[str, str]
) -> None:
    service = ChargeCorrectionService(context)
    observed = each_person(
        context,
        alice_s(context, everyone, instrument, BookingStatus.NO_SHOW),
        lambda who, booking_id: service.waive(who, booking_id, "instrument fault"),
        writes=["booking.waive_charge"],
    )
    assert observed == expected


@pytest.mark.parametrize(
    ("instrument", "expected"), [(XPS, WARWICK_MANAGERS), (SEM, ASTON_MANAGERS)]
)
def test_reprice(
    context: ServiceContext, everyone: World, instrument: str, expected: dict[str, str]
) -> None:
    plant_rates_for_every_class(context.database, everyone, instrument)
    service = ChargeCorrectionService(context)
    observed = each_person(
        context,
        alice_s(context, everyone, instrument, BookingStatus.COMPLETED),
        lambda who, booking_id: service.reprice(who, booking_id, "rates were wrong"),
        writes=["booking.reprice"],
    )
    assert observed == expected

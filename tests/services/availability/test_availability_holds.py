"""A range held off the waitlist is taken in the availability search to all but its holder;
on SQLite and PostgreSQL. Clock: Mon 16 Mar 2026 09:00 UTC."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from equipshare.domain.records.instruments.catalogue import SlotRecord
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.availability.search import AvailabilityService
from equipshare.services.bookings.service import BookingService, WaitlistService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.availability.test_availability import assert_bookable
from tests.support.world import World, london

XPS = "WAR-XPS-01"
H2 = timedelta(hours=2)
TEN, TWELVE = london(2026, 3, 17, 10), london(2026, 3, 17, 12)


def starts(slots: list[SlotRecord]) -> list[datetime]:
    return [slot.starts_at for slot in slots]


@pytest.fixture
def held_for_alice(context: ServiceContext, world: World) -> None:
    """Bob's Tuesday 10:00-12:00 cancelled: it is held for alice, first on its waitlist."""
    bookings = BookingService(context)
    made = bookings.book("bob", BookingRequest(XPS, TEN, TWELVE))
    WaitlistService(context).join("alice", XPS, TEN, TWELVE)
    bookings.cancel("bob", made.id)


def tuesday(svc: AvailabilityService, user: str, **search: object) -> list[SlotRecord]:
    return svc.find_slots(
        user,
        length=H2,
        window_start=london(2026, 3, 17, 9),
        days=1,
        **search,  # type: ignore[arg-type]
    )


@pytest.mark.usefixtures("held_for_alice")
def test_others_see_the_held_range_as_taken_and_its_holder_as_free(
    context: ServiceContext,
) -> None:
    svc = AvailabilityService(context)
    bob = tuesday(svc, "bob", instrument_code=XPS)
    assert starts(bob) == [london(2026, 3, 17, 12), london(2026, 3, 17, 14)]
    assert_bookable(context, "bob", bob)
    alice = tuesday(svc, "alice", instrument_code=XPS)
    assert starts(alice) == [london(2026, 3, 17, h) for h in (9, 11, 13, 15)]
    assert_bookable(context, "alice", alice)
    # The category search reads occupancy the same way.
    assert starts(tuesday(svc, "bob", category="XPS", per_instrument=5)) == starts(bob)


@pytest.mark.usefixtures("held_for_alice")
def test_the_range_is_free_again_once_the_hold_runs_out(
    context: ServiceContext, clock: FrozenClock
) -> None:
    clock.advance(hours=2)  # alice's hold (60 minutes) ran out; nobody else waits
    bob = tuesday(AvailabilityService(context), "bob", instrument_code=XPS)
    assert starts(bob) == [london(2026, 3, 17, h) for h in (9, 11, 13, 15)]
    assert_bookable(context, "bob", bob)

"""series_slots: first bookings near the asked-for one from which a whole series is free;
on SQLite and PostgreSQL. The clock is Mon 16 Mar 2026 09:00 GMT (tests/support/world.py).

Issue 20: after a series clash the form offered as free the slot it already held.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.services.availability.search import AvailabilityService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.series import SeriesService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
WEEKLY_4 = RecurrenceRule(freq="weekly", count=4)


@pytest.fixture
def svc(context: ServiceContext, world: World) -> AvailabilityService:
    # Bob holds the third Wednesday, 1 April (BST), 10:00-12:00.
    BookingService(context).book(
        "bob", BookingRequest(XPS, london(2026, 4, 1, 10), london(2026, 4, 1, 12))
    )
    return AvailabilityService(context)


def test_only_starts_where_every_occurrence_is_free_and_never_the_asked_for_one(
    svc: AvailabilityService, context: ServiceContext
) -> None:
    wanted = BookingRequest(XPS, london(2026, 3, 18, 10), london(2026, 3, 18, 12))
    slots = svc.series_slots("alice", wanted, WEEKLY_4, 4)
    starts = [slot.starts_at for slot in slots]
    # Across the clock change each occurrence keeps 10:00 local, so 09:00-11:00 and
    # 11:00-13:00 meet bob's booking as 10:00-12:00 does; 12:00 is the nearest free start.
    assert starts[:2] == [london(2026, 3, 18, 12), london(2026, 3, 18, 14)]
    assert wanted.starts_at not in starts
    assert all(slot.ends_at - slot.starts_at == timedelta(hours=2) for slot in slots)
    # Each is taken at its word: the whole series books from there.
    for slot in slots[:1]:
        booked = SeriesService(context).book_series(
            "alice", BookingRequest(XPS, slot.starts_at, slot.ends_at), WEEKLY_4
        )
        assert len(booked.bookings) == 4


def test_a_series_with_no_clash_still_never_offers_its_own_start(
    svc: AvailabilityService,
) -> None:
    wanted = BookingRequest(XPS, london(2026, 3, 19, 10), london(2026, 3, 19, 12))
    starts = [s.starts_at for s in svc.series_slots("alice", wanted, WEEKLY_4, 3)]
    # Nearest first, earlier on a tie, and no two offers overlapping each other.
    assert starts == [london(2026, 3, 19, 9), london(2026, 3, 19, 11), london(2026, 3, 19, 13)]

"""Cancelling and moving a series: this, this and following, all; prices, conflicts, rights."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.bookings import BookingSeries
from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import BookingStatus, NotificationKind, UserClass, WaitlistStatus
from equipshare.domain.errors import ConflictError, InputError, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.series import SeriesService, apply_order
from equipshare.services.bookings.waitlist import WaitlistService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.bookings.series.series_support import (
    RAM,
    XPS,
    audit_actions,
    booking_rows,
    counts,
    monday_mornings,
    notifications,
    utc,
    weekly,
)
from tests.support.pricing import plant_rate
from tests.support.world import World, london

# -- cancelling ---------------------------------------------------------------------------


def test_cancel_this_occurrence_only(
    series: SeriesService, database: Database, world: World
) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=4)).bookings

    cancelled = series.cancel_occurrences("alice", made[1].id, scope="this", reason="away")

    assert [b.id for b in cancelled] == [made[1].id]
    assert cancelled[0].status is BookingStatus.CANCELLED
    assert cancelled[0].status_reason == "away"
    assert cancelled[0].sequence == 1
    statuses = [b.status for b in booking_rows(database)]
    assert (
        statuses
        == [BookingStatus.CONFIRMED, BookingStatus.CANCELLED] + [BookingStatus.CONFIRMED] * 2
    )
    with database.readonly() as s:
        assert s.get_one(BookingSeries, made[0].series_id).sequence == 1
    assert audit_actions(database)[-2:] == ["booking.cancel", "series.cancel"]


def test_cancel_this_and_following(series: SeriesService, database: Database, world: World) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=4)).bookings

    cancelled = series.cancel_occurrences("alice", made[1].id, scope="following", reason="")

    assert [b.id for b in cancelled] == [b.id for b in made[1:]]
    rows = booking_rows(database)
    assert rows[0].status is BookingStatus.CONFIRMED and rows[0].sequence == 0
    assert all(r.status is BookingStatus.CANCELLED and r.sequence == 1 for r in rows[1:])


def test_cancel_all_takes_only_the_active_occurrences(
    series: SeriesService, database: Database, world: World
) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=4)).bookings
    series.cancel_occurrences("alice", made[2].id, scope="this", reason="")

    cancelled = series.cancel_occurrences("alice", made[0].id, scope="all", reason="project over")

    assert [b.id for b in cancelled] == [made[0].id, made[1].id, made[3].id]
    rows = booking_rows(database)
    assert {r.status for r in rows} == {BookingStatus.CANCELLED}
    # The occurrence cancelled first kept its own reason and was not bumped twice.
    assert (rows[2].status_reason, rows[2].sequence) == (None, 1)
    with database.readonly() as s:
        assert s.get_one(BookingSeries, made[0].series_id).sequence == 2
    with pytest.raises(RefusedError, match="no active occurrences left"):
        series.cancel_occurrences("alice", made[0].id, scope="all", reason="")


def test_cancel_all_leaves_occurrences_that_already_happened(
    series: SeriesService, clock: Any, database: Database, world: World
) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=3)).bookings
    clock.advance(days=8)  # Tue 24 March: the first occurrence is over

    cancelled = series.cancel_occurrences("alice", made[2].id, scope="all", reason="")

    assert [b.id for b in cancelled] == [made[1].id, made[2].id]
    assert booking_rows(database)[0].status is BookingStatus.CONFIRMED


def test_staff_cancelling_tells_the_owner_and_offers_the_slot_to_waiters(
    context: ServiceContext, series: SeriesService, database: Database, world: World
) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=3)).bookings
    WaitlistService(context).join("bob", XPS, made[2].starts_at, made[2].ends_at)

    series.cancel_occurrences("mgr", made[1].id, scope="following", reason="engineer visit")

    told = notifications(database, NotificationKind.BOOKING_CANCELLED)
    assert told == [(world.users["alice"], made[1].id), (world.users["alice"], made[2].id)]
    assert [u for u, _ in notifications(database, NotificationKind.WAITLIST_OFFER)] == [
        world.users["bob"]
    ]
    with database.readonly() as s:
        assert s.scalars(select(WaitlistEntry.status)).one() is WaitlistStatus.OFFERED


@pytest.mark.parametrize("who", ["erin", "otherstaff"])
def test_others_may_not_cancel_a_series(
    series: SeriesService, database: Database, world: World, who: str
) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=2)).bookings
    before = counts(database)
    with pytest.raises(PermissionDenied, match="cancel this booking"):
        series.cancel_occurrences(who, made[0].id, scope="all", reason="")
    assert counts(database) == before
    assert {b.status for b in booking_rows(database)} == {BookingStatus.CONFIRMED}


def test_following_needs_a_series(
    series: SeriesService, bookings: BookingService, world: World
) -> None:
    single = bookings.book("alice", monday_mornings())
    with pytest.raises(RefusedError, match="not part of a series"):
        series.cancel_occurrences("alice", single.id, scope="following", reason="")
    assert series.cancel_occurrences("alice", single.id, scope="this", reason="")[0].sequence == 1


# -- moving -------------------------------------------------------------------------------


def test_modify_following_moves_each_occurrence_to_the_new_local_time(
    series: SeriesService, database: Database, world: World
) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=4)).bookings

    moved = series.modify_occurrences(
        "alice", made[1].id, scope="following", new_start_time=time(13), purpose="XPS depth"
    )

    # 13:00 BST is 12:00Z; the length stays two hours; RECURRENCE-ID stays the original slot.
    assert [b.starts_at for b in moved] == [utc(3, 30, 12), utc(4, 6, 12), utc(4, 13, 12)]
    assert [b.ends_at for b in moved] == [utc(3, 30, 14), utc(4, 6, 14), utc(4, 13, 14)]
    assert [b.recurrence_start for b in moved] == [b.starts_at for b in made[1:]]
    assert {(b.sequence, b.purpose, b.series_id) for b in moved} == {
        (1, "XPS depth", made[0].series_id)
    }
    first = booking_rows(database)[0]
    assert (first.starts_at, first.sequence) == (utc(3, 23, 10), 0)
    with database.readonly() as s:
        assert s.get_one(BookingSeries, made[0].series_id).sequence == 1
    assert audit_actions(database)[-4:] == ["booking.modify"] * 3 + ["series.modify"]


def test_modify_this_changes_only_its_length(series: SeriesService, world: World) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=2)).bookings

    moved = series.modify_occurrences(
        "alice", made[0].id, scope="this", new_length=timedelta(hours=3)
    )

    assert [(b.starts_at, b.ends_at) for b in moved] == [(utc(3, 23, 10), utc(3, 23, 13))]


def test_moved_occurrences_are_repriced_at_their_frozen_rates(
    series: SeriesService, database: Database, world: World
) -> None:
    plant_rate(database, world, XPS, UserClass.INTERNAL, "20.00")
    made = series.book_series("alice", monday_mornings(), weekly(count=2)).bookings
    assert [b.charge_pence for b in made] == [4000, 4000]
    plant_rate(database, world, XPS, UserClass.INTERNAL, "99.00", valid_from=date(2026, 3, 1))

    moved = series.modify_occurrences(
        "alice", made[0].id, scope="this", new_length=timedelta(hours=3)
    )

    assert [(b.charge_pence, b.hourly_rate_pence) for b in moved] == [(6000, 2000)]


def test_modify_following_refuses_a_conflict_without_partial_writes(
    series: SeriesService, bookings: BookingService, database: Database, world: World
) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=4)).bookings
    taken = bookings.book(
        "bob", BookingRequest(XPS, london(2026, 4, 6, 13), london(2026, 4, 6, 14))
    )
    before_rows = [(b.id, b.starts_at, b.sequence) for b in booking_rows(database)]
    before = counts(database)

    with pytest.raises(ConflictError) as refused:
        series.modify_occurrences("alice", made[1].id, scope="following", new_start_time=time(13))

    assert "10:00-12:00 Mon 6 Apr 2026 BST occurrence to 13:00-15:00 Mon 6 Apr 2026 BST" in str(
        refused.value
    )
    assert refused.value.booking_id == taken.id
    assert [(b.id, b.starts_at, b.sequence) for b in booking_rows(database)] == before_rows
    assert counts(database) == before


def test_modify_following_rechecks_the_policy(
    series: SeriesService, database: Database, world: World
) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=3)).bookings
    before = counts(database)
    with pytest.raises(RefusedError, match="outside WAR-XPS-01's opening hours"):
        series.modify_occurrences("alice", made[0].id, scope="following", new_start_time=time(16))
    assert counts(database) == before


def test_modify_following_shifts_a_daily_series_over_its_own_old_times(
    series: SeriesService, world: World
) -> None:
    """Each new range overlaps the next day's old one; the order of updates must allow it."""
    request = BookingRequest(RAM, london(2026, 4, 6, 10), london(2026, 4, 6, 14))
    made = series.book_series("alice", request, RecurrenceRule("daily", count=3)).bookings

    moved = series.modify_occurrences(
        "alice",
        made[0].id,
        scope="following",
        new_start_time=time(20),
        new_length=timedelta(hours=20),
    )

    assert [(b.starts_at, b.ends_at) for b in moved] == [
        (utc(4, 6, 19), utc(4, 7, 15)),
        (utc(4, 7, 19), utc(4, 8, 15)),
        (utc(4, 8, 19), utc(4, 9, 15)),
    ]


def test_apply_order_moves_the_blocking_sibling_first(
    series: SeriesService, database: Database, world: World
) -> None:
    request = BookingRequest(RAM, london(2026, 4, 6, 10), london(2026, 4, 6, 14))
    series.book_series("alice", request, RecurrenceRule("daily", count=2))
    rows = booking_rows(database)
    first_new = (utc(4, 7, 8), utc(4, 7, 10))  # lands on the second one's old time
    second_new = (utc(4, 8, 8), utc(4, 8, 10))
    ordered = apply_order([(rows[0], first_new), (rows[1], second_new)])
    assert [row.id for row, _ in ordered] == [rows[1].id, rows[0].id]


@pytest.mark.parametrize("who", ["erin", "otherstaff"])
def test_others_may_not_move_a_series(series: SeriesService, world: World, who: str) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=2)).bookings
    with pytest.raises(PermissionDenied, match="change this booking"):
        series.modify_occurrences(who, made[0].id, scope="following", new_start_time=time(13))


def test_modify_needs_something_to_change(series: SeriesService, world: World) -> None:
    made = series.book_series("alice", monday_mornings(), weekly(count=2)).bookings
    with pytest.raises(InputError, match="nothing to change"):
        series.modify_occurrences("alice", made[0].id, scope="this")

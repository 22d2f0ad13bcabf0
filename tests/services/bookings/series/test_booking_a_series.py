"""Booking a series: DST-true occurrences, until and count, all-or-nothing and skip, on behalf."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.bookings import BookingSeries
from equipshare.domain.enums import BookingStatus, NotificationKind
from equipshare.domain.errors import ConflictError, InputError, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import (
    BookingRecord,
    BookingRequest,
    RecurrenceRule,
)
from equipshare.domain.time.recurrence import occurrences
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.series import SeriesService
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
from tests.support.world import World, london

# -- booking ------------------------------------------------------------------------------


def test_weekly_series_keeps_local_time_across_the_dst_change(
    series: SeriesService, database: Database, world: World
) -> None:
    result = series.book_series("alice", monday_mornings(), weekly(count=4))

    # 10:00 GMT is 10:00Z; from 29 March 10:00 BST is 09:00Z.
    expected = [utc(3, 23, 10), utc(3, 30, 9), utc(4, 6, 9), utc(4, 13, 9)]
    assert [b.starts_at for b in result.bookings] == expected
    assert [b.ends_at for b in result.bookings] == [s + timedelta(hours=2) for s in expected]
    assert [b.recurrence_start for b in result.bookings] == expected
    assert {b.series_id for b in result.bookings} == {result.series_id}
    assert {b.status for b in result.bookings} == {BookingStatus.CONFIRMED}
    assert {b.user_id for b in result.bookings} == {world.users["alice"]}
    assert result.skipped == ()
    assert result.rrule == "FREQ=WEEKLY;COUNT=4"
    with database.readonly() as s:
        stored = s.get_one(BookingSeries, result.series_id)
        assert stored.rrule == "FREQ=WEEKLY;COUNT=4"
        assert stored.first_start == utc(3, 23, 10)
        assert stored.sequence == 0
        assert stored.user_id == world.users["alice"]
        assert stored.instrument_id == world.instruments[XPS]
        assert stored.ical_uid.endswith("@equipshare")
    assert audit_actions(database) == ["booking.create"] * 4 + ["series.create"]


def test_until_date_is_inclusive_and_stored_as_utc_until(
    series: SeriesService, database: Database, world: World
) -> None:
    result = series.book_series("alice", monday_mornings(), weekly(until=date(2026, 4, 13)))

    assert [b.starts_at for b in result.bookings] == [
        utc(3, 23, 10),
        utc(3, 30, 9),
        utc(4, 6, 9),
        utc(4, 13, 9),
    ]
    # The end of 13 April in London (BST) is 22:59:59Z.
    assert result.rrule == "FREQ=WEEKLY;UNTIL=20260413T225959Z"
    with database.readonly() as s:
        assert s.get_one(BookingSeries, result.series_id).rrule == result.rrule


def test_daily_series_across_the_dst_night(series: SeriesService, world: World) -> None:
    request = BookingRequest(RAM, london(2026, 3, 28, 10), london(2026, 3, 28, 12))

    result = series.book_series("alice", request, RecurrenceRule("daily", count=3))

    assert [b.starts_at for b in result.bookings] == [utc(3, 28, 10), utc(3, 29, 9), utc(3, 30, 9)]
    assert result.rrule == "FREQ=DAILY;COUNT=3"


def test_series_ical_uids_are_unique(
    series: SeriesService, database: Database, world: World
) -> None:
    series.book_series("alice", monday_mornings(), weekly(count=2))
    series.book_series("alice", monday_mornings(24), weekly(count=2))
    with database.readonly() as s:
        uids = s.scalars(select(BookingSeries.ical_uid)).all()
    assert len(set(uids)) == 2


def test_all_or_nothing_refuses_the_whole_series_naming_the_clashing_date(
    series: SeriesService, bookings: BookingService, database: Database, world: World
) -> None:
    taken = bookings.book(
        "bob", BookingRequest(XPS, london(2026, 3, 30, 11), london(2026, 3, 30, 12))
    )
    before = counts(database)

    with pytest.raises(ConflictError) as refused:
        series.book_series("alice", monday_mornings(), weekly(count=4))

    message = str(refused.value)
    assert "occurrence 2 of 4, 10:00-12:00 Mon 30 Mar 2026 BST" in message
    assert f"(booking {taken.id})" in message
    assert refused.value.booking_id == taken.id
    assert counts(database) == before


def test_all_or_nothing_refuses_a_policy_breach_in_a_later_week(
    series: SeriesService, database: Database, world: World
) -> None:
    before = counts(database)
    # The XPS takes bookings 90 days ahead (until Sun 14 June): week 13 is beyond that.
    beyond = r"occurrence 13 of 13, .* 15 Jun 2026 BST: .*90 days ahead"
    with pytest.raises(RefusedError, match=beyond):
        series.book_series("alice", monday_mornings(), weekly(count=13))
    assert counts(database) == before


def test_skip_conflicts_books_the_rest_and_reports_what_was_skipped(
    series: SeriesService, bookings: BookingService, database: Database, world: World
) -> None:
    bookings.book("bob", BookingRequest(XPS, london(2026, 3, 30, 11), london(2026, 3, 30, 12)))
    before = counts(database)

    result = series.book_series("alice", monday_mornings(), weekly(count=4), skip_conflicts=True)

    assert [b.starts_at for b in result.bookings] == [utc(3, 23, 10), utc(4, 6, 9), utc(4, 13, 9)]
    assert len(result.skipped) == 1
    skipped = result.skipped[0]
    assert (skipped.starts_at, skipped.ends_at) == (utc(3, 30, 9), utc(3, 30, 11))
    assert "already booked 11:00-12:00 Mon 30 Mar 2026 BST" in skipped.reason
    after = counts(database)
    assert after["bookings"] == before["bookings"] + 3
    assert after["booking_series"] == before["booking_series"] + 1


def test_skip_conflicts_skips_closed_days_of_a_daily_series(
    series: SeriesService, world: World
) -> None:
    # Friday to Monday: the XPS is shut at the weekend.
    request = BookingRequest(XPS, london(2026, 3, 20, 10), london(2026, 3, 20, 11))

    result = series.book_series(
        "alice", request, RecurrenceRule("daily", count=4), skip_conflicts=True
    )

    assert [b.starts_at for b in result.bookings] == [utc(3, 20, 10), utc(3, 23, 10)]
    assert [s.starts_at for s in result.skipped] == [utc(3, 21, 10), utc(3, 22, 10)]
    assert all("outside WAR-XPS-01's opening hours" in s.reason for s in result.skipped)


def test_skip_conflicts_refuses_when_nothing_could_be_booked(
    series: SeriesService, database: Database, world: World
) -> None:
    request = BookingRequest(XPS, london(2026, 3, 21, 10), london(2026, 3, 21, 11))  # Saturday
    before = counts(database)
    with pytest.raises(RefusedError, match="none of the 2 occurrences could be booked"):
        series.book_series("alice", request, RecurrenceRule("daily", count=2), skip_conflicts=True)
    assert counts(database) == before


def test_skip_conflicts_rolls_back_the_partial_work_of_a_refused_occurrence(
    series: SeriesService, database: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal after the row was flushed and audited must leave nothing (SAVEPOINT)."""
    announced: list[int] = []
    original = BookingService._announce

    def flaky(self: BookingService, session: Any, row: BookingRecord, *args: Any) -> None:
        announced.append(row.id)
        if len(announced) == 2:
            raise RefusedError("the outbox refused this one")
        original(self, session, row, *args)

    monkeypatch.setattr(BookingService, "_announce", flaky)
    result = series.book_series("alice", monday_mornings(), weekly(count=3), skip_conflicts=True)

    assert [s.reason for s in result.skipped] == ["the outbox refused this one"]
    assert [b.starts_at for b in booking_rows(database)] == [utc(3, 23, 10), utc(4, 6, 9)]
    assert audit_actions(database) == ["booking.create"] * 2 + ["series.create"]
    assert len(notifications(database, NotificationKind.BOOKING_CONFIRMED)) == 2


def test_permission_refusals_are_never_skipped(
    series: SeriesService, database: Database, world: World
) -> None:
    request = BookingRequest(
        XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 12), on_behalf_of="bob"
    )
    before = counts(database)
    with pytest.raises(PermissionDenied, match="book on behalf of another user"):
        series.book_series("alice", request, weekly(count=3), skip_conflicts=True)
    assert counts(database) == before


def test_staff_book_a_series_on_behalf_of_a_user(
    series: SeriesService, database: Database, world: World
) -> None:
    request = BookingRequest(
        XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 12), on_behalf_of="alice"
    )
    result = series.book_series("tech", request, weekly(count=2))
    assert {b.user_id for b in result.bookings} == {world.users["alice"]}
    assert {b.created_by_id for b in result.bookings} == {world.users["tech"]}
    with database.readonly() as s:
        assert s.get_one(BookingSeries, result.series_id).user_id == world.users["alice"]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (RecurrenceRule("weekly", count=201), "count"),
        (RecurrenceRule("weekly", count=0), "count"),
        (RecurrenceRule("daily", until=date(2026, 10, 31)), "until"),
        (RecurrenceRule("weekly", until=date(2026, 3, 1)), "until"),
        (RecurrenceRule("weekly", count=2, until=date(2026, 4, 1)), "repeat"),
        (RecurrenceRule("weekly"), "repeat"),
        (RecurrenceRule("monthly", count=2), "repeat"),
    ],
)
def test_bad_rules_are_input_errors(
    series: SeriesService, database: Database, world: World, rule: RecurrenceRule, field: str
) -> None:
    before = counts(database)
    with pytest.raises(InputError) as refused:
        series.book_series("alice", monday_mornings(), rule)
    assert refused.value.field == field
    assert counts(database) == before


def test_two_hundred_occurrences_is_the_cap() -> None:
    start = datetime(2026, 3, 23, 10, tzinfo=UTC)
    made = occurrences(start, start + timedelta(hours=1), RecurrenceRule("daily", count=200), "UTC")
    assert len(made) == 200
    assert made[-1][0] == start + timedelta(days=199)

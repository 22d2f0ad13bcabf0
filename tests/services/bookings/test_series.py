"""Recurring series on both engines: DST-true occurrences, all-or-nothing, skip, cancel, move."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, BookingSeries
from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.domain.enums import BookingStatus, NotificationKind, UserClass, WaitlistStatus
from equipshare.domain.errors import ConflictError, InputError, PermissionDenied, RefusedError
from equipshare.domain.records.bookings import BookingRecord, BookingRequest, RecurrenceRule
from equipshare.domain.recurrence import occurrences
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.series import SeriesService, apply_order
from equipshare.services.bookings.waitlist import WaitlistService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.pricing import plant_rate
from tests.support.world import World, london

XPS = "WAR-XPS-01"
RAM = "WAR-RAM-01"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def monday_mornings(start_day: int = 23) -> BookingRequest:
    """10:00-12:00 London on Monday 23 March (still GMT), for alice on the XPS."""
    return BookingRequest(XPS, london(2026, 3, start_day, 10), london(2026, 3, start_day, 12))


def weekly(count: int | None = None, until: date | None = None) -> RecurrenceRule:
    return RecurrenceRule("weekly", count=count, until=until)


def counts(database: Database) -> dict[str, int]:
    with database.readonly() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Booking, BookingSeries, AuditEvent, Notification)
        }


def audit_actions(database: Database) -> list[str]:
    with database.readonly() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all())


def booking_rows(database: Database) -> list[Booking]:
    with database.readonly() as s:
        return list(s.scalars(select(Booking).order_by(Booking.starts_at)).all())


def notifications(database: Database, kind: NotificationKind) -> list[tuple[int, int | None]]:
    with database.readonly() as s:
        rows = s.execute(
            select(Notification.user_id, Notification.booking_id)
            .where(Notification.kind == kind)
            .order_by(Notification.id)
        ).all()
        return [(user or 0, booking) for user, booking in rows]


@pytest.fixture
def series(context: ServiceContext) -> SeriesService:
    return SeriesService(context)


@pytest.fixture
def bookings(context: ServiceContext) -> BookingService:
    return BookingService(context)


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

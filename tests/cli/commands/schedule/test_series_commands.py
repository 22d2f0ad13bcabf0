"""`equipshare book --repeat`, `move` and `cancel --scope` through the real CLI, on both engines.

The CLI runs on the system clock, so series start on a weekday a few days ahead.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus
from tests.cli.commands.schedule.test_booking_commands import (
    TUESDAY,
    as_user,
    at,
    book_xps,
    one_line_error,
    run_book,
    upcoming,
)
from tests.cli.conftest import Invoke
from tests.support.world import LONDON, World


@pytest.fixture
def day() -> date:
    return upcoming(TUESDAY)


@pytest.fixture
def series(invoke: Invoke, database_url: str, world: World, day: date) -> list[int]:
    """alice's weekly XPS series, three Tuesdays 10:00-12:00."""
    result = run_book(
        invoke,
        database_url,
        "alice",
        "WAR-XPS-01",
        at(day, 10),
        at(day, 12),
        "--repeat",
        "weekly",
        "--count",
        "3",
    )
    assert result.exit_code == 0, result.stderr
    return [int(n) for n in re.findall(r"^booking (\d+) confirmed$", result.stdout, re.MULTILINE)]


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(UTC)


def rows(db: Database, ids: list[int]) -> list[tuple[datetime, datetime, BookingStatus]]:
    with db.readonly() as s:
        found = {row.id: row for row in s.scalars(select(Booking).where(Booking.id.in_(ids)))}
    return [(found[i].starts_at, found[i].ends_at, found[i].status) for i in ids]


def actions(db: Database, *names: str) -> list[tuple[str, str]]:
    with db.readonly() as s:
        found = s.execute(
            select(AuditEvent.action, AuditEvent.entity_id)
            .where(AuditEvent.action.in_(names))
            .order_by(AuditEvent.id)
        ).all()
    return [(action, entity) for action, entity in found]


def move(invoke: Invoke, url: str, user: str, booking: int, *args: str) -> tuple[int, str, str]:
    result = invoke("move", str(booking), "--db", url, *args, env=as_user(user))
    return result.exit_code, result.stdout, result.stderr


def test_skip_conflicts_books_what_is_free_and_lists_the_rest(
    invoke: Invoke, database_url: str, db: Database, day: date
) -> None:
    taken = book_xps(invoke, database_url, "bob", day + timedelta(weeks=1), (11, 12))
    result = run_book(
        invoke,
        database_url,
        "alice",
        "WAR-XPS-01",
        at(day, 10),
        at(day, 12),
        "--repeat",
        "weekly",
        "--count",
        "3",
        "--skip-conflicts",
    )
    assert result.exit_code == 0, result.stderr
    booked = re.findall(r"^booking (\d+) confirmed$", result.stdout, re.MULTILINE)
    assert len(booked) == 2
    assert re.search(r"^series \d+: 2 booked, 1 skipped$", result.stdout, re.MULTILINE)
    skipped = (day + timedelta(weeks=1)).isoformat()
    assert result.stderr.startswith(f"skipped {skipped}: WAR-XPS-01 is already booked ")
    assert rows(db, [taken])[0][2] is BookingStatus.PENDING  # bob is from Aston: it waits


def test_move_following_keeps_each_day_and_moves_the_later_occurrences(
    invoke: Invoke, database_url: str, db: Database, series: list[int], day: date
) -> None:
    first, second, third = series
    code, out, err = move(
        invoke, database_url, "alice", second, "--start", "14:00", "--scope", "following"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split()[1] for line in lines] == [str(second), str(third)]
    assert all(
        re.fullmatch(
            r"booking \d+ is now \w{3} \d+ \w{3} \d{4} 14:00-16:00 (GMT|BST) \(confirmed\)", line
        )
        for line in lines
    ), out
    weeks = [day + timedelta(weeks=n) for n in range(3)]
    assert rows(db, series) == [
        (local(weeks[0], 10), local(weeks[0], 12), BookingStatus.CONFIRMED),
        (local(weeks[1], 14), local(weeks[1], 16), BookingStatus.CONFIRMED),
        (local(weeks[2], 14), local(weeks[2], 16), BookingStatus.CONFIRMED),
    ]
    assert actions(db, "booking.modify", "series.modify")[-3:] == [
        ("booking.modify", str(second)),
        ("booking.modify", str(third)),
        ("series.modify", _series_id(db, first)),
    ]


def _series_id(db: Database, booking: int) -> str:
    with db.readonly() as s:
        return str(s.get_one(Booking, booking).series_id)


def test_move_all_changes_the_length_and_this_moves_one_to_another_day(
    invoke: Invoke, database_url: str, db: Database, series: list[int], day: date
) -> None:
    code, _, err = move(
        invoke, database_url, "alice", series[1], "--length", "3h", "--scope", "all"
    )
    assert code == 0, err
    assert [end - start for start, end, _ in rows(db, series)] == [timedelta(hours=3)] * 3
    wednesday = day + timedelta(days=1)
    code, out, err = move(invoke, database_url, "alice", series[0], "--start", at(wednesday, 9))
    assert code == 0, err
    assert out.startswith(f"booking {series[0]} is now ")
    assert rows(db, series[:1]) == [
        (local(wednesday, 9), local(wednesday, 12), BookingStatus.CONFIRMED)
    ]


def test_one_refused_occurrence_moves_none(
    invoke: Invoke, database_url: str, db: Database, series: list[int], day: date
) -> None:
    book_xps(invoke, database_url, "bob", day + timedelta(weeks=2), (14, 15))
    before = rows(db, series)
    code, out, err = move(
        invoke, database_url, "alice", series[0], "--start", "14:00", "--scope", "following"
    )
    assert code == 1
    assert out == ""
    assert "is already booked" in one_line_error(err)
    assert rows(db, series) == before


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--start", "2030-03-05T14:00", "--scope", "following"), "--start"),
        (("--start", "25:00"), "--start"),
        (("--start", "next week"), "--start"),
        (("--length", "soon"), "--length"),
    ],
)
def test_bad_input_exits_2_naming_the_option(
    invoke: Invoke,
    database_url: str,
    db: Database,
    series: list[int],
    args: tuple[str, ...],
    field: str,
) -> None:
    before = rows(db, series)
    code, out, err = move(invoke, database_url, "alice", series[0], *args)
    assert code == 2
    assert out == ""
    assert one_line_error(err).startswith(f"{field}: ")
    assert rows(db, series) == before


def test_nothing_to_change_and_an_unknown_scope_are_usage_errors(
    invoke: Invoke, database_url: str, series: list[int]
) -> None:
    code, _, err = move(invoke, database_url, "alice", series[0])
    assert code == 2
    assert "give --start, --length or both" in err
    code, _, err = move(invoke, database_url, "alice", series[0], "--length", "1h", "--scope", "x")
    assert code == 2


def test_someone_else_may_not_move_or_cancel_a_booking(
    invoke: Invoke, database_url: str, db: Database, series: list[int]
) -> None:
    before = rows(db, series)
    code, _, err = move(invoke, database_url, "bob", series[0], "--length", "1h")
    assert code == 1
    assert one_line_error(err).startswith("bob may not change this booking on WAR-XPS-01")
    cancelled = invoke(
        "cancel", str(series[0]), "--scope", "all", "--db", database_url, env=as_user("bob")
    )
    assert cancelled.exit_code == 1
    assert one_line_error(cancelled.stderr).startswith("bob may not cancel this booking")
    assert rows(db, series) == before
    code, _, err = move(invoke, database_url, "tech", series[0], "--length", "1h")
    assert code == 0, err  # facility staff may


def test_cancel_following_leaves_the_earlier_occurrences(
    invoke: Invoke, database_url: str, db: Database, series: list[int]
) -> None:
    first, second, third = series
    result = invoke(
        "cancel",
        str(second),
        "--scope",
        "following",
        "--reason",
        "project ended",
        "--db",
        database_url,
        env=as_user("alice"),
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"booking {second} cancelled\nbooking {third} cancelled\n"
    assert [status for _, _, status in rows(db, series)] == [
        BookingStatus.CONFIRMED,
        BookingStatus.CANCELLED,
        BookingStatus.CANCELLED,
    ]
    assert actions(db, "booking.cancel", "series.cancel") == [
        ("booking.cancel", str(second)),
        ("booking.cancel", str(third)),
        ("series.cancel", _series_id(db, first)),
    ]
    again = invoke(
        "cancel", str(second), "--scope", "this", "--db", database_url, env=as_user("alice")
    )
    assert again.exit_code == 1
    assert one_line_error(again.stderr) == f"booking {second} is cancelled and cannot be cancelled"


def test_a_scope_beyond_this_needs_a_series(
    invoke: Invoke, database_url: str, db: Database, day: date
) -> None:
    single = book_xps(invoke, database_url, "alice", day, (10, 11))
    result = invoke(
        "cancel", str(single), "--scope", "all", "--db", database_url, env=as_user("alice")
    )
    assert result.exit_code == 1
    assert one_line_error(result.stderr) == f"booking {single} is not part of a series"
    code, _, err = move(
        invoke, database_url, "alice", single, "--start", "14:00", "--scope", "following"
    )
    assert code == 1
    assert one_line_error(err) == f"booking {single} is not part of a series"
    code, _, err = move(invoke, database_url, "alice", single, "--start", "14:00")
    assert code == 0, err
    assert rows(db, [single]) == [(local(day, 14), local(day, 15), BookingStatus.CONFIRMED)]

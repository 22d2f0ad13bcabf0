"""`equipshare book/cancel/approve/reject` through the real CLI, on both engines.

The CLI runs on the system clock, so bookings are placed on weekdays a few days ahead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import Result

from equipshare.config import Settings
from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.cli.conftest import Invoke
from tests.support.world import LONDON, World

TUESDAY = 1


def upcoming(weekday: int, weeks_on: int = 0) -> date:
    """The first `weekday` at least two days from today in London, `weeks_on` weeks later."""
    day = datetime.now(LONDON).date() + timedelta(days=2)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day + timedelta(weeks=weeks_on)


def at(day: date, hour: int) -> str:
    """A naive ISO time, which the CLI reads in the configured zone (Europe/London)."""
    return f"{day.isoformat()}T{hour:02d}:00"


@pytest.fixture
def bookings(database_url: str, world: World) -> Iterator[BookingService]:
    """A service on the test database, to check what the CLI stored."""
    context = ServiceContext.open(Settings().with_database_url(database_url))
    yield BookingService(context)
    context.close()


def as_user(name: str) -> dict[str, str]:
    return {"EQUIPSHARE_USER": name}


def booked_id(output: str) -> int:
    match = re.fullmatch(r"booking (\d+) (\w+)\n", output)
    assert match, output
    return int(match.group(1))


def one_line_error(stderr: str) -> str:
    """The message of a one-line "refused: ..." (rules) or "error: ..." (bad input)."""
    assert stderr.startswith(("refused: ", "error: ")), stderr
    assert stderr.count("\n") == 1, stderr
    return stderr.removeprefix("error: ").removeprefix("refused: ").rstrip("\n")


def run_book(
    invoke: Invoke, url: str, user: str, code: str, start: str, end: str, *extra: str
) -> Result:
    """`equipshare book CODE --start START --end END EXTRA...` as $EQUIPSHARE_USER=user."""
    args = ["book", code, "--db", url, "--start", start, "--end", end, *extra]
    return invoke(*args, env=as_user(user))


def book_xps(invoke: Invoke, url: str, user: str, day: date, hours: tuple[int, int]) -> int:
    result = run_book(invoke, url, user, "WAR-XPS-01", at(day, hours[0]), at(day, hours[1]))
    assert result.exit_code == 0, result.output
    return booked_id(result.stdout)


def test_book_prints_id_and_status_and_reads_naive_times_in_london(
    invoke: Invoke, database_url: str, bookings: BookingService
) -> None:
    day = upcoming(TUESDAY)
    purpose = ("--purpose", "thin films")
    result = run_book(
        invoke, database_url, "alice", "WAR-XPS-01", at(day, 10), at(day, 12), *purpose
    )
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"booking \d+ confirmed\n", result.stdout)
    record = bookings.get("alice", booked_id(result.stdout))
    local_start = datetime(day.year, day.month, day.day, 10, tzinfo=LONDON)
    assert record.starts_at == local_start.astimezone(UTC)
    assert record.ends_at == local_start.astimezone(UTC) + timedelta(hours=2)
    assert (record.username, record.purpose) == ("alice", "thin films")


def test_an_explicit_offset_is_taken_as_given(
    invoke: Invoke, database_url: str, bookings: BookingService
) -> None:
    day = upcoming(TUESDAY)
    start = datetime(day.year, day.month, day.day, 11, tzinfo=LONDON).astimezone(UTC)
    end = start + timedelta(hours=1)
    result = run_book(
        invoke, database_url, "alice", "WAR-XPS-01", start.isoformat(), end.isoformat()
    )
    assert result.exit_code == 0, result.output
    assert bookings.get("alice", booked_id(result.stdout)).starts_at == start


def test_a_conflict_is_refused_on_one_line(invoke: Invoke, database_url: str, world: World) -> None:
    day = upcoming(TUESDAY)
    first = book_xps(invoke, database_url, "alice", day, (10, 12))
    result = run_book(invoke, database_url, "bob", "WAR-XPS-01", at(day, 11), at(day, 13))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("refused: WAR-XPS-01 is already booked 10:00-12:00 Tue ")
    line = one_line_error(result.stderr)
    assert f"WAR-XPS-01 is already booked 10:00-12:00 Tue {day.day}" in line
    assert f"(booking {first})" in line


def test_unknown_instrument_is_refused(invoke: Invoke, database_url: str, world: World) -> None:
    day = upcoming(TUESDAY)
    result = run_book(invoke, database_url, "alice", "NOPE-01", at(day, 10), at(day, 11))
    assert result.exit_code == 1
    assert "no instrument with code 'NOPE-01'" in one_line_error(result.stderr)


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        ("next tuesday", "2026-03-03T11:00", "--start"),
        ("2026-03-03T10:00", "2026-03-03T25:00", "--end"),
        ("2026-03-29T01:30", "2026-03-29T03:00", "--start"),  # in the spring-forward gap
        ("2026-10-25T01:30", "2026-10-25T03:00", "--start"),  # passes twice at fall-back
        ("2026-03-03T12:00", "2026-03-03T10:00", "--end"),
    ],
)
def test_bad_times_are_bad_input_naming_the_option(
    invoke: Invoke, database_url: str, world: World, start: str, end: str, named: str
) -> None:
    result = run_book(invoke, database_url, "alice", "WAR-XPS-01", start, end)
    assert result.exit_code == 2
    assert one_line_error(result.stderr).startswith(f"{named}: ")


def test_booking_on_behalf_needs_staff(
    invoke: Invoke, database_url: str, bookings: BookingService
) -> None:
    day = upcoming(TUESDAY)
    args = ["book", "WAR-XPS-01", "--db", database_url, "--start", at(day, 10)]
    args += ["--end", at(day, 11), "--for", "alice"]
    refused = invoke(*args, env=as_user("erin"))
    assert refused.exit_code == 1
    assert "erin may not book on behalf of another user" in one_line_error(refused.stderr)
    result = invoke(*args, env=as_user("tech"))
    assert result.exit_code == 0, result.output
    assert bookings.get("tech", booked_id(result.stdout)).username == "alice"


def test_admin_books_as_another_user(
    invoke: Invoke, database_url: str, bookings: BookingService
) -> None:
    day = upcoming(TUESDAY)
    args = ["book", "WAR-XPS-01", "--db", database_url, "--start", at(day, 15)]
    args += ["--end", at(day, 16), "--as", "alice"]
    result = invoke(*args, env=as_user("root"))
    assert result.exit_code == 0, result.output
    record = bookings.get("alice", booked_id(result.stdout))
    assert record.username == "alice"
    refused = invoke(*args, env=as_user("bob"))
    assert refused.exit_code == 1
    assert one_line_error(refused.stderr) == ("only admins may act --as another user (you are bob)")


def pending_meg(invoke: Invoke, url: str, day: date, hour: int) -> int:
    start, end = at(day, hour), at(day, hour + 2)
    result = run_book(invoke, url, "alice", "WAR-MEG-01", start, end, "--project", "EP/X01234/1")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(" pending\n")
    return booked_id(result.stdout)


def test_approve_needs_facility_staff(
    invoke: Invoke, database_url: str, bookings: BookingService
) -> None:
    booking = pending_meg(invoke, database_url, upcoming(TUESDAY), 10)
    refused = invoke("approve", str(booking), "--db", database_url, env=as_user("alice"))
    assert refused.exit_code == 1
    line = one_line_error(refused.stderr)
    assert "alice may not approve bookings on WAR-MEG-01" in line
    assert "a manager or technician of Warwick Photoemission RTP" in line
    result = invoke("approve", str(booking), "--db", database_url, env=as_user("tech"))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"booking {booking} confirmed\n"
    assert bookings.get("alice", booking).status is BookingStatus.CONFIRMED


def test_reject_needs_staff_and_a_reason(
    invoke: Invoke, database_url: str, bookings: BookingService
) -> None:
    booking = pending_meg(invoke, database_url, upcoming(TUESDAY), 12)
    args = ("reject", str(booking), "--db", database_url)
    assert invoke(*args, env=as_user("mgr")).exit_code == 2  # --reason is required
    refused = invoke(*args, "--reason", "no", env=as_user("otherstaff"))
    assert refused.exit_code == 1
    assert "otherstaff may not reject bookings" in one_line_error(refused.stderr)
    result = invoke(*args, "--reason", "calibration week", env=as_user("mgr"))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"booking {booking} rejected\n"
    record: BookingRecord = bookings.get("alice", booking)
    assert (record.status, record.status_reason) == (BookingStatus.REJECTED, "calibration week")


def test_cancel_own_booking_but_not_someone_elses(
    invoke: Invoke, database_url: str, bookings: BookingService
) -> None:
    booking = book_xps(invoke, database_url, "alice", upcoming(TUESDAY), (14, 15))
    refused = invoke("cancel", str(booking), "--db", database_url, env=as_user("erin"))
    assert refused.exit_code == 1
    assert "erin may not cancel this booking" in one_line_error(refused.stderr)
    args = ("cancel", str(booking), "--reason", "sample late", "--db", database_url)
    result = invoke(*args, env=as_user("alice"))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"booking {booking} cancelled\n"
    assert bookings.get("alice", booking).status_reason == "sample late"
    again = invoke("cancel", str(booking), "--db", database_url, env=as_user("alice"))
    assert again.exit_code == 1
    assert "is cancelled" in one_line_error(again.stderr)


def test_unknown_booking_is_refused(invoke: Invoke, database_url: str, world: World) -> None:
    result = invoke("cancel", "999999", "--db", database_url, env=as_user("alice"))
    assert result.exit_code == 1
    assert one_line_error(result.stderr) == "no booking 999999"


@pytest.mark.parametrize(
    "extra",
    [
        ["--count", "3"],
        ["--until", "2026-06-30"],
        ["--repeat", "weekly"],
        ["--repeat", "weekly", "--count", "3", "--until", "2026-06-30"],
        ["--repeat", "fortnightly", "--count", "3"],
        ["--skip-conflicts"],
    ],
)
def test_repeat_options_misused_are_usage_errors(
    invoke: Invoke, database_url: str, world: World, extra: list[str]
) -> None:
    day = upcoming(TUESDAY)
    result = run_book(invoke, database_url, "alice", "WAR-XPS-01", at(day, 10), at(day, 11), *extra)
    assert result.exit_code == 2
    assert "Error:" in result.stderr
    assert result.stdout == ""


def test_every_command_has_help_with_an_example(invoke: Invoke) -> None:
    for command in ("book", "cancel", "approve", "reject"):
        result = invoke(command, "--help")
        assert result.exit_code == 0
        assert f"equipshare {command} " in result.stdout.split("Examples:")[1]
        assert "--as USER" in result.stdout


# -- series -------------------------------------------------------------------------------


def test_repeat_weekly_count_books_each_week_at_the_same_local_time(
    invoke: Invoke, database_url: str, bookings: BookingService
) -> None:
    day = upcoming(TUESDAY)
    weekly = ("--repeat", "weekly", "--count", "3")
    result = run_book(
        invoke, database_url, "alice", "WAR-XPS-01", at(day, 10), at(day, 11), *weekly
    )
    assert result.exit_code == 0, result.output
    *lines, summary = result.stdout.splitlines()
    assert re.fullmatch(r"series \d+: 3 booked, 0 skipped", summary)
    ids = [booked_id(line + "\n") for line in lines]
    assert len(ids) == 3
    starts = [bookings.get("alice", i).starts_at.astimezone(LONDON) for i in ids]
    assert [(s.date(), s.hour) for s in starts] == [
        (day + timedelta(weeks=n), 10) for n in range(3)
    ]


def test_repeat_until_is_inclusive(
    invoke: Invoke, database_url: str, bookings: BookingService
) -> None:
    day = upcoming(TUESDAY)
    until = ("--repeat", "daily", "--until", (day + timedelta(days=2)).isoformat())
    result = run_book(invoke, database_url, "alice", "WAR-XPS-01", at(day, 10), at(day, 11), *until)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].endswith(": 3 booked, 0 skipped")


def test_series_is_all_or_nothing_unless_skipping_conflicts(
    invoke: Invoke, database_url: str, bookings: BookingService
) -> None:
    day = upcoming(TUESDAY)
    taken = book_xps(invoke, database_url, "bob", day + timedelta(weeks=1), (10, 11))
    weekly = ("--repeat", "weekly", "--count", "3")
    args = (database_url, "alice", "WAR-XPS-01", at(day, 10), at(day, 11), *weekly)
    refused = run_book(invoke, *args)
    assert refused.exit_code == 1
    assert f"(booking {taken})" in one_line_error(refused.stderr)
    assert refused.stdout == ""

    result = run_book(invoke, *args, "--skip-conflicts")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].endswith(": 2 booked, 1 skipped")
    skipped = (day + timedelta(weeks=1)).isoformat()
    assert result.stderr.startswith(f"skipped {skipped}: WAR-XPS-01 is already booked")
    assert result.stderr.count("\n") == 1

"""`equipshare checkin/checkout` through the real CLI, on both engines.

The CLI runs on the system clock, so the bookings are planted around the real now.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus, ChargeBasis, UserClass
from tests.cli.conftest import Invoke
from tests.support.maintenance_rows import plant_booking
from tests.support.pricing import set_policy
from tests.support.world import World

XPS = "WAR-XPS-01"


def as_user(name: str) -> dict[str, str]:
    return {"EQUIPSHARE_USER": name}


def one_line(stderr: str, label: str) -> str:
    assert stderr.startswith(f"{label}: ") and stderr.count("\n") == 1, stderr
    return stderr.removeprefix(f"{label}: ").rstrip("\n")


def stored(database: Database, booking_id: int) -> Booking:
    with database.readonly() as s:
        row = s.get(Booking, booking_id)
        assert row is not None
        s.expunge(row)
        return row


def under_way(database: Database, world: World) -> int:
    """Alice's 2-hour XPS session that began ten minutes ago, at £30 an hour (frozen)."""
    now = datetime.now(UTC).replace(microsecond=0)
    return plant_booking(
        database,
        world,
        "alice",
        XPS,
        now - timedelta(minutes=10),
        now + timedelta(minutes=110),
        user_class=UserClass.INTERNAL,
        hourly_rate_pence=3000,
        instrument_charge_pence=6000,
        technician_charge_pence=0,
    )


@pytest.mark.parametrize("command", ["checkin", "checkout"])
def test_help_reads_like_a_manual_page_with_examples(invoke: Invoke, command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"equipshare {command} 8812" in result.stdout
    assert "--at TIME" in result.stdout


def test_check_in_then_out_and_second_runs_are_refused(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    set_policy(database, world, basis=ChargeBasis.ACTUAL)
    booking = under_way(database, world)
    done = invoke("checkin", str(booking), "--db", database_url, env=as_user("alice"))
    assert done.exit_code == 0, done.output
    assert re.fullmatch(
        rf"booking {booking} checked in at \d{{4}}-\d\d-\d\d \d\d:\d\d (GMT|BST); "
        r"confirmed, charge £60\.00\n",
        done.stdout,
    ), done.stdout
    again = invoke("checkin", str(booking), "--db", database_url, env=as_user("alice"))
    assert again.exit_code == 1
    assert "already checked in" in one_line(again.stderr, "refused")
    out = invoke("checkout", str(booking), "--db", database_url, env=as_user("alice"))
    assert out.exit_code == 0, out.output
    # Actual basis: checked in and out within a minute or two, so about a minute is billed,
    # and the line says so.
    charge = re.search(
        r"confirmed, charge £(\d+\.\d\d) for \d+ minutes? used, check-in to check-out "
        r"\(booked £60\.00\)\n",
        out.stdout,
    )
    assert charge and float(charge.group(1)) < 2, out.stdout
    row = stored(database, booking)
    assert row.checked_in_at is not None and row.checked_out_at is not None
    out_again = invoke("checkout", str(booking), "--db", database_url, env=as_user("alice"))
    assert out_again.exit_code == 1
    assert "already checked out" in one_line(out_again.stderr, "refused")
    assert stored(database, booking).checked_out_at == row.checked_out_at


def test_bad_input_exits_2_on_one_line_and_changes_nothing(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    booking = under_way(database, world)
    bad_time = invoke(
        "checkin", str(booking), "--at", "teatime", "--db", database_url, env=as_user("tech")
    )
    assert bad_time.exit_code == 2
    assert one_line(bad_time.stderr, "error").startswith("--at: 'teatime' is not an ISO date")
    assert invoke("checkin", "abc", "--db", database_url, env=as_user("tech")).exit_code == 2
    assert invoke("checkout", "--db", database_url, env=as_user("tech")).exit_code == 2
    assert stored(database, booking).checked_in_at is None


def test_refusals_exit_1_on_one_line(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    booking = under_way(database, world)
    stranger = invoke("checkin", str(booking), "--db", database_url, env=as_user("erin"))
    assert stranger.exit_code == 1
    assert one_line(stranger.stderr, "refused").startswith("erin may not check in")
    not_in = invoke("checkout", str(booking), "--db", database_url, env=as_user("alice"))
    assert not_in.exit_code == 1 and "never checked in" in not_in.stderr
    own_time = invoke(
        "checkin",
        str(booking),
        "--at",
        "2026-03-13T10:30+00:00",
        "--db",
        database_url,
        env=as_user("alice"),
    )
    assert own_time.exit_code == 1 and "at another time" in own_time.stderr
    missing = invoke("checkin", "999999", "--db", database_url, env=as_user("alice"))
    assert missing.exit_code == 1 and "no booking 999999" in missing.stderr
    assert stored(database, booking).checked_in_at is None


def test_staff_correct_a_no_show_with_at(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    start = datetime(2026, 3, 13, 10, tzinfo=UTC)
    missed = plant_booking(
        database, world, "alice", XPS, start, start + timedelta(hours=2), BookingStatus.NO_SHOW
    )
    args = ["--db", database_url, "--as", "tech"]
    came = invoke(
        "checkin", str(missed), "--at", "2026-03-13T10:20+00:00", *args, env=as_user("root")
    )
    assert came.exit_code == 0, came.output
    assert came.stdout == (
        f"booking {missed} checked in at 2026-03-13 10:20 GMT; completed, charge £0.00\n"
    )
    left = invoke("checkout", str(missed), "--at", "2026-03-13T11:50", *args, env=as_user("root"))
    assert left.exit_code == 0, left.output
    assert f"booking {missed} checked out at 2026-03-13 11:50 GMT" in left.stdout
    row = stored(database, missed)
    assert row.status is BookingStatus.COMPLETED
    assert row.checked_in_by_id == world.users["tech"]

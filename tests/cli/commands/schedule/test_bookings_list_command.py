"""`equipshare bookings list`: your own bookings, or a facility's for its staff, on both engines."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import Result
from sqlalchemy import update

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from tests.cli.commands.schedule.test_booking_commands import (
    TUESDAY,
    as_user,
    at,
    book_xps,
    booked_id,
    one_line_error,
    run_book,
    upcoming,
)
from tests.cli.conftest import Invoke
from tests.support.world import World


@pytest.fixture
def booked(invoke: Invoke, database_url: str, world: World) -> dict[str, int]:
    """alice on the XPS and the MEG (pending), bob on the XPS, alice on the Aston SEM."""
    day = upcoming(TUESDAY)
    meg = run_book(
        invoke, database_url, "alice", "WAR-MEG-01", at(day, 8), at(day, 10), "--project", "EP/1"
    )
    sem = run_book(invoke, database_url, "alice", "AST-SEM-01", at(day, 9), at(day, 10))
    assert meg.exit_code == 0 and sem.exit_code == 0, meg.stderr + sem.stderr
    return {
        "alice_xps": book_xps(invoke, database_url, "alice", day, (10, 12)),
        "bob_xps": book_xps(invoke, database_url, "bob", day, (13, 14)),
        "alice_meg": booked_id(meg.stdout),
        "alice_sem": booked_id(sem.stdout),
    }


def bookings(invoke: Invoke, url: str, user: str, *args: str) -> Result:
    return invoke("bookings", "list", "--db", url, *args, env=as_user(user))


def listed(invoke: Invoke, url: str, user: str, *args: str) -> list[dict[str, object]]:
    result = bookings(invoke, url, user, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_mine_lists_my_upcoming_bookings_soonest_first_with_who_must_approve(
    invoke: Invoke, database_url: str, booked: dict[str, int]
) -> None:
    rows = listed(invoke, database_url, "alice")
    assert [row["booking"] for row in rows] == [
        booked["alice_meg"],
        booked["alice_sem"],
        booked["alice_xps"],
    ]
    meg = rows[0]
    assert (meg["status"], meg["instrument"], meg["waiting_for"]) == (
        "pending",
        "WAR-MEG-01",
        "Mgr",
    )
    assert re.fullmatch(r"\w{3} \d+ \w{3} \d{4} 08:00-10:00 (GMT|BST)", str(meg["when"]))
    assert meg["price"] == "-"
    xps = listed(invoke, database_url, "alice", "--instrument", "WAR-XPS-01")
    assert [row["booking"] for row in xps] == [booked["alice_xps"]]
    assert listed(invoke, database_url, "alice", "--past") == []
    assert [row["booking"] for row in listed(invoke, database_url, "bob")] == [booked["bob_xps"]]


def test_past_lists_ended_bookings_latest_first(
    invoke: Invoke, database_url: str, db: Database, booked: dict[str, int]
) -> None:
    now = datetime.now(UTC)
    with db.sessions.begin() as s:  # the CLI runs on the real clock: move two into the past
        for n, key in enumerate(("alice_xps", "alice_sem")):
            start = now - timedelta(days=3 + n)
            s.execute(
                update(Booking)
                .where(Booking.id == booked[key])
                .values(starts_at=start, ends_at=start + timedelta(hours=1))
            )
    past = listed(invoke, database_url, "alice", "--past")
    assert [row["booking"] for row in past] == [booked["alice_xps"], booked["alice_sem"]]
    assert [row["booking"] for row in listed(invoke, database_url, "alice")] == [
        booked["alice_meg"]
    ]


def test_staff_list_everyone_on_their_facility(
    invoke: Invoke, database_url: str, booked: dict[str, int]
) -> None:
    rows = listed(invoke, database_url, "tech", "--facility", "WAR-PRP")
    assert [row["booking"] for row in rows] == [
        booked["alice_meg"],
        booked["alice_xps"],
        booked["bob_xps"],
    ]
    bob = rows[2]
    assert (bob["user"], bob["institution"], bob["status"], bob["instrument"]) == (
        "bob",
        "ASTON",
        "pending",
        "WAR-XPS-01",
    )
    assert rows[0]["project"] == "EP/1"
    only_xps = listed(
        invoke, database_url, "root", "--facility", "WAR-PRP", "--instrument", "WAR-XPS-01"
    )
    assert [row["booking"] for row in only_xps] == [booked["alice_xps"], booked["bob_xps"]]
    aston = listed(invoke, database_url, "otherstaff", "--facility", "AST-EM")
    assert [row["booking"] for row in aston] == [booked["alice_sem"]]
    table = bookings(invoke, database_url, "mgr", "--facility", "WAR-PRP")
    assert table.exit_code == 0
    assert "bob" in table.stdout


def test_a_facility_list_is_for_its_staff_only(
    invoke: Invoke, database_url: str, booked: dict[str, int]
) -> None:
    for user in ("alice", "otherstaff"):
        result = bookings(invoke, database_url, user, "--facility", "WAR-PRP")
        assert result.exit_code == 1
        assert result.stdout == ""
        assert one_line_error(result.stderr) == (
            f"{user} may not see the bookings of Warwick Photoemission RTP: that needs a "
            "manager or technician of Warwick Photoemission RTP, or an admin"
        )
    unknown = bookings(invoke, database_url, "tech", "--facility", "NOPE")
    assert unknown.exit_code == 1
    assert one_line_error(unknown.stderr) == "no facility with code 'NOPE'"
    elsewhere = bookings(
        invoke, database_url, "tech", "--facility", "WAR-PRP", "--instrument", "AST-SEM-01"
    )
    assert elsewhere.exit_code == 2
    assert one_line_error(elsewhere.stderr) == (
        "instrument: AST-SEM-01 is not an instrument of Warwick Photoemission RTP"
    )
    no_such = bookings(invoke, database_url, "alice", "--instrument", "NOPE-01")
    assert no_such.exit_code == 1

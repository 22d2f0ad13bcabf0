"""`equipshare approvals list` with `approve`/`reject` through the real CLI, on both engines."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import Result
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
    booked_id,
    one_line_error,
    run_book,
    upcoming,
)
from tests.cli.conftest import Invoke
from tests.support.world import World


@pytest.fixture
def requests(invoke: Invoke, database_url: str, world: World) -> tuple[int, int]:
    """Two pending requests: bob (Aston) on the XPS, then alice on the MEG (approval needed)."""
    day = upcoming(TUESDAY)
    xps = book_xps(invoke, database_url, "bob", day, (10, 12))
    meg = run_book(
        invoke, database_url, "alice", "WAR-MEG-01", at(day, 8), at(day, 10), "--project", "EP/1"
    )
    assert meg.exit_code == 0, meg.stderr
    return xps, booked_id(meg.stdout)


def approvals(invoke: Invoke, url: str, user: str, *args: str) -> Result:
    return invoke("approvals", "list", "--db", url, *args, env=as_user(user))


def listed(invoke: Invoke, url: str, user: str, *args: str) -> list[dict[str, object]]:
    result = approvals(invoke, url, user, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def status_of(db: Database, booking_id: int) -> BookingStatus:
    with db.readonly() as s:
        return s.get_one(Booking, booking_id).status


def test_staff_see_their_facility_requests_oldest_first_with_what_an_approver_weighs(
    invoke: Invoke, database_url: str, requests: tuple[int, int]
) -> None:
    xps, meg = requests
    rows = listed(invoke, database_url, "tech")
    assert [row["booking"] for row in rows] == [xps, meg]
    bob, alice = rows
    assert bob["instrument"] == "WAR-XPS-01"
    assert (bob["requester"], bob["institution"]) == ("Bob (bob)", "ASTON")
    assert bob["other_institution"] is True
    assert str(bob["training"]).startswith("trained until ")
    assert re.fullmatch(r"\w{3} \d+ \w{3} \d{4} 10:00-12:00 (GMT|BST)", str(bob["when"]))
    assert re.fullmatch(r"\w{3} \d+ \w{3} \d{4} \d\d:\d\d (GMT|BST)", str(bob["requested"]))
    assert (alice["other_institution"], alice["training"], alice["project"]) == (
        False,
        "not required",
        "EP/1",
    )
    assert [row["booking"] for row in listed(invoke, database_url, "root")] == [xps, meg]
    assert [
        row["booking"] for row in listed(invoke, database_url, "mgr", "--facility", "WAR-PRP")
    ] == [xps, meg]
    table = approvals(invoke, database_url, "tech")
    assert "WAR-XPS-01" in table.stdout and "Bob (ASTON) *" in table.stdout
    assert table.stderr == "2 requests waiting, oldest first  ·  * another institution\n"


def test_others_see_none_and_another_facility_is_refused(
    invoke: Invoke, database_url: str, requests: tuple[int, int]
) -> None:
    assert listed(invoke, database_url, "otherstaff") == []
    assert listed(invoke, database_url, "alice") == []
    assert listed(invoke, database_url, "otherstaff", "--facility", "AST-EM") == []
    empty = approvals(invoke, database_url, "alice")
    assert empty.exit_code == 0
    assert empty.stderr == "No requests are waiting for you\n"
    refused = approvals(invoke, database_url, "otherstaff", "--facility", "WAR-PRP")
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert one_line_error(refused.stderr) == (
        "otherstaff may not approve bookings on WAR-PRP: that needs a manager or technician "
        "of Warwick Photoemission RTP, or an admin"
    )
    unknown = approvals(invoke, database_url, "tech", "--facility", "NOPE")
    assert unknown.exit_code == 1
    assert one_line_error(unknown.stderr) == "no facility with code 'NOPE'"


def test_another_facility_technician_cannot_approve_but_its_own_can(
    invoke: Invoke, database_url: str, db: Database, requests: tuple[int, int]
) -> None:
    xps, meg = requests
    refused = invoke("approve", str(xps), "--db", database_url, env=as_user("otherstaff"))
    assert refused.exit_code == 1
    assert one_line_error(refused.stderr).startswith("otherstaff may not approve bookings on ")
    assert status_of(db, xps) is BookingStatus.PENDING
    approved = invoke("approve", str(xps), "--db", database_url, env=as_user("tech"))
    assert approved.exit_code == 0, approved.stderr
    assert approved.stdout == f"booking {xps} confirmed\n"
    rejected = invoke(
        "reject", str(meg), "--reason", "calibration week", "--db", database_url, env=as_user("mgr")
    )
    assert rejected.exit_code == 0, rejected.stderr
    assert status_of(db, xps) is BookingStatus.CONFIRMED
    assert status_of(db, meg) is BookingStatus.REJECTED
    assert listed(invoke, database_url, "tech") == []
    with db.readonly() as s:
        actions = s.execute(
            select(AuditEvent.action, AuditEvent.entity_id).where(
                AuditEvent.action.in_(["booking.approve", "booking.reject"])
            )
        ).all()
    assert sorted(actions) == [("booking.approve", str(xps)), ("booking.reject", str(meg))]


def test_format_csv_has_a_header_and_one_line_per_request(
    invoke: Invoke, database_url: str, requests: tuple[int, int]
) -> None:
    result = approvals(invoke, database_url, "tech", "--format", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "booking,requested,when,instrument,requester,institution,other_institution,training,"
        "technician,project,purpose"
    )
    assert len(lines) == 3
    bad = approvals(invoke, database_url, "tech", "--format", "xml")
    assert bad.exit_code == 2

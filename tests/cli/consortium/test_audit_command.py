"""`equipshare audit` through the real CLI, on both engines: the three formats, times in the
facility's zone with the zone named, who may read what, paging, and one-line errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import update

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Facility
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.service import BookingService
from equipshare.services.people.service import AccountService
from equipshare.services.plumbing.context import ServiceContext
from tests.cli.conftest import Invoke
from tests.support.world import World, london

ROOT = {"EQUIPSHARE_USER": "root"}


@pytest.fixture
def booking(context: ServiceContext, world: World, clock: FrozenClock, database: Database) -> int:
    """bob's XPS booking, made at 09:00 UTC and approved by mgr a minute later (summer time
    is not yet in force: London shows GMT); then root edits erin at 09:02."""
    bookings = BookingService(context)
    made = bookings.book("bob", BookingRequest("WAR-XPS-01", london(2026, 3, 17, 10),
                                               london(2026, 3, 17, 12)))  # fmt: skip
    clock.advance(minutes=1)
    bookings.approve("mgr", made.id)
    clock.advance(minutes=1)
    AccountService(context).edit("root", "erin", email="erin@warwick.ac.uk")
    with database.sessions.begin() as session:
        session.execute(
            update(Facility).where(Facility.code == "WAR-PRP").values(timezone="America/New_York")
        )
    return made.id


def test_table_shows_the_facility_zone_named_and_the_changes(
    invoke: Invoke, database_url: str, booking: int
) -> None:
    wide = ROOT | {"COLUMNS": "400"}  # rich wraps the table to the terminal's width
    result = invoke("audit", "--entity", f"booking:{booking}", "--db", database_url, env=wide)
    assert result.exit_code == 0, result.output
    assert "2026-03-16 05:01:00 EDT" in result.stdout  # New York moved its clocks on 8 March
    assert "America/New_York" in result.stdout and "booking.approve" in result.stdout
    assert "status: pending -> confirmed" in result.stdout and result.stderr == ""


def test_csv_and_json_carry_the_same_columns_and_structured_changes(
    invoke: Invoke, database_url: str, booking: int
) -> None:
    args = ("audit", "--db", database_url)
    rows = list(csv.DictReader(io.StringIO(invoke(*args, "--format", "csv", env=ROOT).stdout)))
    assert [(r["action"], r["entity"], r["who"]) for r in rows] == [
        ("user.edit", "user:erin", "root"),
        ("booking.approve", f"booking:{booking}", "mgr"),
        ("booking.create", f"booking:{booking}", "bob"),
    ]
    assert (rows[0]["when"], rows[0]["zone"]) == ("2026-03-16T09:02:00+00:00", "Europe/London")
    assert rows[0]["changes"] == "email: erin@example.ac.uk -> erin@warwick.ac.uk"
    assert rows[1]["when"] == "2026-03-16T05:01:00-04:00" and rows[1]["instrument"] == "WAR-XPS-01"
    data = json.loads(invoke(*args, "--format", "json", "--user", "mgr", env=ROOT).stdout)
    assert len(data) == 1 and list(data[0]) == [
        "id", "when", "zone", "who", "action", "entity", "instrument", "changes",
    ]  # fmt: skip
    assert {"field": "status", "before": "pending", "after": "confirmed"} in data[0]["changes"]


def test_who_reads_what_through_the_command(
    invoke: Invoke, database_url: str, booking: int
) -> None:
    def actions(user: str, *args: str) -> list[str]:
        result = invoke("audit", *args, "--format", "json", "--db", database_url,
                        env={"EQUIPSHARE_USER": user})  # fmt: skip
        assert result.exit_code == 0, result.output
        return [row["action"] for row in json.loads(result.stdout)]

    assert actions("tech") == actions("bob") == ["booking.approve", "booking.create"]
    assert actions("tech", "--instrument", "WAR-XPS-01") == ["booking.approve", "booking.create"]
    assert actions("otherstaff") == actions("erin") == []
    refused = invoke("audit", "--entity", f"booking:{booking}", "--db", database_url,
                     env={"EQUIPSHARE_USER": "otherstaff"})  # fmt: skip
    assert refused.exit_code == 1
    assert refused.stderr.startswith("refused: otherstaff may not see this history on WAR-XPS-01")
    user = invoke("audit", "--entity", "user:erin", "--db", database_url,
                  env={"EQUIPSHARE_USER": "mgr"})  # fmt: skip
    assert user.exit_code == 1 and "needs an admin" in user.stderr


def test_paging_with_limit_and_before(invoke: Invoke, database_url: str, booking: int) -> None:
    args = ("audit", "--format", "json", "--limit", "2", "--db", database_url)
    first = invoke(*args, env=ROOT)
    ids = [row["id"] for row in json.loads(first.stdout)]
    assert (
        len(ids) == 2 and first.stderr == f"more events: add --before {ids[-1]} for the next page\n"
    )
    last = invoke(*args, "--before", str(ids[-1]), env=ROOT)
    assert [row["action"] for row in json.loads(last.stdout)] == ["booking.create"]
    assert last.stderr == ""
    since = invoke("audit", "--since", "2026-03-17", "--db", database_url, env=ROOT)
    assert since.exit_code == 0 and since.stderr == "no events\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--since", "last week"), 2, "error: --since: 'last week' is not a date"),
        (("--entity", "booking"), 2, "error: --entity: 'booking' is not one of"),
        (("--entity", "booking:x"), 2, "error: --entity: booking 'x' is not a number"),
        (("--limit", "0"), 2, "Invalid value for '--limit'"),
        (("--before", "99999"), 2, "error: --before: no audit event 99999"),
        (("--instrument", "NOPE"), 1, "refused: no instrument with code 'NOPE'"),
        (("--user", "nobody"), 1, "refused: no user called 'nobody'"),
    ],
)
def test_bad_input_is_one_line_naming_the_option(
    invoke: Invoke, database_url: str, booking: int, args: tuple[str, ...], code: int, message: str
) -> None:
    result = invoke("audit", *args, "--db", database_url, env=ROOT)
    assert result.exit_code == code and message in result.stderr
    if code == 1 or message.startswith("error"):
        assert result.stderr.count("\n") == 1 and result.stdout == ""

"""`equipshare instruments add|edit|status|hours|show` through the real CLI, on both engines.

The CLI runs on the system clock, so bookings sit on days worked out from today: the
weekdays either side of London's next clock change, booked by a manager with the policy
overridden (the change may lie beyond the 90-day horizon).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import pytest
from click.testing import Result
from sqlalchemy import select

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument
from equipshare.domain.enums import BookingStatus, InstrumentStatus
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.cli.conftest import Invoke
from tests.support.world import LONDON, World

XPS = "WAR-XPS-01"


def run(invoke: Invoke, url: str, user: str, *args: str) -> Result:
    return invoke("--db", url, *args, env={"EQUIPSHARE_USER": user})


def one_line(result: Result, code: int, label: str, text: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stderr.startswith(f"{label}: ") and result.stderr.count("\n") == 1
    assert text in result.stderr, result.stderr


def clock_change() -> date:
    """The day London's clocks next change (a Sunday), at least four days from today."""
    day = datetime.now(LONDON).date() + timedelta(days=4)
    while True:
        noon = datetime.combine(day, time(12), tzinfo=LONDON)
        if noon.utcoffset() != (noon - timedelta(days=1)).utcoffset():
            return day
        day += timedelta(days=1)


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


@pytest.fixture
def across_the_change(database_url: str, world: World) -> Iterator[dict[str, int]]:
    """alice 09-11 the Friday before the change and the Monday after; bob 11-13 both days."""
    change = clock_change()
    friday, monday = change - timedelta(days=2), change + timedelta(days=1)
    context = ServiceContext.open(Settings().with_database_url(database_url))
    service, ids = BookingService(context), {}
    for name, day in (("friday", friday), ("monday", monday)):
        for user, hour in (("alice", 9), ("bob", 11)):
            request = BookingRequest(XPS, local(day, hour), local(day, hour + 2), on_behalf_of=user)
            ids[f"{user}-{name}"] = service.book("mgr", request, override_policy=True).id
    yield ids
    context.close()


def test_add_then_show_every_field(invoke: Invoke, database_url: str, world: World) -> None:
    added = run(invoke, database_url, "mgr", "instruments", "add", "WAR-NMR-01",
                "--facility", "WAR-PRP", "--name", "Bruker 600", "--category", "NMR",
                "--manufacturer", "Bruker", "--max-minutes", "240", "--approval",
                "--weekly-quota-hours", "6", "--mon", "08:00-12:00,13:00-18:00")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.stderr == "WAR-NMR-01 created in Warwick Photoemission RTP\n"

    shown = run(invoke, database_url, "alice", "instruments", "show", "WAR-NMR-01",
                "--format", "json")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    [fields] = json.loads(shown.stdout)
    assert fields["manufacturer"] == "Bruker" and fields["max_minutes"] == 240
    assert fields["requires_approval"] is True and fields["weekly_quota_minutes"] == 360
    assert fields["slot_minutes"] == 30  # the [booking] default
    assert fields["opening_hours"] == "mon 08:00-12:00,13:00-18:00"
    assert fields["status"] == "available" and fields["timezone"] == "Europe/London"
    table = run(invoke, database_url, "alice", "instruments", "show", "WAR-NMR-01")
    assert "Bruker 600" in table.stdout and "max minutes" in table.stdout


def test_add_refusals_and_bad_input(invoke: Invoke, database_url: str, world: World) -> None:
    def add(user: str, *args: str) -> Result:
        return run(invoke, database_url, user, "instruments", "add", "WAR-NMR-01",
                   "--facility", "WAR-PRP", "--name", "NMR", *args)  # fmt: skip

    one_line(add("mgr"), 2, "error", "category: a new instrument needs one")
    one_line(add("tech", "--category", "NMR"), 1, "refused", "tech may not edit this instrument")
    one_line(add("alice", "--category", "NMR"), 1, "refused", "a manager of Warwick Photoemission")
    one_line(add("mgr", "--category", "NMR", "--slot-minutes", "7"), 2, "error",
             "slot_minutes: 7 does not divide a day")  # fmt: skip
    one_line(add("mgr", "--category", "NMR", "--access-level", "everyone"), 2, "error",
             "--access-level: 'everyone' is not one of institution")  # fmt: skip
    one_line(add("mgr", "--category", "NMR", "--always-open", "--mon", "09:00-17:00"), 2,
             "error", "--always-open: give it or day hours, not both")  # fmt: skip


def test_edit_prints_the_future_bookings_the_new_policy_would_break(
    invoke: Invoke, database_url: str, db: Database, across_the_change: dict[str, int]
) -> None:
    edited = run(invoke, database_url, "mgr", "instruments", "edit", XPS, "--max-minutes", "60",
                 "--project-code", "--format", "json")  # fmt: skip

    assert edited.exit_code == 0, edited.output
    rows = json.loads(edited.stdout)
    assert sorted(r["booking"] for r in rows) == sorted(across_the_change.values())
    assert rows[0]["problems"] == ["longer than 1 h", "has no project code"]
    assert edited.stderr.splitlines() == [
        f"{XPS} changed max_minutes: 480 -> 60",
        f"{XPS} changed requires_project_code: false -> true",
        "4 future bookings break the new rules and stay as they are: tell their owners",
    ]
    with db.readonly() as s:
        statuses = set(s.scalars(select(Booking.status)))
        assert s.scalars(select(Instrument.max_minutes).where(Instrument.code == XPS)).one() == 60
    assert statuses == {BookingStatus.CONFIRMED}  # untouched


def test_edit_bad_input_is_one_line_naming_the_field(
    invoke: Invoke, database_url: str, world: World
) -> None:
    def edit(*args: str) -> Result:
        return run(invoke, database_url, "mgr", "instruments", "edit", XPS, *args)

    one_line(edit("--max-minutes", "four"), 2, "error", "--max-minutes: 'four' is not a whole")
    one_line(edit("--max-minutes", "30000"), 2, "error", "max_minutes: at most 20160 (14 days)")
    one_line(edit("--contact-email", "nobody"), 2, "error", "contact_email: 'nobody' is not an")
    one_line(edit(), 2, "error", "nothing to change")
    one_line(run(invoke, database_url, "tech", "instruments", "edit", XPS, "--name", "x"), 1,
             "refused", "tech may not edit this instrument on WAR-XPS-01")  # fmt: skip
    one_line(run(invoke, database_url, "mgr", "instruments", "edit", "NOPE", "--name", "x"), 1,
             "refused", "no instrument with code 'NOPE'")  # fmt: skip
    unchanged = edit("--name", XPS)
    assert unchanged.exit_code == 0 and unchanged.stderr == f"{XPS}: nothing to change\n"


def test_hours_across_the_clock_change_name_the_bookings_outside_them(
    invoke: Invoke, database_url: str, db: Database, across_the_change: dict[str, int]
) -> None:
    """10:00 on the wall clock on both sides of the change: the 09:00 starts fall outside."""
    week = [f"--{day}" for day in ("mon", "tue", "wed", "thu", "fri")]
    args = [arg for day in week for arg in (day, "10:00-17:00")]

    dry = run(invoke, database_url, "mgr", "instruments", "hours", XPS, *args, "--dry-run",
              "--format", "csv")  # fmt: skip
    assert dry.exit_code == 0, dry.output
    ids = sorted(int(line.split(",")[0]) for line in dry.stdout.splitlines()[1:])
    assert ids == sorted([across_the_change["alice-friday"], across_the_change["alice-monday"]])
    assert "GMT" in dry.stdout and "BST" in dry.stdout  # one each side, in the zone's names
    assert dry.stderr.startswith(f"{XPS} would change opening_hours: mon 09:00-17:00")

    shown = run(invoke, database_url, "mgr", "instruments", "hours", XPS, "--format", "json")
    assert json.loads(shown.stdout)[0] == {"day": "mon", "hours": "09:00-17:00"}  # dry: kept

    done = run(invoke, database_url, "mgr", "instruments", "hours", XPS, *args)
    assert done.exit_code == 0, done.output
    shown = run(invoke, database_url, "mgr", "instruments", "hours", XPS, "--format", "json")
    assert json.loads(shown.stdout)[:2] == [
        {"day": "mon", "hours": "10:00-17:00"},
        {"day": "tue", "hours": "10:00-17:00"},
    ]
    assert json.loads(shown.stdout)[5] == {"day": "sat", "hours": "closed"}


def test_hours_refusals_name_the_day(invoke: Invoke, database_url: str, world: World) -> None:
    def hours(*args: str) -> Result:
        return run(invoke, database_url, "mgr", "instruments", "hours", XPS, *args)

    one_line(hours("--tue", "09:00-12:00,11:00-13:00"), 2, "error",
             "tue: 09:00-12:00 and 11:00-13:00 overlap")  # fmt: skip
    one_line(hours("--wed", "17:00-09:00"), 2, "error", "wed: 17:00-09:00 does not open before")
    one_line(hours("--mon", "closed"), 2, "error", "opening_hours: closed every day")
    always = hours("--always-open")
    assert always.exit_code == 0, always.output
    shown = hours("--format", "json")
    assert {row["hours"] for row in json.loads(shown.stdout)} == {"always open"}


def test_status_out_of_service_asks_about_the_bookings_then_cancels_them(
    invoke: Invoke, database_url: str, db: Database, across_the_change: dict[str, int]
) -> None:
    def status(*args: str, user: str = "tech") -> Result:
        return run(invoke, database_url, user, "instruments", "status", XPS, *args)

    pump = ("out_of_service", "--reason", "turbo pump failed")
    one_line(status(*pump), 1, "refused", "would strand 4 future bookings")
    one_line(status("out_of_service"), 2, "error", "reason: say why")
    one_line(status("broken"), 2, "error", "STATUS: 'broken' is not one of available")
    one_line(status(*pump, "--cancel-affected", user="alice"), 1, "refused",
             "alice may not change this instrument's status")  # fmt: skip

    dry = status(*pump, "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.output
    assert len(json.loads(dry.stdout)) == 4
    assert "dry run: 4 future bookings stranded" in dry.stderr

    done = status(*pump, "--cancel-affected")
    assert done.exit_code == 0, done.output
    assert f"{XPS}: available -> out_of_service (turbo pump failed)" in done.stderr
    assert "4 future bookings cancelled, owners told" in done.stderr
    with db.readonly() as s:
        assert set(s.scalars(select(Booking.status))) == {BookingStatus.CANCELLED}
    day = clock_change() + timedelta(days=2)
    refused = run(invoke, database_url, "alice", "book", XPS, "--start", f"{day}T10:00",
                  "--end", f"{day}T11:00")  # fmt: skip
    one_line(refused, 1, "refused", "out of service and cannot be booked: turbo pump failed")


def test_status_keep_affected_and_back_to_available(
    invoke: Invoke, database_url: str, db: Database, across_the_change: dict[str, int]
) -> None:
    kept = run(invoke, database_url, "mgr", "instruments", "status", XPS, "retired",
               "--reason", "replaced", "--keep-affected")  # fmt: skip
    assert kept.exit_code == 0, kept.output
    assert "4 future bookings kept" in kept.stderr
    with db.readonly() as s:
        row = s.scalars(select(Instrument).where(Instrument.code == XPS)).one()
        assert (row.status, row.status_reason) == (InstrumentStatus.RETIRED, "replaced")
        assert BookingStatus.CANCELLED not in set(s.scalars(select(Booking.status)))
    back = run(invoke, database_url, "tech", "instruments", "status", XPS, "available")
    assert back.exit_code == 0 and f"{XPS}: retired -> available" in back.stderr
    again = run(invoke, database_url, "tech", "instruments", "status", XPS, "available")
    assert again.exit_code == 0 and again.stderr == f"{XPS} is already available: nothing changed\n"


def test_every_change_is_audited(
    invoke: Invoke, database_url: str, db: Database, world: World
) -> None:
    run(invoke, database_url, "mgr", "instruments", "edit", XPS, "--room", "R1.04")
    run(invoke, database_url, "mgr", "instruments", "hours", XPS, "--always-open")
    run(invoke, database_url, "tech", "instruments", "status", XPS, "limited", "--reason", "slow")
    with db.readonly() as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["instrument.edit", "instrument.hours", "instrument.status"]

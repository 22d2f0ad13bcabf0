"""`equipshare downtime list|add|cancel` through the real CLI, on both engines.

The CLI runs on the system clock, so downtime and bookings sit on weekdays a few days ahead.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.domain.enums import BookingStatus, DowntimeReason
from tests.cli.commands.schedule.test_booking_commands import (
    TUESDAY,
    as_user,
    at,
    book_xps,
    one_line_error,
    upcoming,
)
from tests.cli.conftest import Invoke
from tests.support.world import LONDON, World


def downtimes(db: Database) -> list[Downtime]:
    with db.readonly() as s:
        return list(s.scalars(select(Downtime).order_by(Downtime.id)).all())


def status_of(db: Database, booking_id: int) -> BookingStatus:
    with db.readonly() as s:
        return s.get_one(Booking, booking_id).status


def audit(db: Database, action: str) -> list[AuditEvent]:
    with db.readonly() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)).all())


def add(invoke: Invoke, url: str, user: str, *args: str) -> tuple[int, str, str]:
    result = invoke("downtime", "add", "--db", url, *args, env=as_user(user))
    return result.exit_code, result.stdout, result.stderr


def test_bookings_in_the_way_are_shown_and_nothing_is_written_without_yes(
    invoke: Invoke, database_url: str, db: Database
) -> None:
    day = upcoming(TUESDAY)
    booking = book_xps(invoke, database_url, "alice", day, (10, 12))
    code, out, err = add(
        invoke, database_url, "tech", "WAR-XPS-01", "--from", at(day, 9), "--to", "8h"
    )
    assert code == 1
    assert re.search(rf"^{booking} +\S", out, re.MULTILINE) or f"│ {booking}" in out, out
    assert "alice" in out and "WARWICK" in out and "confirmed" in out
    summary, refusal = err.splitlines()
    assert summary.startswith("Maintenance of WAR-XPS-01 ")
    assert summary.endswith("09:00-17:00 GMT: cancels 1 booking and tells their owners:") or (
        summary.endswith("09:00-17:00 BST: cancels 1 booking and tells their owners:")
    )
    assert refusal == "refused: nothing scheduled: add --yes to schedule it and cancel 1 booking"
    assert downtimes(db) == []
    assert status_of(db, booking) is BookingStatus.CONFIRMED


def test_yes_schedules_and_cancels_exactly_the_previewed_bookings_with_audit(
    invoke: Invoke, database_url: str, db: Database
) -> None:
    day = upcoming(TUESDAY)
    booking = book_xps(invoke, database_url, "alice", day, (10, 12))
    later = book_xps(invoke, database_url, "bob", day, (15, 16))
    code, out, err = add(
        invoke,
        database_url,
        "tech",
        "WAR-XPS-01",
        "--from",
        at(day, 9),
        "--to",
        at(day, 13),
        "--reason",
        "engineer_visit",
        "--description",
        "replacing the X-ray source",
        "--yes",
    )
    assert code == 0, err
    [row] = downtimes(db)
    local = datetime(day.year, day.month, day.day, 9, tzinfo=LONDON)
    assert (row.starts_at, row.ends_at) == (
        local.astimezone(UTC),
        local.astimezone(UTC) + timedelta(hours=4),
    )
    assert (row.reason, row.description) == (
        DowntimeReason.ENGINEER_VISIT,
        "replacing the X-ray source",
    )
    assert re.fullmatch(
        rf"downtime {row.id}: scheduled engineer visit of WAR-XPS-01 \w{{3}} {day.day} "
        rf"{day:%b %Y} 09:00-13:00 (GMT|BST); cancelled 1 booking and told their owners\n",
        out,
    ), out
    assert status_of(db, booking) is BookingStatus.CANCELLED
    assert status_of(db, later) is BookingStatus.PENDING  # bob is from Aston: it waits
    [created] = audit(db, "downtime.create")
    assert created.entity_id == str(row.id)
    assert created.after is not None and created.after["cancelled_booking_ids"] == [booking]
    assert [event.entity_id for event in audit(db, "booking.cancel")] == [str(booking)]


def test_no_bookings_in_the_way_needs_no_yes_and_dry_run_writes_nothing(
    invoke: Invoke, database_url: str, db: Database
) -> None:
    day = upcoming(TUESDAY, weeks_on=1)
    code, out, err = add(
        invoke, database_url, "mgr", "WAR-XPS-01", "--from", at(day, 9), "--to", "2h", "--dry-run"
    )
    assert code == 0, err
    assert out == ""
    assert err.startswith("dry run: Maintenance of WAR-XPS-01 ")
    assert err.endswith(": no bookings are in the way.\n")
    assert downtimes(db) == []
    code, out, err = add(
        invoke, database_url, "mgr", "WAR-XPS-01", "--from", at(day, 9), "--to", "2h"
    )
    assert code == 0, err
    [row] = downtimes(db)
    assert out.startswith(f"downtime {row.id}: scheduled maintenance of WAR-XPS-01 ")
    assert "cancelled" not in out


def test_a_dry_run_lists_the_bookings_as_csv(
    invoke: Invoke, database_url: str, db: Database
) -> None:
    day = upcoming(TUESDAY)
    booking = book_xps(invoke, database_url, "alice", day, (10, 12))
    code, out, _ = add(
        invoke,
        database_url,
        "root",
        "WAR-XPS-01",
        "--from",
        at(day, 9),
        "--to",
        at(day, 17),
        "--dry-run",
        "--format",
        "csv",
    )
    assert code == 0
    header, line = out.splitlines()
    assert header == "booking,when,who,institution,status"
    assert line.startswith(f"{booking},") and line.endswith(",alice,WARWICK,confirmed")
    assert downtimes(db) == []


@pytest.mark.parametrize("user", ["alice", "otherstaff"])
def test_only_the_facility_staff_and_admins_may_schedule(
    invoke: Invoke, database_url: str, db: Database, user: str
) -> None:
    day = upcoming(TUESDAY)
    code, out, err = add(
        invoke, database_url, user, "WAR-XPS-01", "--from", at(day, 9), "--to", "2h", "--yes"
    )
    assert code == 1
    assert out == ""
    assert one_line_error(err) == (
        f"{user} may not schedule downtime on WAR-XPS-01: that needs a manager or technician "
        "of Warwick Photoemission RTP, or an admin"
    )
    assert downtimes(db) == []


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("tuesday", "2h", "--from"),
        ("2026-03-03T10:00", "soon", "--to"),
        ("2030-03-05T10:00", "2030-03-05T09:00", "--to"),
    ],
)
def test_bad_times_exit_2_naming_the_option(
    invoke: Invoke, database_url: str, db: Database, start: str, end: str, field: str
) -> None:
    code, out, err = add(invoke, database_url, "tech", "WAR-XPS-01", "--from", start, "--to", end)
    assert code == 2
    assert out == ""
    assert one_line_error(err).startswith(f"{field}: ")
    assert downtimes(db) == []


def test_an_unknown_reason_is_a_usage_error(
    invoke: Invoke, database_url: str, world: World
) -> None:
    result = invoke(
        "downtime",
        "add",
        "WAR-XPS-01",
        "--db",
        database_url,
        "--from",
        "2030-03-05T10:00",
        "--to",
        "2h",
        "--reason",
        "lunch",
        env=as_user("tech"),
    )
    assert result.exit_code == 2
    assert "'lunch' is not one of" in result.stderr


def test_list_shows_downtime_in_the_facility_zone_to_anyone_who_names_it(
    invoke: Invoke, database_url: str, db: Database
) -> None:
    day = upcoming(TUESDAY)
    code, _, err = add(
        invoke, database_url, "tech", "WAR-XPS-01", "--from", at(day, 9), "--to", "3h"
    )
    assert code == 0, err
    [row] = downtimes(db)
    listed = invoke(
        "downtime",
        "list",
        "--db",
        database_url,
        "--instrument",
        "WAR-XPS-01",
        "--format",
        "json",
        env=as_user("alice"),
    )
    assert listed.exit_code == 0, listed.stderr
    [shown] = json.loads(listed.stdout)
    assert shown["id"] == row.id
    assert shown["instrument"] == "WAR-XPS-01"
    assert shown["reason"] == "maintenance"
    assert shown["scheduled_by"] == "Tech"
    assert shown["timezone"] == "Europe/London"
    assert re.fullmatch(r"\w{3} \d+ \w{3} \d{4} 09:00-12:00 (GMT|BST)", shown["when"])
    assert datetime.fromisoformat(shown["starts_at"]) == row.starts_at

    def ids(*args: str, user: str = "tech") -> list[int]:
        result = invoke(
            "downtime", "list", "--db", database_url, "--format", "json", *args, env=as_user(user)
        )
        assert result.exit_code == 0, result.stderr
        return [item["id"] for item in json.loads(result.stdout)]

    assert ids() == [row.id]  # the facilities tech staffs
    assert ids(user="root") == [row.id]
    assert ids("--facility", "WAR-PRP", user="bob") == [row.id]
    assert ids("--facility", "AST-EM") == []
    assert ids("--to", (day - timedelta(days=1)).isoformat()) == []
    assert ids("--from", day.isoformat(), "--to", day.isoformat()) == [row.id]
    assert ids("--from", (day + timedelta(days=1)).isoformat()) == []
    assert ids("--instrument", "WAR-XPS-01", "--facility", "AST-EM") == []

    researcher = invoke("downtime", "list", "--db", database_url, env=as_user("alice"))
    assert researcher.exit_code == 0
    assert "you staff no facility" in researcher.stderr


def test_list_refuses_unknown_names_and_bad_dates(
    invoke: Invoke, database_url: str, world: World
) -> None:
    unknown = invoke(
        "downtime", "list", "--db", database_url, "--facility", "NOPE", env=as_user("tech")
    )
    assert unknown.exit_code == 1
    assert one_line_error(unknown.stderr) == "no facility with code 'NOPE'"
    bad = invoke("downtime", "list", "--db", database_url, "--to", "soon", env=as_user("tech"))
    assert bad.exit_code == 2
    assert one_line_error(bad.stderr).startswith("--to: ")
    backwards = invoke(
        "downtime",
        "list",
        "--db",
        database_url,
        "--from",
        "2030-03-05",
        "--to",
        "2030-03-01",
        env=as_user("tech"),
    )
    assert backwards.exit_code == 2
    assert one_line_error(backwards.stderr) == "--to: 2030-03-01 is not after --from 2030-03-05"


def test_cancel_removes_the_downtime_for_staff_only(
    invoke: Invoke, database_url: str, db: Database
) -> None:
    day = upcoming(TUESDAY)
    add(invoke, database_url, "tech", "WAR-XPS-01", "--from", at(day, 9), "--to", "3h")
    [row] = downtimes(db)
    refused = invoke("downtime", "cancel", str(row.id), "--db", database_url, env=as_user("bob"))
    assert refused.exit_code == 1
    assert one_line_error(refused.stderr).startswith("bob may not schedule downtime on WAR-XPS-01")
    assert len(downtimes(db)) == 1
    done = invoke("downtime", "cancel", str(row.id), "--db", database_url, env=as_user("tech2"))
    assert done.exit_code == 0, done.stderr
    assert done.stdout == (
        f"downtime {row.id}: cancelled the maintenance of WAR-XPS-01; it can be booked again\n"
    )
    assert downtimes(db) == []
    [deleted] = audit(db, "downtime.delete")
    assert deleted.entity_id == str(row.id)
    again = invoke("downtime", "cancel", str(row.id), "--db", database_url, env=as_user("tech2"))
    assert again.exit_code == 1
    assert one_line_error(again.stderr) == f"no downtime {row.id}"


def test_add_names_the_waitlist_holds_it_ends(
    invoke: Invoke, database_url: str, db: Database
) -> None:
    day = upcoming(TUESDAY, weeks_on=1)
    taken = book_xps(invoke, database_url, "alice", day, (10, 12))
    joined = invoke(
        "waitlist", "join", "WAR-XPS-01", "--start", at(day, 10), "--end", at(day, 12),
        "--db", database_url, env=as_user("erin"),
    )  # fmt: skip
    assert joined.exit_code == 0, joined.stderr
    cancelled = invoke("cancel", str(taken), "--db", database_url, env=as_user("alice"))
    assert cancelled.exit_code == 0, cancelled.stderr

    args = ("WAR-XPS-01", "--from", at(day, 11), "--to", "1h")
    code, _, err = add(invoke, database_url, "mgr", *args, "--dry-run")
    assert code == 0, err
    assert re.search(
        r"^dry run: ends waitlist entry \d+, WAR-XPS-01 .* 10:00-12:00 .* held for erin "
        r"\(who is told\)$",
        err,
        re.MULTILINE,
    ), err
    code, _, err = add(invoke, database_url, "mgr", *args)
    assert code == 0, err
    assert "ends waitlist entry" in err
    listed = invoke("waitlist", "list", "--db", database_url, env=as_user("erin"))
    assert "offered" not in listed.stdout

"""`equipshare backup/restore/check/purge/anonymise/close-past` through the real CLI, on both
engines: success, --dry-run, bad input and a second run. The CLI runs on the system clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.queue import Notification
from equipshare.domain.enums import BookingStatus
from tests.cli.conftest import Invoke
from tests.support.maintenance_rows import plant_audit, plant_booking
from tests.support.pricing import set_policy
from tests.support.world import World

ROOT = {"EQUIPSHARE_USER": "root"}
COMMANDS = ["backup", "restore", "check", "purge", "anonymise", "close-past"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_reads_like_a_manual_page_with_examples(invoke: Invoke, command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"equipshare {command}" in result.stdout


def test_backup_then_restore_with_and_without_force(
    invoke: Invoke, database_url: str, world: World, tmp_path: Path
) -> None:
    target = tmp_path / "site.backup"
    for _ in range(2):  # a second run replaces the first backup
        result = invoke("backup", str(target), "--db", database_url)
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith("backed up ") and f"to {target}" in result.stderr
    refused = invoke("restore", str(target), "--db", database_url)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("refused: ") and "--force" in refused.stderr
    done = invoke("restore", str(target), "--force", "--db", database_url)
    assert done.exit_code == 0, done.output
    assert "replacing its data" in done.stderr
    assert invoke("check", "--db", database_url).exit_code == 0


def test_backup_and_restore_bad_paths_exit_2_on_one_line(
    invoke: Invoke, database_url: str, world: World, tmp_path: Path
) -> None:
    result = invoke("backup", str(tmp_path / "no" / "such" / "dir.backup"), "--db", database_url)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    result = invoke("restore", str(tmp_path / "missing.backup"), "--db", database_url)
    assert result.exit_code == 2 and "no such backup file" in result.stderr
    assert invoke("backup", "--db", database_url).exit_code == 2  # PATH is required


def test_check_is_quiet_and_0_when_clean_and_lists_problems_with_exit_1(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    clean = invoke("check", "--db", database_url)
    assert clean.exit_code == 0 and clean.stdout == ""
    assert clean.stderr.startswith("ok: no problems found")
    assert json.loads(invoke("check", "--format", "json", "--db", database_url).stdout) == []

    start = datetime.now(UTC) + timedelta(days=3)
    bad = plant_booking(database, world, "erin", "WAR-XPS-01", start, start + timedelta(hours=1))
    found = invoke("check", "--format", "json", "--db", database_url)
    assert found.exit_code == 1
    assert json.loads(found.stdout) == [
        {
            "check": "untrained booking",
            "ids": f"booking {bad}, user {world.users['erin']}",
            "detail": json.loads(found.stdout)[0]["detail"],
        }
    ]
    assert found.stderr.startswith("found 1 problem:")
    table = invoke("check", "--db", database_url)
    assert table.exit_code == 1 and f"booking {bad}" in table.stdout
    assert invoke("check", "--format", "yaml", "--db", database_url).exit_code == 2


def test_purge_dry_run_then_real_then_nothing_left(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    long_ago = datetime(2018, 1, 8, 10, tzinfo=UTC)
    plant_booking(database, world, "alice", "WAR-XPS-01", long_ago,
                  long_ago + timedelta(hours=1), BookingStatus.CANCELLED)  # fmt: skip
    plant_audit(database, long_ago)
    args = ("purge", "--before", "2020-01-01", "--format", "csv", "--db", database_url)

    dry = invoke(*args, "--dry-run", env=ROOT)
    assert dry.exit_code == 0, dry.output
    assert "bookings,1," in dry.stdout and "audit_events,1," in dry.stdout
    assert dry.stderr.startswith("dry run: would delete 1 booking ended")
    real = invoke(*args, env=ROOT)
    assert real.stdout == dry.stdout and real.stderr.startswith("deleted 1 booking ended")
    again = invoke(*args, env=ROOT)
    assert "bookings,0," in again.stdout and "audit_events,0," in again.stdout

    bad = invoke("purge", "--before", "last tuesday", "--db", database_url, env=ROOT)
    assert bad.exit_code == 2
    assert bad.stderr == "error: --before: 'last tuesday' is not a date like 2026-03-31\n"
    refused = invoke("purge", "--before", "2020-01-01", "--db", database_url,
                     env={"EQUIPSHARE_USER": "alice"})  # fmt: skip
    assert refused.exit_code == 1 and "needs an admin" in refused.stderr


def test_anonymise_dry_run_then_real_then_nothing_left(
    invoke: Invoke, database_url: str, world: World
) -> None:
    args = ("anonymise", "--inactive-since", "2026-01-01", "--format", "json")
    dry = invoke(*args, "--dry-run", "--db", database_url, env=ROOT)
    assert dry.exit_code == 0, dry.output
    listed = json.loads(dry.stdout)
    dave = world.users["dave"]
    assert {"user_id": dave, "pseudonym": f"anon-{dave}", "role": "researcher",
            "institution": "ACME", "bookings": 0} in listed  # fmt: skip
    assert all(row["user_id"] != world.users["root"] for row in listed)
    real = invoke(*args, "--db", database_url, env=ROOT)
    assert json.loads(real.stdout) == listed
    assert real.stderr == f"anonymised {len(listed)} users inactive since 2026-01-01\n"
    again = invoke(*args, "--db", database_url, env=ROOT)
    assert json.loads(again.stdout) == [] and again.stderr.startswith("anonymised 0 users")
    bad = invoke("anonymise", "--inactive-since", "2026-13-01", "--db", database_url, env=ROOT)
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --inactive-since:")


def test_close_past_dry_run_then_real_then_nothing_left(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    ended = datetime.now(UTC) - timedelta(days=2)
    done = plant_booking(database, world, "alice", "WAR-XPS-01", ended, ended + timedelta(hours=1))
    # Aston's microscopy requires check-in, and bob never checked in: a no-show.
    set_policy(database, world, "AST-EM", requires_check_in=True)
    missed = plant_booking(database, world, "bob", "AST-SEM-01", ended, ended + timedelta(hours=1))
    # Nobody decided bob's request for Warwick's XPS before it ended: it lapses, free.
    undecided = plant_booking(database, world, "bob", "WAR-XPS-01", ended + timedelta(hours=2),
                              ended + timedelta(hours=3), BookingStatus.PENDING,
                              instrument_charge_pence=5000)  # fmt: skip
    ahead = datetime.now(UTC) + timedelta(days=2)
    waiting = plant_booking(database, world, "bob", "WAR-XPS-01", ahead, ahead + timedelta(hours=1),
                            BookingStatus.PENDING)  # fmt: skip
    dry = invoke("close-past", "--dry-run", "--db", database_url, env=ROOT)
    assert dry.exit_code == 0
    assert dry.stderr.startswith(
        "dry run: would mark 1 booking completed and 1 no-show, and lapsed 1 undecided request "
    )
    assert statuses(database, done, missed) == [BookingStatus.CONFIRMED] * 2
    assert statuses(database, undecided) == [BookingStatus.PENDING]
    real = invoke("close-past", "--db", database_url, env=ROOT)
    assert real.exit_code == 0
    assert real.stderr.startswith("marked 1 booking completed and 1 no-show, and lapsed 1 ")
    assert statuses(database, done, missed) == [BookingStatus.COMPLETED, BookingStatus.NO_SHOW]
    assert statuses(database, undecided, waiting) == [BookingStatus.REJECTED, BookingStatus.PENDING]
    with database.sessions.begin() as session:
        lapsed = session.get_one(Booking, undecided)
        assert lapsed.status_reason == "not decided before it ended"
        assert (lapsed.instrument_charge_pence, lapsed.technician_charge_pence) == (0, 0)
        assert lapsed.decided_by_id == world.users["root"]
        audited = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == str(undecided))
        ).all()
        assert audited == ["booking.lapse"]
        told = session.scalars(select(Notification).where(Notification.booking_id == undecided))
        (message,) = told.all()
        assert (message.user_id, message.kind) == (world.users["bob"], "booking_rejected")
        assert message.subject.startswith("Request lapsed: WAR-XPS-01 ")
        assert (
            "not decided before it ended" in message.body and "nothing is charged" in message.body
        )
    again = invoke("close-past", "--db", database_url, env=ROOT)
    assert again.stderr.startswith(
        "marked 0 bookings completed and 0 no-shows, and lapsed 0 undecided requests"
    )
    assert invoke("close-past", "--bogus", "--db", database_url, env=ROOT).exit_code == 2


def statuses(database: Database, *booking_ids: int) -> list[BookingStatus]:
    with database.readonly() as s:
        return [s.get_one(Booking, booking_id).status for booking_id in booking_ids]

"""`equipshare training record|renew|revoke|list` through the real CLI, on both engines."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from click.testing import Result
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import TrainingLevel
from tests.cli.commands.schedule.test_booking_commands import as_user, one_line_error
from tests.cli.conftest import Invoke
from tests.support.world import LONDON, World

NEXT_YEAR = datetime.now(LONDON).date().replace(month=6, day=30) + timedelta(days=365)


def training(invoke: Invoke, url: str, user: str, *args: str) -> Result:
    return invoke("training", *args, "--db", url, env=as_user(user))


def records(db: Database, username_id: int, instrument_id: int) -> list[TrainingRecord]:
    with db.readonly() as s:
        return list(
            s.scalars(
                select(TrainingRecord)
                .where(
                    TrainingRecord.user_id == username_id,
                    TrainingRecord.instrument_id == instrument_id,
                )
                .order_by(TrainingRecord.id)
            ).all()
        )


def audited(db: Database, action: str) -> list[str]:
    with db.readonly() as s:
        return list(
            s.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == action)).all()
        )


def end_of(day: date) -> datetime:
    """The instant a day-long validity ends: local midnight after `day`, in London."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON)


def words(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def test_record_writes_the_record_its_audit_and_says_so(
    invoke: Invoke, database_url: str, db: Database, world: World
) -> None:
    result = training(
        invoke,
        database_url,
        "tech",
        "record",
        "erin",
        "WAR-XPS-01",
        "--level",
        "independent",
        "--expires",
        NEXT_YEAR.isoformat(),
    )
    assert result.exit_code == 0, result.stderr
    [row] = records(db, world.users["erin"], world.instruments["WAR-XPS-01"])
    assert (row.level, row.trainer_id, row.revoked_at) == (
        TrainingLevel.INDEPENDENT,
        world.users["tech"],
        None,
    )
    assert row.expires_at == end_of(NEXT_YEAR)
    assert result.stdout == (
        f"record {row.id}: Recorded independent training for erin on WAR-XPS-01 "
        f"(valid until {words(NEXT_YEAR)})\n"
    )
    assert audited(db, "training.record") == [str(row.id)]


def test_record_refuses_a_second_active_record_and_bad_input(
    invoke: Invoke, database_url: str, db: Database, world: World
) -> None:
    twice = training(
        invoke, database_url, "tech", "record", "alice", "WAR-XPS-01", "--level", "supervised"
    )
    assert twice.exit_code == 1
    assert one_line_error(twice.stderr).startswith(
        "alice already holds independent training on WAR-XPS-01"
    )
    past = training(
        invoke,
        database_url,
        "tech",
        "record",
        "erin",
        "WAR-XPS-01",
        "--level",
        "independent",
        "--expires",
        "2020-01-01",
    )
    assert past.exit_code == 2
    assert one_line_error(past.stderr).startswith("expiry: training valid until ")
    bad_date = training(
        invoke,
        database_url,
        "tech",
        "record",
        "erin",
        "WAR-XPS-01",
        "--level",
        "independent",
        "--expires",
        "soon",
    )
    assert bad_date.exit_code == 2
    assert one_line_error(bad_date.stderr) == "--expires: 'soon' is not a date like 2026-03-31"
    bad_level = training(
        invoke, database_url, "tech", "record", "erin", "WAR-XPS-01", "--level", "expert"
    )
    assert bad_level.exit_code == 2
    assert records(db, world.users["erin"], world.instruments["WAR-XPS-01"]) == []


@pytest.mark.parametrize("user", ["alice", "otherstaff"])
def test_only_the_facility_staff_and_admins_may_change_training(
    invoke: Invoke, database_url: str, db: Database, world: World, user: str
) -> None:
    for args in (
        ("record", "erin", "WAR-XPS-01", "--level", "independent"),
        ("renew", "bob", "WAR-XPS-01", "--expires", NEXT_YEAR.isoformat()),
        ("revoke", "bob", "WAR-XPS-01", "--reason", "no"),
    ):
        result = training(invoke, database_url, user, *args)
        assert result.exit_code == 1, args
        assert one_line_error(result.stderr) == (
            f"{user} may not record training on WAR-XPS-01: that needs a manager or "
            "technician of Warwick Photoemission RTP, or an admin"
        )
    [bob] = records(db, world.users["bob"], world.instruments["WAR-XPS-01"])
    assert bob.revoked_at is None
    assert records(db, world.users["erin"], world.instruments["WAR-XPS-01"]) == []


def test_renew_and_revoke_find_the_user_record_on_the_instrument(
    invoke: Invoke, database_url: str, db: Database, world: World
) -> None:
    renewed = training(
        invoke, database_url, "mgr", "renew", "bob", "WAR-XPS-01", "--expires", "2031-01-31"
    )
    assert renewed.exit_code == 0, renewed.stderr
    [row] = records(db, world.users["bob"], world.instruments["WAR-XPS-01"])
    assert row.expires_at == end_of(date(2031, 1, 31))
    assert renewed.stdout == (
        f"record {row.id}: Renewed independent training for bob on WAR-XPS-01 "
        "(valid until Fri 31 Jan 2031)\n"
    )
    revoked = training(
        invoke, database_url, "tech", "revoke", "bob", "WAR-XPS-01", "--reason", "left the group"
    )
    assert revoked.exit_code == 0, revoked.stderr
    assert revoked.stdout == f"record {row.id}: Revoked bob's training on WAR-XPS-01\n"
    [row] = records(db, world.users["bob"], world.instruments["WAR-XPS-01"])
    assert row.revoked_at is not None
    assert row.notes.endswith("by tech: left the group")
    assert audited(db, "training.renew") == [str(row.id)]
    assert audited(db, "training.revoke") == [str(row.id)]
    for args in (
        ("revoke", "bob", "WAR-XPS-01", "--reason", "again"),
        ("renew", "bob", "WAR-XPS-01", "--expires", "2031-01-31"),
    ):
        again = training(invoke, database_url, "tech", *args)
        assert again.exit_code == 1
        assert one_line_error(again.stderr).startswith(
            f"bob holds no training on WAR-XPS-01 to {args[0]}"
        )
    missing = training(invoke, database_url, "tech", "revoke", "bob", "WAR-XPS-01")
    assert missing.exit_code == 2
    assert "--reason" in missing.stderr
    blank = training(invoke, database_url, "tech", "revoke", "alice", "WAR-XPS-01", "--reason", " ")
    assert blank.exit_code == 2
    assert one_line_error(blank.stderr) == "reason: say why the training is revoked"


def test_renew_never_removes_the_expiry(
    invoke: Invoke, database_url: str, db: Database, world: World
) -> None:
    result = training(
        invoke, database_url, "root", "renew", "carol", "WAR-XPS-01", "--expires", "never"
    )
    assert result.exit_code == 0, result.stderr
    [row] = records(db, world.users["carol"], world.instruments["WAR-XPS-01"])
    assert row.expires_at is None
    assert result.stdout.endswith("(valid until no expiry)\n")


def listed(invoke: Invoke, url: str, user: str, *args: str) -> list[dict[str, object]]:
    result = training(invoke, url, user, "list", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_list_narrows_by_instrument_user_and_expiry(
    invoke: Invoke, database_url: str, db: Database, world: World
) -> None:
    soon = datetime.now(LONDON).date() + timedelta(days=10)
    training(
        invoke, database_url, "tech", "renew", "bob", "WAR-XPS-01", "--expires", soon.isoformat()
    )
    training(invoke, database_url, "tech", "revoke", "carol", "WAR-XPS-01", "--reason", "moved")
    everyone = listed(invoke, database_url, "tech")
    assert [(row["user"], row["state"]) for row in everyone] == [
        ("alice", "active"),
        ("bob", "active"),
        ("carol", "revoked"),
    ]
    bob = everyone[1]
    assert (bob["instrument"], bob["level"], bob["institution"], bob["trainer"]) == (
        "WAR-XPS-01",
        "independent",
        "ASTON",
        "tech",
    )
    assert bob["valid_until"] == words(soon)
    assert [row["user"] for row in listed(invoke, database_url, "tech", "--user", "alice")] == [
        "alice"
    ]
    assert [
        row["user"] for row in listed(invoke, database_url, "tech", "--expiring-within", "30")
    ] == ["bob"]
    assert listed(invoke, database_url, "tech", "--expiring-within", "5") == []
    assert len(listed(invoke, database_url, "root", "--instrument", "WAR-XPS-01")) == 3
    assert listed(invoke, database_url, "otherstaff") == []


def test_list_refuses_those_who_look_after_nothing_there(
    invoke: Invoke, database_url: str, world: World
) -> None:
    researcher = training(invoke, database_url, "alice", "list")
    assert researcher.exit_code == 1
    assert one_line_error(researcher.stderr) == (
        "alice may not record training: that needs a manager or technician of a facility, "
        "or an admin"
    )
    elsewhere = training(invoke, database_url, "otherstaff", "list", "--instrument", "WAR-XPS-01")
    assert elsewhere.exit_code == 1
    assert one_line_error(elsewhere.stderr).startswith(
        "otherstaff may not record training on WAR-XPS-01"
    )
    negative = training(invoke, database_url, "tech", "list", "--expiring-within", "-1")
    assert negative.exit_code == 2

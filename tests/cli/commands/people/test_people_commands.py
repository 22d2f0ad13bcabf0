"""The catalogue and people commands through the real CLI, on both engines: success, --dry-run,
bad input (one line naming file and line, exit 2, nothing written) and a second run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import Instrument, User
from equipshare.db.models.training import TrainingRecord
from tests.cli.conftest import Invoke
from tests.support.sheet_files import uniquip_csv, uniquip_row
from tests.support.world import World

ROOT = {"EQUIPSHARE_USER": "root"}
HELPS = [
    ("import", "instruments"),
    ("export", "instruments"),
    ("import", "users"),
    ("users", "list"),
    ("users", "deactivate"),
    ("training", "import"),
]


def count(database: Database, model: type) -> int:
    with database.readonly() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("command", HELPS)
def test_help_reads_like_a_manual_page_with_examples(
    invoke: Invoke, command: tuple[str, str]
) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"equipshare {' '.join(command)}" in result.stdout


def test_import_instruments_dry_run_real_second_run_and_export_round_trip(
    invoke: Invoke, database_url: str, database: Database, world: World, tmp_path: Path
) -> None:
    sheet = tmp_path / "chem.csv"
    sheet.write_bytes(
        uniquip_csv([uniquip_row("ch-1", "XPS"), uniquip_row("ch-2", "SEM", Technique="SEM")])
    )
    args = ("import", "instruments", str(sheet), "--institution", "WARWICK", "--db", database_url)
    dry = invoke(*args, "--dry-run", "--format", "json", env=ROOT)
    assert dry.exit_code == 0, dry.output
    assert [(r["line"], r["action"], r["key"]) for r in json.loads(dry.stdout)] == [
        (2, "created", "ch-1"),
        (3, "created", "ch-2"),
    ]
    assert dry.stderr.endswith(
        f"dry run, nothing written: {sheet} would give instruments 2 created, 0 updated, "
        "0 unchanged; 0 bad rows skipped\n"
    )
    assert count(database, Instrument) == 5
    real = invoke(*args, env=ROOT)
    assert real.exit_code == 0 and "ch-1" in real.stdout and count(database, Instrument) == 7
    assert "created facility WARWICK-CHEMISTRY (Chemistry)" in real.stderr
    again = invoke(*args, env=ROOT)
    assert again.stdout == "" and "0 created, 0 updated, 2 unchanged" in again.stderr

    exported = tmp_path / "all.csv"
    done = invoke("export", "instruments", "-o", str(exported), "--db", database_url, env=ROOT)
    assert done.exit_code == 0 and done.stderr == f"exported 7 instruments to {exported}\n"
    audits = count(database, AuditEvent)
    back = invoke("import", "instruments", str(exported), "--db", database_url, env=ROOT)
    assert back.exit_code == 0 and "0 created, 0 updated, 7 unchanged" in back.stderr
    assert count(database, AuditEvent) == audits
    as_json = invoke("export", "instruments", "--format", "json", "--institution", "aston",
                     "--db", database_url, env={"EQUIPSHARE_USER": "alice"})  # fmt: skip
    assert [row["code"] for row in json.loads(as_json.stdout)] == ["AST-SEM-01"]


def test_import_instruments_bad_rows_exit_2_and_write_nothing(
    invoke: Invoke, database_url: str, database: Database, world: World, tmp_path: Path
) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_bytes(uniquip_csv([uniquip_row("ok", "Fine"), uniquip_row("", "No ID")]))
    args = ("import", "instruments", str(sheet), "--institution", "WARWICK", "--db", database_url)
    bad = invoke(*args, env=ROOT)
    assert bad.exit_code == 2
    assert bad.stderr == (
        f"error: {sheet}:3: ID: missing (it is the key that updates the row next time); "
        "nothing imported (--skip-bad imports the 1 good row)\n"
    )
    assert count(database, Instrument) == 5
    skipped = invoke(*args, "--skip-bad", env=ROOT)
    assert skipped.exit_code == 0 and count(database, Instrument) == 6
    assert f"{sheet}:3: ID: missing" in skipped.stderr and "1 bad row skipped" in skipped.stderr
    missing = invoke("import", "instruments", str(tmp_path / "nope.csv"), "--db", database_url,
                     env=ROOT)  # fmt: skip
    assert (
        missing.exit_code == 2
        and missing.stderr == f"error: {tmp_path / 'nope.csv'}: no such file\n"
    )
    refused = invoke(*args, env={"EQUIPSHARE_USER": "mgr"})
    assert refused.exit_code == 1 and "needs an admin" in refused.stderr


def test_several_bad_rows_are_each_listed_before_the_error(
    invoke: Invoke, database_url: str, world: World, tmp_path: Path
) -> None:
    sheet = tmp_path / "users.csv"
    sheet.write_text("username,name,institution,role\nx y,A,WARWICK,\nann,,NOWHERE,\n")
    bad = invoke("import", "users", str(sheet), "--db", database_url, env=ROOT)
    assert bad.exit_code == 2
    lines = bad.stderr.splitlines()
    assert lines[0].startswith(f"{sheet}:2: username: 'x y' is not a username")
    assert lines[1].startswith(f"{sheet}:3: name: missing")
    assert lines[2] == f"error: {sheet}: 2 bad rows (lines 2, 3); nothing imported"


def test_import_users_dry_run_real_and_second_run(
    invoke: Invoke, database_url: str, database: Database, world: World, tmp_path: Path
) -> None:
    sheet = tmp_path / "staff.csv"
    sheet.write_text(
        "Username,Name,Email,Institution,Role\r\n"
        "nina,Nina Patel,nina@warwick.ac.uk,warwick,technician\r\n"
        "alice,Alice Smith,alice@warwick.ac.uk,WARWICK,\r\n"
    )
    args = ("import", "users", str(sheet), "--format", "csv", "--db", database_url)
    dry = invoke(*args, "--dry-run", env=ROOT)
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[1:] == [
        '2,created,nina,nina,"Nina Patel, WARWICK, technician"',
        '3,updated,alice,alice,"Alice Smith, WARWICK, researcher"',
    ]
    assert count(database, User) == 11
    real = invoke(*args, env=ROOT)
    assert real.stdout == dry.stdout and count(database, User) == 12
    again = invoke(*args, env=ROOT)
    assert "2 unchanged" in again.stderr and ",unchanged," in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("username,name,institution,role\nzed,Zed,MARS,admin\n")
    result = invoke("import", "users", str(bad), "--db", database_url, env=ROOT)
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"error: {bad}:2: institution: no institution with code 'MARS'; nothing imported\n"
    )


def test_users_list_and_deactivate(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    listed = invoke("users", "list", "--institution", "warwick", "--role", "technician",
                    "--format", "json", "--db", database_url, env=ROOT)  # fmt: skip
    assert listed.exit_code == 0, listed.output
    assert [(u["username"], u["active"]) for u in json.loads(listed.stdout)] == [
        ("tech", True),
        ("tech2", True),
    ]
    table = invoke("users", "list", "--db", database_url, env=ROOT)
    assert "gone" in table.stdout and "otherstaff" in table.stdout
    assert (
        invoke("users", "list", "--db", database_url, env={"EQUIPSHARE_USER": "mgr"}).exit_code == 1
    )

    dry = invoke(
        "users", "deactivate", "alice", "gone", "--dry-run", "--db", database_url, env=ROOT
    )
    assert dry.stderr == "dry run: would deactivate alice; already deactivated: gone\n"
    real = invoke("users", "deactivate", "alice", "gone", "--db", database_url, env=ROOT)
    assert real.exit_code == 0 and real.stderr == "deactivated alice; already deactivated: gone\n"
    again = invoke("users", "deactivate", "alice", "gone", "--db", database_url, env=ROOT)
    assert again.stderr == "deactivated nobody; already deactivated: alice, gone\n"
    unknown = invoke("users", "deactivate", "bob", "nobody", "--db", database_url, env=ROOT)
    assert (
        unknown.exit_code == 1
        and unknown.stderr == "refused: no user called 'nobody'; nobody deactivated\n"
    )
    last = invoke("users", "deactivate", "root", "--db", database_url, env=ROOT)
    assert last.exit_code == 1 and "would leave no active admin" in last.stderr
    with database.readonly() as session:
        active = {name: on for name, on in session.execute(select(User.username, User.active))}
    assert (active["alice"], active["bob"], active["root"]) == (False, True, True)
    assert invoke("users", "deactivate", "--db", database_url, env=ROOT).exit_code == 2


def test_training_import_dry_run_real_second_run_and_bad_line(
    invoke: Invoke, database_url: str, database: Database, world: World, tmp_path: Path
) -> None:
    sheet = tmp_path / "xps.csv"
    sheet.write_text(
        "username,instrument,level,trained_at,expires_at,trainer\n"
        "erin,WAR-XPS-01,independent,02/03/2026,2027-03-01,tech\n"
        "erin,WAR-MEG-01,supervised,2024-01-10,2025-01-09,\n"
    )
    args = ("training", "import", str(sheet), "--db", database_url)
    tech = {"EQUIPSHARE_USER": "tech"}
    dry = invoke(*args, "--dry-run", env=tech)
    assert dry.exit_code == 0, dry.output
    assert "would give training records 2 created" in dry.stderr
    assert count(database, TrainingRecord) == 3
    real = invoke(*args, env=tech)
    assert real.exit_code == 0 and count(database, TrainingRecord) == 5
    again = invoke(*args, env=tech)
    assert (
        "0 created, 0 updated, 2 unchanged" in again.stderr and count(database, TrainingRecord) == 5
    )
    other = invoke(*args, env={"EQUIPSHARE_USER": "otherstaff"})
    assert other.exit_code == 1 and "may not record training on WAR-XPS-01" in other.stderr

    bad = tmp_path / "bad.csv"
    bad.write_text("username,instrument,level,trained_at\ndave,WAR-XPS-01,independent,2030-01-01\n")
    result = invoke("training", "import", str(bad), "--db", database_url, env=tech)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {bad}:2: trained_at: 2030-01-01 00:00 is in the future"
    )
    assert result.stderr.count("\n") == 1 and count(database, TrainingRecord) == 5

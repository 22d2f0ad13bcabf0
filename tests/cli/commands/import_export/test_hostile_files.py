"""Hostile files through the real CLI, on both engines: streams and oversized sheets refused
at the cap, a NUL byte named by line and column, and every CSV the program writes escaping
cells a spreadsheet would run as formulas (unless --raw-csv), with imports keeping them."""

from __future__ import annotations

import csv
import io
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import Instrument, User
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus
from equipshare.domain.time.clock import FrozenClock
from tests.cli.conftest import Invoke
from tests.support.maintenance_rows import plant_booking
from tests.support.sheet_files import uniquip_csv, uniquip_row
from tests.support.world import World

ROOT = {"EQUIPSHARE_USER": "root"}
CAP = (
    "over the 1 MB limit for a spreadsheet ([limits] sheet_megabytes in equipshare.toml raises it)"
)
IMPORTS = {
    "instruments": ("import", "instruments"),
    "users": ("import", "users"),
    "training": ("training", "import"),
}
HOSTILE = "=cmd|' /C calc'!A0"


def count(database: Database, model: type) -> int:
    with database.readonly() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def counts(database: Database) -> tuple[int, ...]:
    return tuple(count(database, m) for m in (Instrument, User, TrainingRecord, AuditEvent))


@pytest.fixture
def one_megabyte(tmp_path: Path) -> dict[str, str]:
    """The environment of a run whose equipshare.toml caps sheets at 1 MB."""
    config = tmp_path / "limits.toml"
    config.write_text("[limits]\nsheet_megabytes = 1\n")
    return ROOT | {"EQUIPSHARE_CONFIG": str(config)}


@pytest.mark.parametrize("kind", IMPORTS)
def test_dev_zero_is_refused_at_the_cap_quickly_and_writes_nothing(
    invoke: Invoke, database_url: str, database: Database, world: World, kind: str,
    one_megabyte: dict[str, str],
) -> None:  # fmt: skip
    before = counts(database)
    started = time.perf_counter()
    refused = invoke(*IMPORTS[kind], "/dev/zero", "--db", database_url, env=one_megabyte)
    assert time.perf_counter() - started < 10
    assert refused.exit_code == 2
    assert refused.stderr == f"error: /dev/zero: {CAP}; nothing imported\n"
    assert counts(database) == before


def test_dev_zero_at_the_default_cap_names_it(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    before = counts(database)
    refused = invoke("import", "instruments", "/dev/zero", "--db", database_url, env=ROOT)
    assert refused.exit_code == 2 and "over the 50 MB limit for a spreadsheet" in refused.stderr
    assert counts(database) == before


def _feed(fifo: Path, chunks: list[bytes], endless: bool, outcome: list[str]) -> None:
    try:
        with fifo.open("wb") as pipe:
            for chunk in chunks:
                pipe.write(chunk)
            while endless:
                pipe.write(b"x" * 65536)
        outcome.append("closed")
    except BrokenPipeError:
        outcome.append("reader stopped")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_read_up_to_the_cap_and_no_further(
    invoke: Invoke, database_url: str, database: Database, world: World, tmp_path: Path,
    one_megabyte: dict[str, str],
) -> None:  # fmt: skip
    fifo = tmp_path / "endless.csv"
    os.mkfifo(fifo)
    outcome: list[str] = []
    header = b"username,name,institution\n"
    writer = threading.Thread(target=_feed, args=(fifo, [header], True, outcome), daemon=True)
    writer.start()
    before = counts(database)
    refused = invoke("import", "users", str(fifo), "--db", database_url, env=one_megabyte)
    writer.join(timeout=10)
    assert refused.exit_code == 2 and refused.stderr == f"error: {fifo}: {CAP}; nothing imported\n"
    assert outcome == ["reader stopped"] and counts(database) == before

    small = tmp_path / "small.csv"
    os.mkfifo(small)
    rows = [header, b"nina,Nina Patel,WARWICK\n"]
    feeder = threading.Thread(target=_feed, args=(small, rows, False, outcome), daemon=True)
    feeder.start()
    done = invoke("import", "users", str(small), "--db", database_url, env=one_megabyte)
    feeder.join(timeout=10)
    assert done.exit_code == 0, done.output
    assert count(database, User) == before[1] + 1


def test_a_nul_byte_is_one_line_naming_line_and_column_and_writes_nothing(
    invoke: Invoke, database_url: str, database: Database, world: World, tmp_path: Path
) -> None:
    sheet = tmp_path / "staff.csv"
    sheet.write_bytes(b"username,name,institution\nnina,Nina,WARWICK\nomar,Om\x00ar,WARWICK\n")
    before = counts(database)
    refused = invoke("import", "users", str(sheet), "--db", database_url, env=ROOT)
    assert refused.exit_code == 2
    assert refused.stderr.startswith(f"error: {sheet}:3: column 2 (name) holds a NUL byte")
    assert refused.stderr.count("\n") == 1 and counts(database) == before
    uniquip = tmp_path / "chem.csv"
    uniquip.write_bytes(uniquip_csv([uniquip_row("ch-1", "XPS", Technique="X\x00PS")]))
    args = ("import", "instruments", str(uniquip), "--institution", "WARWICK")
    bad = invoke(*args, "--db", database_url, env=ROOT)
    assert bad.exit_code == 2
    assert bad.stderr.startswith(f"error: {uniquip}:2: column 5 (Technique) holds a NUL byte")
    assert counts(database) == before


def test_instruments_keep_formula_text_exactly_and_export_it_escaped_or_raw(
    invoke: Invoke, database_url: str, database: Database, world: World, tmp_path: Path
) -> None:
    hostile = {
        "Description": "\t=1+2",
        "Technique": HOSTILE,
        "Contact Telephone": "+44 24 7652 3523",
    }
    sheet = tmp_path / "chem.csv"
    sheet.write_bytes(uniquip_csv([uniquip_row("ch-1", "@SUM(1+1)", **hostile)]))
    args = ("import", "instruments", str(sheet), "--institution", "WARWICK", "--db", database_url)
    assert invoke(*args, env=ROOT).exit_code == 0
    with database.readonly() as session:
        row = session.scalars(select(Instrument).where(Instrument.code == "ch-1")).one()
        assert (row.name, row.description, row.technique) == ("@SUM(1+1)", "\t=1+2", HOSTILE)

    exported = tmp_path / "all.csv"
    assert invoke("export", "instruments", "-o", str(exported), "--db", database_url,
                  env=ROOT).exit_code == 0  # fmt: skip
    cells = next(r for r in csv.reader(io.StringIO(exported.read_text())) if "ch-1" in r)
    assert {"'@SUM(1+1)", "'\t=1+2", f"'{HOSTILE}", "'+44 24 7652 3523"} <= set(cells)
    back = invoke("import", "instruments", str(exported), "--db", database_url, env=ROOT)
    assert back.exit_code == 0 and " 0 created, 0 updated, 6 unchanged" in back.stderr
    with database.readonly() as session:
        assert (
            session.scalars(select(Instrument.description).where(Instrument.code == "ch-1")).one()
            == "\t=1+2"
        )

    raw = invoke("export", "instruments", "--raw-csv", "--db", database_url, env=ROOT).stdout
    raw_cells = next(r for r in csv.reader(io.StringIO(raw)) if "ch-1" in r)
    assert {"@SUM(1+1)", "\t=1+2", HOSTILE} <= set(raw_cells)
    full = invoke("export", "instruments", "--format", "csv", "--db", database_url, env=ROOT)
    record = next(r for r in csv.DictReader(io.StringIO(full.stdout)) if r["code"] == "ch-1")
    assert (record["name"], record["technique"]) == ("'@SUM(1+1)", f"'{HOSTILE}")


def test_users_list_and_import_outcomes_escape_formulas_unless_raw(
    invoke: Invoke, database_url: str, database: Database, world: World, tmp_path: Path
) -> None:
    sheet = tmp_path / "staff.csv"
    sheet.write_text('username,name,institution\nnina,"=HYPERLINK(""http://x"")",WARWICK\n')
    imported = invoke("import", "users", str(sheet), "--format", "csv", "--db", database_url,
                      env=ROOT)  # fmt: skip
    assert imported.exit_code == 0 and "'=HYPERLINK" in imported.stdout
    listed = invoke("users", "list", "--format", "csv", "--db", database_url, env=ROOT)
    nina = next(r for r in csv.DictReader(io.StringIO(listed.stdout)) if r["username"] == "nina")
    assert nina["name"] == '\'=HYPERLINK("http://x")'
    raw = invoke("users", "list", "--format", "csv", "--raw-csv", "--db", database_url, env=ROOT)
    nina = next(r for r in csv.DictReader(io.StringIO(raw.stdout)) if r["username"] == "nina")
    assert nina["name"] == '=HYPERLINK("http://x")'


def test_report_charges_escapes_a_project_code_but_leaves_amounts_numbers(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    start = datetime(2026, 3, 3, 10, tzinfo=UTC)
    plant_booking(database, world, "bob", "WAR-XPS-01", start, start + timedelta(hours=2),
                  BookingStatus.COMPLETED, instrument_charge_pence=1_250, technician_charge_pence=0,
                  project_code=HOSTILE, hourly_rate_pence=625)  # fmt: skip
    args = ("report", "charges", "--month", "2026-03", "--format", "csv", "--db", database_url)
    line = next(csv.DictReader(io.StringIO(invoke(*args, env=ROOT).stdout)))
    assert line["project_code"] == f"'{HOSTILE}" and line["amount"] == "12.50"
    raw = next(csv.DictReader(io.StringIO(invoke(*args, "--raw-csv", env=ROOT).stdout)))
    assert raw["project_code"] == HOSTILE


def test_import_ics_outcomes_escape_an_events_summary_unless_raw(
    invoke: Invoke, database_url: str, world: World, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, clock: FrozenClock,
) -> None:  # fmt: skip
    monkeypatch.setattr("equipshare.services.plumbing.context.SystemClock", lambda: clock)
    calendar = tmp_path / "xps.ics"
    calendar.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:one@test\r\n"
        f"SUMMARY:{HOSTILE}\r\nDTSTART:20260323T100000Z\r\nDTEND:20260323T120000Z\r\n"
        "ORGANIZER:mailto:alice@example.ac.uk\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        newline="",
    )
    args = ("import", "ics", str(calendar), "--instrument", "WAR-XPS-01", "--dry-run",
            "--format", "csv", "--db", database_url)  # fmt: skip
    tech = {"EQUIPSHARE_USER": "tech"}
    escaped = next(csv.DictReader(io.StringIO(invoke(*args, env=tech).stdout)))
    assert escaped["summary"] == f"'{HOSTILE}"
    raw = next(csv.DictReader(io.StringIO(invoke(*args, "--raw-csv", env=tech).stdout)))
    assert raw["summary"] == HOSTILE

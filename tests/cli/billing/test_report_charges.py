"""`equipshare report charges` through the real CLI on both engines: the three formats agree
with each other to the penny, bad months and refusals exit as the manual says."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from equipshare.db.engine import Database
from equipshare.domain.enums import BookingStatus
from tests.cli.conftest import Invoke
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World

ROOT = {"EQUIPSHARE_USER": "root"}


def plant_march(database: Database, world: World) -> None:
    rows = [
        ("bob", "WAR-XPS-01", 3, BookingStatus.COMPLETED, 10_001, 2_500, "EP/X1"),
        ("bob", "WAR-XPS-01", 4, BookingStatus.NO_SHOW, 4_999, 0, "EP/X1"),
        ("bob", "WAR-XPS-01", 5, BookingStatus.CANCELLED, 1_234, 0, None),
        ("carol", "WAR-XPS-01", 6, BookingStatus.COMPLETED, 333, 0, "SHEF-9"),
        ("alice", "AST-SEM-01", 9, BookingStatus.COMPLETED, 7_777, 1_111, None),
    ]
    for user, instrument, day, status, pence, technician, project in rows:
        start = datetime(2026, 3, day, 10, tzinfo=UTC)
        plant_booking(database, world, user, instrument, start, start + timedelta(hours=2),
                      status, instrument_charge_pence=pence, technician_charge_pence=technician,
                      project_code=project, hourly_rate_pence=pence // 2,
                      technician_id=world.users["tech"] if technician else None)  # fmt: skip


def test_csv_json_and_table_agree_to_the_penny(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    plant_march(database, world)
    args = ("report", "charges", "--month", "2026-03", "--db", database_url)

    as_json = invoke(*args, "--format", "json", env=ROOT)
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert document["total"] == "279.55" and document["currency"] == "GBP"
    pairs = {(p["payer"], p["host"]): p["total"] for p in document["pairs"]}
    assert pairs == {("ASTON", "WARWICK"): "187.34", ("SHEF", "WARWICK"): "3.33",
                     ("WARWICK", "ASTON"): "88.88"}  # fmt: skip
    assert as_json.stderr == ("2026-03: 5 bookings billed, 3 payer/host pairs, total £279.55\n")
    sheffield = invoke(*args, "--institution", "SHEF", "--format", "json", env=ROOT)
    assert sheffield.stderr == "2026-03: 1 booking billed, 1 payer/host pair, total £3.33\n"

    lines = list(csv.DictReader(io.StringIO(invoke(*args, "--format", "csv", env=ROOT).stdout)))
    assert len(lines) == 5
    assert sum(Decimal(line["amount"]) for line in lines) == Decimal("279.55")
    first = lines[0]
    assert (first["payer"], first["host"], first["project_code"], first["instrument"]) == (
        "ASTON", "WARWICK", "EP/X1", "WAR-XPS-01")  # fmt: skip
    assert (first["minutes"], first["hourly_rate"], first["technician_minutes"]) == (
        "120", "50.00", "120")  # fmt: skip
    assert (first["instrument_amount"], first["technician_amount"], first["amount"]) == (
        "100.01", "25.00", "125.01")  # fmt: skip
    assert first["start"] == "2026-03-03T10:00+00:00" and first["note"] == "assisted"
    assert [line["note"] for line in lines[1:3]] == ["no-show, charged in full",
                                                      "late cancellation"]  # fmt: skip

    pair_rows = list(csv.DictReader(io.StringIO(
        invoke(*args, "--format", "csv", "--level", "pair", env=ROOT).stdout)))  # fmt: skip
    assert [(r["payer"], r["host"], r["amount"]) for r in pair_rows] == [
        ("ASTON", "WARWICK", "187.34"), ("SHEF", "WARWICK", "3.33"),
        ("WARWICK", "ASTON", "88.88")]  # fmt: skip
    project_rows = list(csv.DictReader(io.StringIO(
        invoke(*args, "--format", "csv", "--level", "project", env=ROOT).stdout)))  # fmt: skip
    assert [(r["project_code"], r["amount"]) for r in project_rows] == [
        ("EP/X1", "175.00"), ("", "12.34"), ("SHEF-9", "3.33"), ("", "88.88")]  # fmt: skip

    table = invoke(*args, env=ROOT)
    assert table.exit_code == 0
    assert "ASTON owes WARWICK" in table.stdout and "£187.34" in table.stdout
    assert "£279.55" in table.stdout


def test_bad_month_refusals_and_help(invoke: Invoke, database_url: str, world: World) -> None:
    bad = invoke("report", "charges", "--month", "2026-13", "--db", database_url, env=ROOT)
    assert bad.exit_code == 2
    assert bad.stderr == "error: --month: '2026-13' is not a month like 2026-03\n"
    unknown = invoke("report", "charges", "--month", "2026-03", "--institution", "NOPE",
                     "--db", database_url, env=ROOT)  # fmt: skip
    assert unknown.exit_code == 1
    assert unknown.stderr == "refused: --institution: no institution with code 'NOPE'\n"
    refused = invoke("report", "charges", "--db", database_url, env={"EQUIPSHARE_USER": "bob"})
    assert refused.exit_code == 1 and "needs a facility manager or an admin" in refused.stderr
    empty = invoke("report", "charges", "--month", "2026-03", "--format", "csv",
                   "--db", database_url, env=ROOT)  # fmt: skip
    assert empty.exit_code == 0 and empty.stdout.startswith("month,payer,host,project_code")
    assert empty.stderr.endswith("0 bookings billed, 0 payer/host pairs, total £0.00\n")
    manual = invoke("report", "charges", "--help")
    assert "Examples:" in manual.stdout and "equipshare report charges --month" in manual.stdout

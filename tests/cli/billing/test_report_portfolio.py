"""`equipshare report portfolio USER` through the real CLI on both engines: the four formats
carry the same figures, refusals exit 1, and an opted-out technician is not named to others."""

from __future__ import annotations

import csv
import io
import json

from equipshare.db.engine import Database
from equipshare.domain.records.impact.credit import UNNAMED_STAFF
from equipshare.services.plumbing.context import ServiceContext
from tests.cli.conftest import Invoke
from tests.services.portfolio.test_portfolio import opt_out
from tests.services.reports.test_reports import plant_march
from tests.support.world import World

MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")


def test_formats_agree(invoke: Invoke, database_url: str, db: Database, world: World) -> None:
    plant_march(db, world)
    args = ("report", "portfolio", "tech", *MARCH, "--db", database_url)
    as_json = invoke(*args, "--format", "json", env={"EQUIPSHARE_USER": "mgr"})
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert document["technician"]["username"] == "tech"
    assert document["summary"]["assisted_sessions"] == 1
    assert document["summary"]["assisted_hours"] == "4.00"
    assert document["summary"]["people_trained"] == 2
    assert [r["instrument"] for r in document["instruments"]] == ["WAR-MEG-01", "WAR-XPS-01"]
    assert document["institutions"] == [
        {"institution": "ASTON", "name": "Aston University", "assisted_sessions": 1,
         "assisted_hours": "4.00", "people": 1}]  # fmt: skip

    as_csv = invoke(*args, "--format", "csv", env={"EQUIPSHARE_USER": "tech"})
    parts = as_csv.stdout.split("\n\n")
    assert len(parts) == 4
    summary = {r["figure"]: r["value"] for r in csv.DictReader(io.StringIO(parts[0]))}
    assert (summary["assisted_hours"], summary["training_given"]) == ("4.00", "3")
    instruments = list(csv.DictReader(io.StringIO(parts[1])))
    assert [(r["instrument"], r["assisted_hours"], r["looks_after"]) for r in instruments] == [
        ("WAR-MEG-01", "0.00", "yes"), ("WAR-XPS-01", "4.00", "yes")]  # fmt: skip

    page = invoke(*args, "--format", "markdown", env={"EQUIPSHARE_USER": "root"})
    assert page.exit_code == 0
    assert page.stdout.startswith("# Technician portfolio: Tech\n")
    assert "- 1 assisted session, 4.00 h" in page.stdout
    assert (
        "| WAR-XPS-01 | " in page.stdout
        and "## Assisted sessions by the users' institutions" in page.stdout
    )
    table = invoke(*args, env={"EQUIPSHARE_USER": "tech"})
    assert table.exit_code == 0 and "By instrument" in table.stdout


def test_refusals_and_opt_out(
    invoke: Invoke, database_url: str, db: Database, world: World, context: ServiceContext
) -> None:
    args = ("report", "portfolio", "tech", *MARCH, "--db", database_url)
    for who in ("alice", "tech2", "otherstaff"):
        refused = invoke(*args, env={"EQUIPSHARE_USER": who})
        assert refused.exit_code == 1 and refused.stderr.count("\n") == 1, refused.output
    bad = invoke(
        *args[:3], "--from", "2026-13-01", "--db", database_url, env={"EQUIPSHARE_USER": "tech"}
    )
    assert bad.exit_code == 2 and "--from" in bad.stderr
    opt_out(context, world, "tech")
    for output in ("json", "csv", "markdown", "table"):
        seen = invoke(*args, "--format", output, env={"EQUIPSHARE_USER": "mgr"})
        assert seen.exit_code == 0, seen.output
        assert "Echnician" not in seen.stdout and "0000-0002-1825-0097" not in seen.stdout
        assert "Experimental Officer" not in seen.stdout
        assert UNNAMED_STAFF in seen.stdout or output == "table"
    own = invoke(*args, "--format", "markdown", env={"EQUIPSHARE_USER": "tech"})
    assert own.stdout.startswith("# Technician portfolio: Dr T. Echnician\n")
    assert "https://orcid.org/0000-0002-1825-0097" in own.stdout

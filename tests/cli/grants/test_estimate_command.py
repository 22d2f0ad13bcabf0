"""`equipshare estimate` through the real CLI, on both engines: a costing in each format,
a plan sheet, saving, listing, showing and comparing, and bad input refused in one line
(exit 2) with nothing saved."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.grants import GrantPlan
from equipshare.domain.enums import UserClass
from tests.cli.conftest import Invoke
from tests.support.pricing import plant_rate
from tests.support.world import World

XPS = "WAR-XPS-01"


def run(invoke: Invoke, url: str, user: str, *args: str) -> Result:
    return invoke("--db", url, *args, env={"EQUIPSHARE_USER": user})


@pytest.fixture
def priced(db: Database, world: World) -> Database:
    plant_rate(db, world, XPS, UserClass.PARTNER, "50", "30", date(2020, 1, 1))
    return db


def plans_saved(db: Database) -> int:
    with db.readonly() as s:
        return int(s.scalar(select(func.count()).select_from(GrantPlan)) or 0)


def test_an_estimate_in_json_has_separate_instrument_and_technician_lines(
    invoke: Invoke, database_url: str, priced: Database
) -> None:
    result = run(invoke, database_url, "bob", "estimate", "--start", "2027-10-01",
                 "--years", "2", "--line", f"{XPS}:1:120:40", "--line", f"{XPS}:2:7.5",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    items = [(r["year"], r["item"], r["hours"], r["rate"], r["amount"]) for r in rows]
    assert items == [
        (1, "instrument", "120", "50.00", "6000.00"),
        (1, "technician", "40", "30.00", "1200.00"),
        (1, "year 1 total", "120", None, "7200.00"),
        (2, "instrument", "7.5", "50.00", "375.00"),
        (2, "year 2 total", "7.5", None, "375.00"),
        (None, "instrument, all years", "127.5", None, "6375.00"),
        (None, "technician, all years", "40", None, "1200.00"),
        (None, "grant total", None, None, "7575.00"),
    ]
    assert rows[0]["user_class"] == "partner" and rows[0]["priced_at"] == "2020-01-01"
    assert plans_saved(priced) == 0


def test_a_plan_sheet_saved_then_listed_shown_and_compared(
    invoke: Invoke, database_url: str, priced: Database, tmp_path: Path
) -> None:
    sheet = tmp_path / "plan.csv"
    sheet.write_text("Instrument,Year,Hours,Assisted hours\nWAR-XPS-01,1,10,2\n", encoding="utf-8")
    saved = run(invoke, database_url, "bob", "estimate", "--start", "2026-10-01",
                "--plan", str(sheet), "--save", "Catalysis", "--project", "EP/C1",
                "--format", "markdown")  # fmt: skip
    assert saved.exit_code == 0, saved.output
    assert "saved plan 1 'Catalysis' (EP/C1)" in saved.stderr
    assert "| 1 | 2026-10-01 | WAR-XPS-01 | WARWICK | partner | technician | 2 | £30.00 |" in (
        saved.stdout
    )
    assert saved.stdout.rstrip().endswith("total £560.00")
    listed = run(invoke, database_url, "bob", "estimate", "list", "--format", "csv")
    assert listed.stdout.splitlines()[1].startswith("1,Catalysis,EP/C1,bob,2026-10-01,3,0.00,")
    shown = run(invoke, database_url, "bob", "estimate", "show", "1", "--format", "json")
    assert json.loads(shown.stdout)[-1]["amount"] == "560.00"
    compared = run(invoke, database_url, "bob", "estimate", "compare", "1")
    assert compared.exit_code == 0, compared.output
    assert "planned 10 h, used 0 h, £0.00 of £560.00" in compared.stdout
    refused = run(invoke, database_url, "carol", "estimate", "compare", "1")
    assert (refused.exit_code, refused.stderr.count("\n")) == (1, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--line", f"{XPS}:4:1"], "--line 1: year 4 is not a year of a 3-year grant"),
        (["--line", f"{XPS}:1:ten"], "--line 1: hours 'ten' is not a number of hours"),
        (["--line", f"{XPS}:1:1:2"], "--line 1: assisted hours are more than the instrument"),
        (["--line", "WAR-XPS-01"], "--line 1: 'WAR-XPS-01' is not INSTRUMENT:YEAR:HOURS"),
        (["--line", f"{XPS}:1:1", "--line", "NOPE:1:1"], "--line 2: no instrument with code"),
        (["--line", f"{XPS}:1:1", "--uplift", "30"], "uplift must be 0 to 25% a year"),
        (["--line", f"{XPS}:1:1", "--save", "T"], "--save TITLE and --project CODE go together"),
        (["--plan", "missing.csv"], "missing.csv: no such file"),
        (["--plan", "bad.csv"], "bad.csv:3: year 'x' is not a grant year"),
        ([], "no hours: give --line"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_saved(
    invoke: Invoke, database_url: str, priced: Database, tmp_path: Path,
    args: list[str], message: str,
) -> None:  # fmt: skip
    (tmp_path / "bad.csv").write_text("instrument,year,hours\nWAR-XPS-01,1,2\nWAR-XPS-01,x,2\n")
    extra = [] if "--save" in args else ["--save", "T", "--project", "P"]
    result = run(invoke, database_url, "bob", "estimate", "--start", "2027-10-01", *args, *extra)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""
    assert plans_saved(priced) == 0

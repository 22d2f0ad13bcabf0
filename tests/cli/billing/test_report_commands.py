"""`equipshare report utilisation|sharing|technicians|demand` through the real CLI, on both engines.

The data is the hand-checked March 2026 of tests/services/reports/test_reports.py, so the CSV and
JSON carry figures worked out there; refusals and bad input are one line with exit 1 or 2.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from equipshare.db.engine import Database
from equipshare.domain.time.report_periods import preset_days
from equipshare.services.reports.period import previous_month
from tests.cli.conftest import Invoke
from tests.services.reports.test_reports import plant_march
from tests.support.world import World

REPORTS = ["utilisation", "sharing", "technicians", "demand"]
MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")


@pytest.fixture
def report(invoke: Invoke, database_url: str, database: Database, world: World) -> Invoke:
    """`equipshare report ARGS... --db URL` as USER (first argument) on the planted March."""
    plant_march(database, world)

    def run(user: str, *args: str) -> Result:
        return invoke("report", *args, "--db", database_url, env={"EQUIPSHARE_USER": user})

    return run


def _csv_parts(text: str) -> list[list[dict[str, str]]]:
    """CSV sections separated by blank lines, each read with its own header."""
    return [list(csv.DictReader(io.StringIO(part))) for part in text.strip().split("\n\n")]


@pytest.mark.parametrize("command", REPORTS)
def test_help_reads_like_a_manual_page_with_examples(invoke: Invoke, command: str) -> None:
    result = invoke("report", command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"equipshare report {command}" in result.stdout
    assert "--from DATE" in result.stdout and "--institution CODE" in result.stdout


def test_utilisation_table_csv_and_json(report: Invoke) -> None:
    table = report("root", "utilisation", *MARCH)
    assert table.exit_code == 0 and "…" not in table.stdout  # never cut at 80 columns
    assert "┃ code " in table.stdout and " shared bookings ┃" in table.stdout
    assert any(line.startswith("│ WAR-XPS-01 ") for line in table.stdout.splitlines())
    result = report("root", "utilisation", *MARCH, "--format", "csv")
    assert result.exit_code == 0, result.output
    (rows,) = _csv_parts(result.stdout)
    xps = next(r for r in rows if r["code"] == "WAR-XPS-01")
    assert (xps["booked_hours"], xps["used_hours"], xps["opening_hours"]) == (
        "8.00",
        "5.50",
        "176.00",
    )
    assert (xps["utilisation_percent"], xps["shared_hours"], xps["no_shows"]) == (
        "4.5",
        "6.00",
        "1",
    )
    by_institution = report("mgr", "utilisation", *MARCH, "--by", "institution", "--format", "json")
    assert by_institution.exit_code == 0, by_institution.output
    assert [(r["code"], r["booked_hours"], r["downtime_hours"]) for r in json.loads(
        by_institution.stdout
    )] == [("ASTON", "3.00", "0.00"), ("WARWICK", "12.00", "40.00")]  # fmt: skip


def test_a_period_may_start_and_end_at_a_time_of_day(report: Invoke) -> None:
    """From Wed 4 March 11:00 to Thu 5 March 15:00 (London): bob's 09:00 booking on the
    4th started before, carol's 14:00 no-show on the 5th is in; XPS opens 09:00-17:00,
    so 6 h of the 4th and 6 h of the 5th. A partial day is read from the bookings, whole
    days from the roll-up: from Tue 3 March 09:30 to the end of the 4th holds alice's
    10:00 (2 h) and bob's (4 h) over 7.5 + 8 open hours."""
    hours = ("code", "booked_hours", "opening_hours", "no_shows")
    spans = [
        (("2026-03-04 11:00", "2026-03-05T15:00"), ("WAR-XPS-01", "2.00", "12.00", "1")),
        (("2026-03-03T09:30", "2026-03-03 11:00"), ("WAR-XPS-01", "2.00", "1.50", "0")),
        (("2026-03-03 09:30", "2026-03-04"), ("WAR-XPS-01", "6.00", "15.50", "0")),
    ]
    for (first, last), expected in spans:
        result = report("root", "utilisation", "--from", first, "--to", last, "--format", "csv")
        assert result.exit_code == 0, result.output
        xps = next(r for r in _csv_parts(result.stdout)[0] if r["code"] == "WAR-XPS-01")
        assert tuple(xps[k] for k in hours) == expected, (first, last)
    document = json.loads(
        report("root", "sharing", "--from", "2026-03-04 11:00", "--to", "2026-03-05T15:00",
               "--format", "json").stdout
    )  # fmt: skip
    assert (document["from"], document["to"]) == ("2026-03-04 11:00", "2026-03-05 15:00")
    table = report("root", "utilisation", "--from", "2026-03-04 11:00", "--to", "2026-03-05")
    assert "2026-03-04 11:00 to 2026-03-05 (Europe/London)" in " ".join(table.stdout.split())
    bad = report("root", "utilisation", "--from", "2026-03-04", "--to", "2026-03-05 25:00")
    assert (bad.exit_code, bad.stdout) == (2, "")
    assert bad.stderr == (
        "error: --to: '2026-03-05 25:00' is not a date like 2026-03-31 or a date and time "
        "like 2026-03-31 14:00\n"
    )
    skipped = report("root", "utilisation", "--from", "2026-03-29 01:30", "--to", "2026-03-30")
    assert skipped.exit_code == 2
    assert skipped.stderr.startswith("error: --from: 2026-03-29 01:30 does not exist in ")
    backwards = report("root", "demand", "--from", "2026-03-05 15:00", "--to", "2026-03-05T09:00")
    assert backwards.exit_code == 2
    assert backwards.stderr == "error: --to 2026-03-05 09:00 is before --from 2026-03-05 15:00\n"


def test_sharing_csv_matrix_and_months_and_json_cells(report: Invoke) -> None:
    result = report("tech", "sharing", *MARCH, "--format", "csv")
    assert result.exit_code == 0, result.output
    matrix, months, staff, staff_months = _csv_parts(result.stdout)
    assert matrix == [
        {"host": "ASTON", "ASTON": "0.00", "SHEF": "0.00", "WARWICK": "3.00"},
        {"host": "WARWICK", "ASTON": "4.00", "SHEF": "2.00", "WARWICK": "6.00"},
    ]
    assert months == [{"month": "2026-03", "hours": "9.00", "bookings": "3"}]
    # The technician side: Warwick's tech assisted Aston's bob for 4 hours.
    assert staff == [{"staff": "WARWICK", "ASTON": "4.00", "WARWICK": "0.00"}]
    assert staff_months == [{"month": "2026-03", "hours": "4.00", "sessions": "1"}]
    document = json.loads(report("root", "sharing", *MARCH, "--format", "json").stdout)
    assert (document["from"], document["to"], document["timezone"]) == (
        "2026-03-01",
        "2026-03-31",
        "Europe/London",
    )
    assert document["cells"][0] == {
        "host": "ASTON", "user": "WARWICK", "minutes": 180, "hours": "3.00", "bookings": 1,
    }  # fmt: skip
    assert document["technician_cells"] == [
        {"staff": "WARWICK", "user": "ASTON", "minutes": 240, "hours": "4.00", "sessions": 1},
    ]  # fmt: skip
    assert document["technician_months"] == [{"month": "2026-03", "hours": "4.00", "sessions": 1}]
    table = report("root", "sharing", *MARCH)
    assert "Technician time across institutions by month" in " ".join(table.stdout.split())


def test_technicians_csv_and_json_show_only_whom_the_actor_may_see(report: Invoke) -> None:
    result = report("mgr", "technicians", *MARCH, "--format", "csv")
    assert result.exit_code == 0, result.output
    (rows,) = _csv_parts(result.stdout)
    assert [r["username"] for r in rows] == ["mgr", "tech", "tech2"]
    tech = rows[1]
    assert (tech["assisted_sessions"], tech["assisted_hours"], tech["people_trained"]) == (
        "1",
        "4.00",
        "2",
    )
    own = json.loads(report("tech", "technicians", *MARCH, "--format", "json").stdout)
    assert [(r["username"], r["instruments_looked_after"]) for r in own] == [("tech", 2)]


def test_demand_csv_parts_and_json(report: Invoke) -> None:
    result = report("root", "demand", *MARCH, "--limit", "2", "--format", "csv")
    assert result.exit_code == 0, result.output
    instruments, by_hour, by_weekday = _csv_parts(result.stdout)
    assert [(r["code"], r["waitlist"], r["refused"], r["requests"]) for r in instruments] == [
        ("WAR-XPS-01", "2", "1", "5"),
        ("WAR-MEG-01", "1", "0", "0"),
    ]
    assert by_hour[10] == {"hour": "10:00", "requests": "3", "percent": "37.5"}
    assert [r["requests"] for r in by_weekday] == ["2", "1", "1", "1", "1", "0", "2"]
    document = json.loads(report("root", "demand", *MARCH, "--format", "json").stdout)
    assert len(document["instruments"]) == 4 and len(document["by_hour"]) == 24
    assert document["by_weekday"][6] == {"weekday": "Sunday", "requests": 2, "percent": "25.0"}


def test_default_period_is_the_previous_calendar_month(report: Invoke) -> None:
    result = report("root", "sharing", "--format", "json")
    assert result.exit_code == 0, result.output
    first, last = previous_month(datetime.now(ZoneInfo("Europe/London")).date())
    document = json.loads(result.stdout)
    assert (document["from"], document["to"]) == (first.isoformat(), last.isoformat())


@pytest.mark.parametrize("command", REPORTS)
def test_researcher_refused_and_bad_input_on_one_line(report: Invoke, command: str) -> None:
    refused = report("alice", command, *MARCH)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr == f"refused: alice may not see the {command} report: that needs " \
        "facility staff or an admin\n"  # fmt: skip
    bad_date = report("root", command, "--from", "2026-02-30")
    assert bad_date.exit_code == 2
    assert bad_date.stderr == (
        "error: --from: '2026-02-30' is not a date like 2026-03-31 or a date and time like "
        "2026-03-31 14:00\n"
    )
    reversed_range = report("root", command, "--from", "2026-03-31", "--to", "2026-03-01")
    assert reversed_range.exit_code == 2
    assert reversed_range.stderr == "error: --to 2026-03-01 is before --from 2026-03-31\n"
    unknown = report("root", command, *MARCH, "--institution", "NOPE")
    assert unknown.exit_code == 1
    assert unknown.stderr == "refused: --institution: no institution has the code 'NOPE'\n"


@pytest.mark.parametrize("command", REPORTS)
def test_a_named_period_is_the_tuis_and_not_mixed_with_dates(report: Invoke, command: str) -> None:
    today = datetime.now(ZoneInfo("Europe/London")).date()
    result = report("root", command, "--period", "last-12-months")
    assert result.exit_code == 0, result.output
    first, last = preset_days("last-12-months", today)
    assert f"{first} to {last} (Europe/London)" in " ".join(result.stdout.split())
    mixed = report("root", command, "--period", "this-month", "--from", "2026-03-01")
    assert mixed.exit_code == 2 and mixed.stdout == ""
    assert mixed.stderr == "error: --period: give a named period or --from/--to, not both\n"

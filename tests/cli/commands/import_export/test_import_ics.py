"""`equipshare import ics` through the real CLI, on both engines, with the clock frozen."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.domain.time.clock import FrozenClock
from tests.cli.conftest import Invoke
from tests.support.world import World

XPS = "WAR-XPS-01"
CALENDAR = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:Microsoft Exchange Server 2010",
        "BEGIN:VEVENT",
        "UID:040000008200E00074C5B7101A82E008",
        "SUMMARY:XPS depth profile",
        'DTSTART;TZID="GMT Standard Time":20260323T100000',
        'DTEND;TZID="GMT Standard Time":20260323T120000',
        "ORGANIZER;CN=Alice:mailto:alice@example.ac.uk",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:stranger@outlook",
        "DTSTART:20260324T100000Z",
        "DTEND:20260324T110000Z",
        "ORGANIZER:mailto:someone@elsewhere.example",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch, clock: FrozenClock, world: World) -> None:
    monkeypatch.setattr("equipshare.services.plumbing.context.SystemClock", lambda: clock)
    monkeypatch.delenv("EQUIPSHARE_USER", raising=False)


@pytest.fixture
def calendar_file(tmp_path: Path) -> Path:
    path = tmp_path / "xps.ics"
    path.write_text(CALENDAR, encoding="utf-8", newline="")
    return path


def bookings(database_url: str) -> int:
    db = Database.connect(database_url)
    try:
        with db.readonly() as s:
            return s.scalar(select(func.count()).select_from(Booking)) or 0
    finally:
        db.dispose()


def test_import_prints_a_table_and_a_rerun_changes_nothing(
    invoke: Invoke, database_url: str, calendar_file: Path
) -> None:
    result = invoke(
        "import", "ics", str(calendar_file), "--instrument", XPS, "--db", database_url,
        env={"EQUIPSHARE_USER": "tech"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ACTION", "WHEN", "ID", "SUMMARY", "DETAIL"]
    assert lines[1].startswith("created  Mon 23 Mar 2026 10:00-12:00 GMT")
    assert "XPS depth profile" in lines[1]
    assert lines[2].startswith("skipped")
    assert "someone@elsewhere.example" in lines[2] and "--owner" in lines[2]
    assert result.stderr.strip() == (
        "1 created, 0 updated, 0 unchanged, 1 skipped, 0 refused, 0 in conflict "
        "(bookings on WAR-XPS-01)"
    )
    again = invoke(
        "import", "ics", str(calendar_file), "--instrument", XPS, "--db", database_url,
        "--owner", "alice", "--format", "json", env={"EQUIPSHARE_USER": "tech"},
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    actions = {o["key"]: o["action"] for o in json.loads(again.stdout)}
    assert actions == {
        "040000008200E00074C5B7101A82E008": "unchanged",
        "stranger@outlook": "created",
    }
    assert bookings(database_url) == 2


def test_dry_run_as_csv_writes_nothing(
    invoke: Invoke, database_url: str, calendar_file: Path
) -> None:
    result = invoke(
        "import", "ics", str(calendar_file), "--instrument", XPS, "--db", database_url,
        "--dry-run", "--format", "csv", env={"EQUIPSHARE_USER": "tech"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["action"], row["id"]) for row in table] == [("created", "-"), ("skipped", "-")]
    assert result.stderr.startswith("dry run, nothing written: would have 1 created")
    assert bookings(database_url) == 0


def test_a_researcher_is_refused_with_exit_1(
    invoke: Invoke, database_url: str, calendar_file: Path
) -> None:
    result = invoke(
        "import", "ics", str(calendar_file), "--instrument", XPS, "--db", database_url,
        env={"EQUIPSHARE_USER": "alice"},
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith("refused: alice may not override the booking policy")
    assert bookings(database_url) == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "<html><head><title>Sign in</title></head><body>Log in</body></html>",
            "line 1: not an iCalendar file: it is an HTML page",
        ),
        (
            CALENDAR[: CALENDAR.index("END:VEVENT")],
            "line 9: the file ends inside BEGIN:VEVENT from line 4",
        ),
        (
            CALENDAR.replace("20260324T110000Z", "20260324T090000Z"),
            "line 14: the event 'stranger@outlook' ends before it starts",
        ),
    ],
)
def test_bad_files_exit_2_with_one_line_naming_file_and_line(
    invoke: Invoke, database_url: str, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.ics"
    path.write_text(content, encoding="utf-8", newline="")
    result = invoke(
        "import", "ics", str(path), "--instrument", XPS, "--db", database_url,
        env={"EQUIPSHARE_USER": "tech"},
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {path}, {expected}")
    assert result.stderr.count("\n") == 1
    assert bookings(database_url) == 0


def test_a_missing_file_is_one_line_too(invoke: Invoke, database_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.ics"
    result = invoke(
        "import", "ics", str(missing), "--instrument", XPS, "--db", database_url,
        env={"EQUIPSHARE_USER": "tech"},
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == f"error: {missing}: cannot read it: No such file or directory\n"


def test_each_refused_event_is_one_line_naming_its_rule_and_line(
    invoke: Invoke, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "ram.ics"
    path.write_text(
        CALENDAR.replace("alice@example.ac.uk", "dave@example.ac.uk"),
        encoding="utf-8",
        newline="",
    )
    result = invoke(
        "import", "ics", str(path), "--instrument", "WAR-RAM-01", "--db", database_url,
        "--owner", "alice", env={"EQUIPSHARE_USER": "tech"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    refused = [line for line in result.stdout.splitlines() if line.startswith("refused")]
    assert len(refused) == 1
    assert refused[0].endswith(
        "access: WAR-RAM-01 is open to University of Warwick users only; "
        "dave is from Acme Materials Ltd (line 4)"
    )
    assert "1 created, 0 updated, 0 unchanged, 0 skipped, 1 refused" in result.stderr
    assert bookings(database_url) == 1  # the stranger's event, for alice


def test_override_confirms_what_needs_approval_and_says_what_it_waved(
    invoke: Invoke, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "bob.ics"
    path.write_text(
        CALENDAR.replace("alice@example.ac.uk", "bob@example.ac.uk"), encoding="utf-8", newline=""
    )
    result = invoke(
        "import", "ics", str(path), "--instrument", XPS, "--db", database_url, "--override",
        "--format", "json", env={"EQUIPSHARE_USER": "tech"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (made,) = [o for o in json.loads(result.stdout) if o["action"] == "created"]
    assert made["overridden"] == ["bob from Aston University needs approval"]

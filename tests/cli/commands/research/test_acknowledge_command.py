"""`equipshare acknowledge` and `facilities acknowledgement` through the real CLI, both engines."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from equipshare.db.engine import Database
from equipshare.domain.enums import BookingStatus
from tests.cli.conftest import Invoke
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World

ALICE = {"EQUIPSHARE_USER": "alice"}
MGR = {"EQUIPSHARE_USER": "mgr"}


def completed(database: Database, world: World, user: str, day: int, **extra: object) -> int:
    start = datetime(2026, 2, day, 10, tzinfo=UTC)
    return plant_booking(database, world, user, "WAR-XPS-01", start, start + timedelta(hours=3),
                         BookingStatus.COMPLETED, **extra)  # fmt: skip


def test_acknowledge_in_every_format(
    invoke: Invoke, database_url: str, db: Database, world: World
) -> None:
    completed(db, world, "alice", 3, technician_id=world.users["tech"], project_code="EP/X1")
    completed(db, world, "alice", 10)
    completed(db, world, "bob", 4, technician_id=world.users["tech2"], project_code="EP/X1")
    text = invoke("acknowledge", "--user", "alice", "--db", database_url, env=ALICE)
    assert text.exit_code == 0, text.output
    paragraph, table = text.stdout.split("\n\n")
    assert paragraph == (
        "This work used XPS on the WAR-XPS-01 (WAR-XPS-01), 6\u00a0h, at the Warwick "
        "Photoemission RTP, University of Warwick. We thank Tech for assisted XPS measurements, "
        "3\u00a0h, and for "
        "XPS training."
    )
    assert table.splitlines()[0].split() == ["role", "facility", "institution", "technique",
        "instrument", "technician", "orcid", "sessions", "hours"]  # fmt: skip
    # British dates as the training import takes them; the period keeps the 3 February only.
    dated = invoke("acknowledge", "--user", "alice", "--from", "1/2/2026", "--to", "2026-02-05",
                   "--format", "json", "--db", database_url, env=ALICE)  # fmt: skip
    document = json.loads(dated.stdout)
    assert (document["user"], document["from"], document["to"]) == ("alice", "2026-02-01",
                                                                     "2026-02-05")  # fmt: skip
    assert document["minutes"] == 180
    project = invoke("acknowledge", "--project", "EP/X1", "--format", "csv", "--db",
                     database_url, env=MGR)  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(project.stdout)))
    assert [(r["role"], r["instrument"] or r["technician"], r["hours"]) for r in rows] == [
        ("Resources", "WAR-XPS-01", "6.00"),
        ("Investigation", "Tech", "3.00"),
        ("Supervision", "Tech", ""),
        ("Investigation", "Tech2", "3.00"),
    ]
    markdown = invoke("acknowledge", "--project", "EP/X1", "--format", "markdown", "--db",
                      database_url, env=ALICE)  # fmt: skip
    assert markdown.stdout.startswith("# Acknowledgement: EP/X1 (all time, Europe/London)")
    assert "Tech2" not in markdown.stdout  # bob's booking is not hers to see


def test_acknowledge_refuses_in_one_line(
    invoke: Invoke, database_url: str, db: Database, world: World
) -> None:
    completed(db, world, "alice", 3)
    cases = [
        (("--user", "alice", "--project", "P"), ALICE, 2, "give --user USER or --project CODE"),
        (("--user", "alice", "--from", "31/02/2026"), ALICE, 2, "--from: '31/02/2026' is not a"),
        (("--user", "alice", "--from", "2026-03-02", "--to", "2026-03-01"), ALICE, 2,
         "--to 2026-03-01 is before --from 2026-03-02"),
        (("--user", "alice", "--period", "last-month", "--to", "2026-03-01"), ALICE, 2,
         "--period: give a named period or --from/--to"),
        (("--user", "alice"), {"EQUIPSHARE_USER": "erin"}, 1, "erin may not see alice's"),
        (("--project", "NONE"), ALICE, 1, "--project: no completed booking under"),
    ]  # fmt: skip
    for args, env, code, words in cases:
        result = invoke("acknowledge", *args, "--db", database_url, env=env)
        assert result.exit_code == code, (args, result.output)
        assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_facility_wording_set_shown_and_cleared(
    invoke: Invoke, database_url: str, db: Database, world: World, tmp_path: Path
) -> None:
    completed(db, world, "alice", 3)
    wording = tmp_path / "wording.txt"
    wording.write_text("We used the $facility\n($facility_code): $hours h.$thanks\n")
    saved = invoke("facilities", "acknowledgement", "WAR-PRP", "--template-file", str(wording),
                   "--db", database_url, env=MGR)  # fmt: skip
    assert saved.exit_code == 0, saved.output
    assert (
        saved.stdout.splitlines()[1] == "We used the $facility ($facility_code): $hours h.$thanks"
    )
    ack = invoke("acknowledge", "--user", "alice", "--db", database_url, env=ALICE)
    assert ack.stdout.startswith("We used the Warwick Photoemission RTP (WAR-PRP): 3 h. We thank")
    wording.write_text("Thanks to $who")
    bad = invoke("facilities", "acknowledgement", "WAR-PRP", "--template-file", str(wording),
                 "--db", database_url, env=MGR)  # fmt: skip
    assert bad.exit_code == 2
    assert bad.stderr.startswith(
        f"error: {wording}: template: unknown placeholder $who; known: $facility"
    )
    refused = invoke("facilities", "acknowledgement", "WAR-PRP", "--clear", "--db", database_url,
                     env={"EQUIPSHARE_USER": "tech"})  # fmt: skip
    assert refused.exit_code == 1 and "needs a manager of the facility" in refused.stderr
    cleared = invoke("facilities", "acknowledgement", "WAR-PRP", "--clear", "--db", database_url,
                     env=MGR)  # fmt: skip
    assert cleared.stdout.startswith("WAR-PRP (Warwick Photoemission RTP) now uses the default")
    shown = invoke("facilities", "acknowledgement", "WAR-PRP", "--db", database_url, env=ALICE)
    assert shown.exit_code == 0 and "uses the default wording" in shown.stdout
    listed = invoke("facilities", "acknowledgement", "WAR-PRP", "--placeholders")
    assert listed.stdout.splitlines()[0] == "$facility: the facility's name"

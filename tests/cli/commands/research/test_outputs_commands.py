"""`equipshare outputs add|list|edit|remove` through the real CLI on both engines."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from equipshare.db.engine import Database
from equipshare.domain.enums import BookingStatus
from tests.cli.conftest import Invoke
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World

ALICE = {"EQUIPSHARE_USER": "alice"}


def completed(database: Database, world: World, user: str, day: int, **extra: object) -> int:
    start = datetime(2026, 2, day, 10, tzinfo=UTC)
    return plant_booking(database, world, user, "WAR-XPS-01", start, start + timedelta(hours=2),
                         BookingStatus.COMPLETED, **extra)  # fmt: skip


def test_add_list_edit_remove(
    invoke: Invoke, database_url: str, db: Database, world: World
) -> None:
    first = completed(db, world, "alice", 3, technician_id=world.users["tech"])
    second = completed(db, world, "alice", 4, project_code="EP/X1")
    added = invoke("outputs", "add", "doi:10.1039/D6CP01234A", "XPS of ceria", "2026",
                   "--booking", f"{first},{second}", "--db", database_url, env=ALICE)  # fmt: skip
    assert added.exit_code == 0, added.output
    output_id = int(added.stdout)
    assert (
        added.stderr == f"recorded output {output_id}: 10.1039/d6cp01234a (2 completed bookings)\n"
    )
    by_code = invoke("outputs", "add", "10.5281/zenodo.9", "Spectra", "2025", "--project", "EP/X1",
                     "--db", database_url, env=ALICE)  # fmt: skip
    assert by_code.exit_code == 0, by_code.output

    listed = invoke("outputs", "list", "--format", "csv", "--db", database_url, env=ALICE)
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert [(r["year"], r["doi"], r["bookings"], r["facilities"]) for r in rows] == [
        ("2026", "10.1039/d6cp01234a", f"{first} {second}", "WAR-PRP"),
        ("2025", "10.5281/zenodo.9", str(second), "WAR-PRP"),
    ]
    # The assisting technician sees the first: it credits them; the facility's staff see both.
    as_tech = invoke("outputs", "list", "--format", "json", "--db", database_url,
                     env={"EQUIPSHARE_USER": "tech"})  # fmt: skip
    assert [o["doi_url"] for o in json.loads(as_tech.stdout)] == [
        "https://doi.org/10.1039/d6cp01234a", "https://doi.org/10.5281/zenodo.9"]  # fmt: skip
    as_bob = invoke("outputs", "list", "--db", database_url, env={"EQUIPSHARE_USER": "bob"})
    assert as_bob.exit_code == 0 and as_bob.stderr == "no outputs to show\n"

    edited = invoke("outputs", "edit", str(output_id), "--year", "2025", "--db", database_url,
                    env=ALICE)  # fmt: skip
    assert edited.exit_code == 0 and "(2025)" in edited.stderr
    refused = invoke("outputs", "remove", str(output_id), "--db", database_url,
                     env={"EQUIPSHARE_USER": "mgr"})  # fmt: skip
    assert refused.exit_code == 1 and "only its researcher or an admin" in refused.stderr
    removed = invoke("outputs", "remove", str(output_id), "--db", database_url, env=ALICE)
    assert (
        removed.exit_code == 0
        and removed.stderr == f"removed output {output_id}: 10.1039/d6cp01234a\n"
    )
    table = invoke("outputs", "list", "--mine", "--db", database_url, env=ALICE)
    assert table.exit_code == 0 and "Research outputs" in table.stdout
    mine = invoke("outputs", "list", "--mine", "--format", "json", "--db", database_url, env=ALICE)
    assert [o["doi"] for o in json.loads(mine.stdout)] == ["10.5281/zenodo.9"]


def test_bad_input_is_one_line_exit_2(
    invoke: Invoke, database_url: str, db: Database, world: World
) -> None:
    booking = completed(db, world, "alice", 3)
    cases = [
        (("not-a-doi", "T", "2026", "--booking", str(booking)), "doi: 'not-a-doi' is not a DOI"),
        (("10.1/x", "T", "2026", "--booking", "4x"), "--booking: '4x' is not a booking number"),
        (("10.1000/x", "T", "2026"), "bookings: name the project code or the bookings"),
        (("10.1000/x", "T", "1066", "--booking", str(booking)), "year: 1066 is not a year"),
    ]
    for args, words in cases:
        result = invoke("outputs", "add", *args, "--db", database_url, env=ALICE)
        assert result.exit_code == 2, result.output
        assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr
    listed = invoke("outputs", "list", "--format", "json", "--db", database_url, env=ALICE)
    assert json.loads(listed.stdout) == []

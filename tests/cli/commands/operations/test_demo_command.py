"""`equipshare demo`: seeds a migrated database and refuses to clobber real data."""

from __future__ import annotations

import getpass
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from equipshare.domain.time.clock import SystemClock
from tests.cli.conftest import Invoke


def test_seed_only_into_an_empty_database(invoke: Invoke, empty_database_url: str) -> None:
    result = invoke("demo", "--seed-only", "--db", empty_database_url, "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "demo database ready" in result.stdout
    counts = {
        line.split()[0]: int(line.split()[-1].replace(",", ""))
        for line in result.stdout.splitlines()[1:]
        if line.strip() and line.split()[-1].replace(",", "").isdigit()
    }
    assert counts["instruments"] >= 300
    assert counts["facilities"] >= 30
    assert counts["users"] >= 400
    assert f"admin '{getpass.getuser()}'" in result.stdout
    assert invoke("db", "check", "--db", empty_database_url).exit_code == 0

    again = invoke("demo", "--seed-only", "--db", empty_database_url)
    assert again.exit_code == 1
    assert again.stderr.startswith("refused: ") and "--reset" in again.stderr

    reset = invoke("demo", "--seed-only", "--reset", "--db", empty_database_url)
    assert reset.exit_code == 0, reset.output


def test_default_demo_file_is_rebuilt_by_seed_only(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    # The demo is planned around the exact instant it is seeded (which bookings have
    # ended, which are due): both runs must see the same one, or a booking that ends
    # between them changes the counts.
    instant = datetime(2026, 3, 18, 10, 7, tzinfo=UTC)
    monkeypatch.setattr(SystemClock, "now", lambda self: instant)
    first = invoke("demo", "--seed-only")
    assert first.exit_code == 0, first.output
    demo_db = tmp_path / "data" / "equipshare" / "demo.db"
    assert demo_db.exists()
    second = invoke("demo", "--seed-only")
    assert second.exit_code == 0, second.output
    assert first.stdout.splitlines()[1:] == second.stdout.splitlines()[1:]


def test_demo_keeps_what_was_done_between_runs_until_reset(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new user books, quits and reopens with `equipshare demo`: the booking is still there."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    opened: list[str] = []
    monkeypatch.setattr(
        "equipshare.cli.commands.operations.demo.run_tui",
        lambda ctx, **_: opened.append(ctx.find_root().obj.database_url),
    )
    first = invoke("demo")
    assert first.exit_code == 0, first.output
    assert "demo database ready" in first.stdout
    demo_db = tmp_path / "data" / "equipshare" / "demo.db"
    with sqlite3.connect(demo_db) as db:
        db.execute("UPDATE instruments SET name = 'Renamed by hand' WHERE id = 1")

    second = invoke("demo")
    assert second.exit_code == 0, second.output
    assert "opening the demo database" in second.stderr and "--reset" in second.stderr
    with sqlite3.connect(demo_db) as db:
        assert db.execute("SELECT name FROM instruments WHERE id = 1").fetchone() == (
            "Renamed by hand",
        )

    third = invoke("demo", "--reset")
    assert third.exit_code == 0, third.output
    assert "demo database ready" in third.stdout
    with sqlite3.connect(demo_db) as db:
        assert db.execute("SELECT name FROM instruments WHERE id = 1").fetchone() != (
            "Renamed by hand",
        )
    assert len(opened) == 3 and all(url.endswith("demo.db") for url in opened)


def stamp(moment: datetime) -> str:
    """A UTC instant as equipshare stores it in SQLite."""
    return f"{moment:%Y-%m-%d %H:%M:%S}.000000"


def test_reopening_the_demo_closes_what_ended_since_as_the_nightly_job_would(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A demo left a day: the requests that ended meanwhile lapse, so Approvals offers none
    that can no longer be approved, and the sessions that ended are completed."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr("equipshare.cli.commands.operations.demo.run_tui", lambda ctx, **_: None)
    assert invoke("demo").exit_code == 0
    demo_db = tmp_path / "data" / "equipshare" / "demo.db"
    hour_ago = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(hours=1)
    with sqlite3.connect(demo_db) as db:  # as if a day had passed: two bookings ended
        pending, confirmed = (
            db.execute(f"SELECT min(id) FROM bookings WHERE status = '{status}' AND ends_at > ?",
                       (stamp(hour_ago),)).fetchone()[0]
            for status in ("pending", "confirmed")
        )  # fmt: skip
        for booking, hours in ((pending, 3), (confirmed, 5)):
            db.execute(
                "UPDATE bookings SET starts_at = ?, ends_at = ? WHERE id = ?",
                (stamp(hour_ago - timedelta(hours=hours)), stamp(hour_ago), booking),
            )

    again = invoke("demo")
    assert again.exit_code == 0, again.output
    said = [line for line in again.stderr.splitlines() if line.startswith("since it was last")]
    assert len(said) == 1 and "lapsed 1 undecided request" in said[0], again.stderr
    with sqlite3.connect(demo_db) as db:
        assert db.execute(
            "SELECT status, status_reason FROM bookings WHERE id = ?", (pending,)
        ).fetchone() == ("rejected", "not decided before it ended")
        assert db.execute("SELECT status FROM bookings WHERE id = ?", (confirmed,)).fetchone()[
            0
        ] in ("completed", "no_show")
    third = invoke("demo")  # nothing more ended: nothing to say
    assert third.exit_code == 0 and "since it was last open" not in third.stderr, third.stderr

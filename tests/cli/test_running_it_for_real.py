"""The README's "Running it for real" section, run line by line on an empty database.

The lines are read from README.md itself, so the documentation cannot drift from what
works. `createdb` and `export` are the fixture's job (an empty database on each engine);
the booking's date moves to a Tuesday a few weeks ahead, so the steps stay in the future.
"""

from __future__ import annotations

import csv
import io
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import Result
from sqlalchemy import text

from equipshare.db.engine import Database
from tests.cli.conftest import Invoke

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = "<!-- running-it-for-real -->"
README_DAY = "2027-03-02"


def documented_steps() -> list[tuple[dict[str, str], list[str]]]:
    """(environment, arguments after `equipshare`) for each command line of the section."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(MARKER) + 2  # the marker, then the ```sh fence
    steps = []
    for line in lines[start : lines.index("```", start)]:
        words = shlex.split(line, comments=True)
        if not words or words[0] in ("createdb", "export"):
            continue
        env = {}
        while "=" in words[0]:
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        assert words[0] == "equipshare", line
        steps.append((env, words[1:]))
    return steps


def a_tuesday_ahead() -> str:
    day = datetime.now(UTC).date() + timedelta(days=21)
    return (day + timedelta(days=(1 - day.weekday()) % 7)).isoformat()


def test_the_readme_takes_an_empty_database_to_a_consortium_at_work(
    invoke: Invoke, empty_database_url: str
) -> None:
    steps = documented_steps()
    assert [args[0] for _, args in steps][:2] == ["init", "institutions"]
    tuesday = a_tuesday_ahead()
    ran: dict[str, Result] = {}
    for env, args in steps:
        args = [word.replace(README_DAY, tuesday) for word in args]
        result = invoke(*args, env={**env, "EQUIPSHARE_DATABASE_URL": empty_database_url})
        assert result.exit_code == 0, f"equipshare {shlex.join(args)}\n{result.output}"
        ran[" ".join(args[:2])] = result

    assert ran["book WAR-XPS-01"].stdout.split() == ["booking", "1", "pending"]
    waiting = ran["approvals list"].stdout
    assert "WAR-XPS-01" in waiting and "Ayesha Khan" in waiting and "(ASTON)" in waiting
    assert "confirmed" in ran["bookings list"].stdout
    assert "GMT" in ran["audit --instrument"].stdout or "BST" in ran["audit --instrument"].stdout
    # The same trail as a script reads it: every step on the instrument, by whom.
    env = {"EQUIPSHARE_USER": "root", "EQUIPSHARE_DATABASE_URL": empty_database_url}
    trail = invoke("audit", "--instrument", "WAR-XPS-01", "--format", "csv", env=env)
    rows = list(csv.DictReader(io.StringIO(trail.stdout)))
    done = {(row["who"], row["action"]) for row in rows}
    assert {("mgr", "instrument.create"), ("ayesha", "booking.create")} <= done, done
    assert any(who == "mgr" and "approve" in action for who, action in done), done

    database = Database.connect(empty_database_url)
    try:
        with database.engine.connect() as conn:

            def one(sql: str) -> object:
                return conn.execute(text(sql)).scalar_one()

            assert one("SELECT count(*) FROM institutions") == 2
            assert one("SELECT count(*) FROM users WHERE role = 'admin'") == 1
            staff = conn.execute(
                text(
                    "SELECT u.username, s.role FROM facility_staff s "
                    "JOIN users u ON u.id = s.user_id ORDER BY u.username"
                )
            ).all()
            assert [tuple(row) for row in staff] == [("mgr", "manager"), ("tech", "technician")]
            assert one("SELECT count(*) FROM opening_hours") == 5
            assert one("SELECT status FROM bookings WHERE id = 1") == "confirmed"
            assert one("SELECT max_minutes FROM instruments WHERE code = 'WAR-XPS-01'") == 240
    finally:
        database.dispose()
    config = (Path.cwd() / "equipshare.toml").read_text(encoding="utf-8")
    assert "Midlands Innovation" in config and "Europe/London" in config

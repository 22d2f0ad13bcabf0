"""`equipshare db ...` on both engines, with --db before or after the command."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

from equipshare.db import migrate
from equipshare.db.engine import Database
from tests.cli.conftest import Invoke


def head() -> str:
    db = Database.connect("sqlite://")
    try:
        return migrate.head_revision(db.engine)
    finally:
        db.dispose()


def test_upgrade_current_check_on_an_empty_database(
    invoke: Invoke, empty_database_url: str
) -> None:
    result = invoke("db", "check", "--db", empty_database_url)
    assert result.exit_code == 1
    assert "run `equipshare db upgrade`" in result.stderr

    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        result = invoke("--db", empty_database_url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"upgraded empty -> {head()}" in result.stdout
    # A user saw SQLAlchemy's "Skipped unsupported reflection" on every SQLite upgrade.
    assert [str(w.message) for w in warned] == []

    result = invoke("db", "upgrade", "--db", empty_database_url)
    assert result.exit_code == 0
    assert "already up to date" in result.stdout

    result = invoke("db", "current", "--db", empty_database_url)
    assert result.exit_code == 0
    assert f"{head()} (head)" in result.stdout

    assert invoke("db", "check", "--db", empty_database_url).exit_code == 0


def test_downgrade_to_base_and_back(invoke: Invoke, empty_database_url: str) -> None:
    assert invoke("db", "upgrade", "--db", empty_database_url).exit_code == 0
    result = invoke("db", "downgrade", "base", "--db", empty_database_url)
    assert result.exit_code == 0, result.output
    assert "downgraded to base" in result.stdout
    assert "empty (no schema)" in invoke("db", "current", "--db", empty_database_url).stdout


def test_unknown_revision_is_bad_input(invoke: Invoke, empty_database_url: str) -> None:
    result = invoke("db", "downgrade", "nonsense", "--db", empty_database_url)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot downgrade to 'nonsense'")
    assert result.stderr.count("\n") == 1


def test_database_url_from_environment(invoke: Invoke, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    result = invoke("db", "upgrade", env={"EQUIPSHARE_DATABASE_URL": url})
    assert result.exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_command_line_db_beats_config_file(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "equipshare.toml").write_text(
        f"[database]\nurl = 'sqlite:///{tmp_path / 'file.db'}'\n"
    )
    assert invoke("db", "upgrade").exit_code == 0
    assert (tmp_path / "file.db").exists()
    assert invoke("db", "upgrade", "--db", f"sqlite:///{tmp_path / 'flag.db'}").exit_code == 0
    assert (tmp_path / "flag.db").exists()


def test_bad_config_file_is_one_line_and_exit_2(invoke: Invoke, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[booking]\nslot_minutes = 'thirty'\n")
    result = invoke("--config", str(bad), "db", "current")
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"error: {bad}: [booking] slot_minutes: expected a whole number, got 'thirty'\n"
    )


def test_unsupported_url_is_one_line_and_exit_2(invoke: Invoke) -> None:
    result = invoke("db", "current", "--db", "mysql://x@y/z")
    assert result.exit_code == 2
    assert "sqlite:/// and postgresql+psycopg://" in result.stderr


def test_unreachable_postgres_is_one_line(invoke: Invoke) -> None:
    result = invoke("db", "current", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot open the database")
    assert result.stderr.count("\n") == 1


def test_usage_errors_exit_2(invoke: Invoke) -> None:
    assert invoke("db", "frobnicate").exit_code == 2
    assert invoke("--no-such-flag").exit_code == 2


def test_help_reads_like_a_manual(invoke: Invoke) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and "Exit codes" in result.stdout
    assert "Examples:" in invoke("db", "--help").stdout


def test_python_dash_m_runs_the_same_cli(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    out = subprocess.run(
        [sys.executable, "-m", "equipshare", "--db", url, "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "upgraded empty" in out.stdout


def test_read_commands_do_not_create_a_missing_sqlite_file(invoke: Invoke, tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "sitee.db"
    for command in (["db", "current"], ["db", "check"], ["db", "downgrade", "base"]):
        result = invoke(*command, "--db", f"sqlite:///{missing}")
        assert result.exit_code == 2, command
        assert result.stderr == (
            f"error: no database at {missing}: create it with `equipshare db upgrade`\n"
        )
    assert not missing.parent.exists()

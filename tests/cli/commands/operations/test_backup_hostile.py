"""`equipshare backup` to a place no file can be written and `restore` of a file that is no
backup: one line, exit 2 and nothing left behind, on both engines (issue 17: `backup
/proc/x.db` was a traceback, a failed restore left an empty database file)."""

from __future__ import annotations

import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import User
from tests.cli.conftest import Invoke
from tests.support.world import World


def one_error_line(stderr: str, *words: str) -> None:
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    for word in words:
        assert word in stderr, stderr


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_backup_where_no_file_can_be_written_is_one_line_and_exit_2(
    invoke: Invoke, database_url: str, world: World, tmp_path: Path
) -> None:
    result = invoke("backup", "/proc/x.db", "--db", database_url)
    assert result.exit_code == 2
    one_error_line(result.stderr, "/proc/x.db: cannot create a file in /proc")
    assert not Path("/proc/x.db").exists()

    result = invoke("backup", "/dev/null", "--db", database_url)
    assert result.exit_code == 2
    one_error_line(result.stderr, "/dev/null: is not a regular file")
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)  # never replaced by a backup


def junk_files(tmp_path: Path) -> dict[str, Path]:
    """Files that are not equipshare backups, each with what the refusal says of it."""
    text = tmp_path / "notes.txt"
    text.write_text("not a backup\n")
    other = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE t (x)")
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    return {"not a": text, "no schema version": other, "truncated.db": truncated}


def test_a_failed_restore_into_a_new_sqlite_file_leaves_no_file(
    invoke: Invoke, tmp_path: Path
) -> None:
    target = tmp_path / "new" / "restored.db"
    for words, junk in junk_files(tmp_path).items():
        result = invoke("restore", str(junk), "--db", f"sqlite:///{target}")
        assert result.exit_code == 2, result.output
        one_error_line(result.stderr, junk.name, words)
        assert not target.exists() and not list(target.parent.glob("restored.db*"))


def test_a_failed_restore_over_a_database_changes_nothing(
    invoke: Invoke, database_url: str, database: Database, world: World, tmp_path: Path
) -> None:
    """Even with --force, a file that is no backup for this engine is refused before the
    database is touched."""
    for junk in junk_files(tmp_path).values():
        result = invoke("restore", str(junk), "--force", "--db", database_url)
        assert result.exit_code == 2, result.output
        one_error_line(result.stderr, junk.name)
        with database.readonly() as session:
            assert session.scalar(select(func.count()).select_from(User)) == len(world.users)

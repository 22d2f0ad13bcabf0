"""Backups and restores that are safe while people are booking.

SQLite is copied with its online backup API in one step: that step reads one snapshot
(a read transaction, which in WAL mode never blocks the app's writers), so every row
committed before the backup began is in the copy and none half-written is. The copy is
written to a temporary file beside the target, switched out of WAL mode so it is a single
self-contained file, and renamed into place, so a crash never leaves half a backup under
the final name. PostgreSQL is dumped with `pg_dump --format=custom`, which also reads one
snapshot, and restored with `pg_restore` in a single transaction.

These are database-level operations, like `equipshare db upgrade`: whoever holds the
database's URL (or file) may run them, and no equipshare account is asked for. A restore
often targets an empty database that has no users yet, and a backup must still work when
the data is damaged.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from contextlib import closing
from glob import glob
from pathlib import Path

from sqlalchemy import URL, inspect, text

from equipshare.db import migrate
from equipshare.db.engine import masked_url
from equipshare.domain.errors import InputError, RefusedError
from equipshare.domain.records.operations.maintenance import BackupResult, RestoreResult
from equipshare.services.plumbing.context import ServiceContext

# Where Debian and Ubuntu install each PostgreSQL version's tools when they are not on PATH.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
_VERSION = re.compile(r"/postgresql/(\d+)(?:\.(\d+))?/")


def find_pg_tool(name: str) -> str:
    """`name` (pg_dump, pg_restore) on PATH, else the newest one under /usr/lib/postgresql.

    The newest is taken because pg_dump refuses servers newer than itself.
    """
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> tuple[int, int]:
        match = _VERSION.search(path)
        return (int(match.group(1)), int(match.group(2) or 0)) if match else (0, 0)

    candidates = [
        str(Path(directory) / name)
        for directory in glob(PG_BIN_GLOB)
        if os.access(Path(directory) / name, os.X_OK)
    ]
    if candidates:
        return max(candidates, key=version)
    raise RefusedError(
        f"{name} was not found on PATH or in {PG_BIN_GLOB}: install the PostgreSQL client "
        "tools (e.g. apt install postgresql-client) to back up or restore PostgreSQL"
    )


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it, and the environment carrying its password.

    The password goes in PGPASSWORD rather than the command line, where `ps` would show it.
    """
    plain = url.set(drivername="postgresql", password=None)
    env = {"PGPASSWORD": str(url.password)} if url.password else {}
    return plain.render_as_string(hide_password=False), env


def _run_tool(args: list[str], env: dict[str, str]) -> None:
    """Run pg_dump or pg_restore; a failure is one line naming the tool and its last words."""
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **env})
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit status {done.returncode}"
        raise RefusedError(f"{Path(args[0]).name} failed: {last}")


def _claim(scratch: Path, shown: Path) -> None:
    """Create the scratch file, so a place no file can be written is one line before any work."""
    try:
        os.close(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise InputError(
            f"{shown}: cannot create a file in {scratch.parent} ({exc.strerror})", "path"
        ) from None


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


class BackupService:
    """Copy the configured database to a file, and a file back into the database."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database

    @property
    def _url(self) -> URL:
        return self._db.engine.url

    def _sqlite_file(self) -> Path:
        database = self._url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            raise InputError("only a SQLite database in a file can be backed up or restored")
        return Path(database).expanduser().resolve()

    def backup(self, path: Path) -> BackupResult:
        """Write a consistent copy of the database to `path` (replaced atomically if present)."""
        target = path.expanduser().resolve()
        if target.is_dir():
            raise InputError(f"{path}: is a directory; name the backup file", "path")
        if not target.parent.is_dir():
            raise InputError(f"{path}: directory {target.parent} does not exist", "path")
        if target.exists() and not target.is_file():
            raise InputError(f"{path}: is not a regular file; name the backup file", "path")
        scratch = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        _claim(scratch, path)
        try:
            if self._db.backend == "sqlite":
                revision, tool = self._backup_sqlite(scratch, target), "sqlite3 backup API"
            else:
                revision, tool = migrate.current_revision(self._db.engine), "pg_dump"
                self._backup_postgres(scratch)
            _fsync(scratch)
            os.replace(scratch, target)
        except (OSError, sqlite3.OperationalError) as exc:
            # A full disk or a file system that takes no more: the copy, not the database.
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise InputError(f"{path}: the backup could not be written: {reason}", "path") from None
        finally:
            scratch.unlink(missing_ok=True)
        return BackupResult(
            engine=self._db.backend,
            database=masked_url(self._url),
            path=target,
            size_bytes=target.stat().st_size,
            revision=revision,
            tool=tool,
        )

    def _backup_sqlite(self, scratch: Path, target: Path) -> str | None:
        source = self._sqlite_file()
        if target == source:
            raise InputError(f"{target} is the database itself; choose another file", "path")
        with (
            closing(sqlite3.connect(source, timeout=15)) as live,
            closing(sqlite3.connect(scratch)) as copy,
        ):
            live.backup(copy)  # pages=-1: the whole database from one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            return _sqlite_revision(copy)

    def _backup_postgres(self, scratch: Path) -> None:
        tool = find_pg_tool("pg_dump")
        target, env = libpq_target(self._url)
        args = [tool, "--format=custom", "--no-password", f"--file={scratch}", f"--dbname={target}"]
        _run_tool(args, env)

    def restore(self, path: Path, *, force: bool = False) -> RestoreResult:
        """Replace the database's contents with the backup at `path`.

        Refuses (RefusedError) when the database holds any rows, unless `force`; raises
        InputError for a file that is not a backup for this engine. The file is checked
        before the database is touched, and a SQLite database file the restore had to
        create is removed again when it fails, so a failed restore leaves nothing behind.
        """
        source = path.expanduser().resolve()
        if not source.is_file():
            raise InputError(f"{path}: no such backup file", "path")
        with source.open("rb") as handle:
            header = handle.read(16)
        if self._db.backend == "sqlite":
            tool = "sqlite3 backup API"
            _check_sqlite_backup(source, header, path)
            made = not self._sqlite_file().exists()
        else:
            tool = "pg_restore"
            _check_pg_dump(header, path)
            made = False
        try:
            had_data = self._holds_data()
            if had_data and not force:
                raise RefusedError(
                    f"{masked_url(self._url)} holds data; restore with --force to replace it"
                )
            if self._db.backend == "sqlite":
                self._restore_sqlite(source, path)
            else:
                self._restore_postgres(source)
        except BaseException:
            if made:
                self._remove_sqlite_file()
            raise
        revision = migrate.current_revision(self._db.engine)
        return RestoreResult(
            engine=self._db.backend,
            database=masked_url(self._url),
            path=source,
            revision=revision,
            at_head=revision == migrate.shipped_head(),
            replaced_data=had_data,
            tool=tool,
        )

    def _holds_data(self) -> bool:
        """True when any table but Alembic's holds a row: an empty schema may be replaced."""
        with self._db.engine.connect() as conn:
            tables = [
                name
                for name in inspect(conn).get_table_names()
                if name != migrate.VERSION_TABLE and not name.startswith("sqlite_")
            ]
            for name in tables:
                quoted = conn.dialect.identifier_preparer.quote(name)
                if conn.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1")).first() is not None:
                    return True
        return False

    def _remove_sqlite_file(self) -> None:
        """Remove the database file this restore created, with its journal files."""
        self._db.engine.dispose()
        target = self._sqlite_file()
        for suffix in ("", "-wal", "-shm", "-journal"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)

    def _restore_sqlite(self, source: Path, shown: Path) -> None:
        target = self._sqlite_file()
        if target == source:
            raise InputError(f"{shown} is the database itself", "path")
        with closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as backup:
            self._db.engine.dispose()  # our pooled connections must not hold the old pages
            with closing(sqlite3.connect(target, timeout=15)) as live:
                backup.backup(live)

    def _restore_postgres(self, source: Path) -> None:
        tool = find_pg_tool("pg_restore")
        target, env = libpq_target(self._url)
        self._db.engine.dispose()
        args = [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={target}",
            str(source),
        ]
        _run_tool(args, env)


def _check_sqlite_backup(source: Path, header: bytes, shown: Path) -> None:
    """InputError unless `source` is a whole, readable equipshare SQLite backup."""
    if not header.startswith(SQLITE_HEADER):
        hint = (
            ": it is a PostgreSQL dump, restore it into a PostgreSQL database"
            if header.startswith(PG_DUMP_HEADER)
            else ""
        )
        raise InputError(f"{shown}: not a SQLite backup{hint}", "path")
    with closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as backup:
        try:
            verdict = backup.execute("PRAGMA quick_check").fetchone()
            revision = _sqlite_revision(backup)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{shown}: not a readable SQLite backup: {exc}", "path") from None
    if verdict is None or verdict[0] != "ok":
        raise InputError(f"{shown}: the backup is damaged: {verdict}", "path")
    if revision is None:
        raise InputError(f"{shown}: not an equipshare backup (no schema version)", "path")


def _check_pg_dump(header: bytes, shown: Path) -> None:
    """InputError unless `header` opens a pg_dump custom-format file."""
    if not header.startswith(PG_DUMP_HEADER):
        hint = (
            ": it is a SQLite backup, restore it into a SQLite database"
            if header.startswith(SQLITE_HEADER)
            else ""
        )
        raise InputError(f"{shown}: not a pg_dump custom-format file{hint}", "path")


def _sqlite_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute(f"SELECT version_num FROM {migrate.VERSION_TABLE}").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else str(row[0])

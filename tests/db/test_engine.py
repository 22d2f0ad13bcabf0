"""Engine set-up: SQLite pragmas, BEGIN IMMEDIATE for writes, URL handling."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from equipshare.db import engine as engine_module
from equipshare.db.engine import Database, parse_database_url
from equipshare.domain.errors import DatabaseError
from tests.support import backends


def test_sqlite_pragmas(tmp_path: Path) -> None:
    db = Database.connect(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000
    db.dispose()


def test_sqlite_file_parent_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "site.db"
    db = Database.connect(f"sqlite:///{path}")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    db.dispose()
    assert path.exists()


def test_sqlite_writers_take_the_lock_at_begin_but_readers_do_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    db = Database.connect(url)
    with db.sessions.begin() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.execute(text("INSERT INTO t VALUES (1)"))
    impatient = Database.connect(url)
    holding, release = threading.Event(), threading.Event()

    def hold_write_lock() -> None:
        with db.sessions.begin() as s:
            s.execute(text("SELECT 1"))  # BEGIN IMMEDIATE already holds the write lock
            holding.set()
            release.wait(5)

    worker = threading.Thread(target=hold_write_lock)
    worker.start()
    assert holding.wait(5)
    try:
        # A second writer fails at BEGIN, before it could read stale data and then write.
        with impatient.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA busy_timeout=100")
            with pytest.raises(OperationalError, match="locked"):
                conn.begin()
        # A reader is not blocked.
        with impatient.readonly() as s:
            assert s.execute(text("SELECT x FROM t")).scalar() == 1
    finally:
        release.set()
        worker.join()
        impatient.dispose()
        db.dispose()


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert parse_database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(DatabaseError, match="database URL"):
        parse_database_url(url)


def test_a_sqlite_file_path_is_taken_for_its_url(tmp_path: Path) -> None:
    assert parse_database_url(str(tmp_path / "main.db")).database == str(tmp_path / "main.db")
    relative = parse_database_url("demo.sqlite")
    assert relative.get_backend_name() == "sqlite"
    assert relative.database == str(Path("demo.sqlite").resolve())
    assert parse_database_url("sqlite:///x.db").database == "x.db"  # a URL stays as written


def test_a_pooled_connection_idle_past_the_wait_is_pinged_and_replaced_when_dead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL: no ping for a connection back in use at once; one idle past the wait
    is pinged, and one whose server end is gone replaced without an error."""
    admin = backends.postgres_admin_url()
    if admin is None:
        pytest.skip(f"PostgreSQL not configured: set ${backends.PG_URL_ENV}")
    db = Database.connect(admin.render_as_string(hide_password=False), pool_size=1)
    pid = text("SELECT pg_backend_pid()")
    try:
        with db.engine.connect() as conn:
            first = conn.scalar(pid)
        with db.engine.connect() as conn:  # back at once: the same connection, no ping
            assert conn.scalar(pid) == first
        outside = Database.connect(admin.render_as_string(hide_password=False))
        with outside.engine.connect() as other:  # its server end goes away while pooled
            other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first})
        outside.dispose()
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)
        with db.engine.connect() as conn:  # the dead one, pinged: the pool connects afresh
            assert conn.scalar(pid) not in (None, first)
    finally:
        db.dispose()

"""Throwaway databases for tests: a migrated template per backend, copied per test (on
PostgreSQL the copy is then recycled from test to test: support/recycled_postgres)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

from equipshare.db import migrate
from equipshare.db.engine import Database

PG_URL_ENV = "EQUIPSHARE_TEST_PG_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_admin_url() -> URL | None:
    raw = os.environ.get(PG_URL_ENV)
    if not raw:
        return None
    url = make_url(raw)
    return url.set(drivername="postgresql+psycopg") if url.drivername == "postgresql" else url


def _pg_admin_execute(admin: URL, statement: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


_BRITISH = " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-GB' LOCALE 'C'"


def _has_icu(admin: URL) -> bool:
    engine = create_engine(admin)
    try:
        with engine.connect() as conn:
            version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            icu = conn.execute(
                text("SELECT count(*) FROM pg_collation WHERE collname = 'en-GB-x-icu'")
            ).scalar_one()
    finally:
        engine.dispose()
    return version >= 150000 and icu > 0


def create_postgres_database(admin: URL, template: str | None = None) -> URL:
    name = f"equipshare_test_{uuid.uuid4().hex[:12]}"
    # A fresh database sorts text as en-GB (ICU), as a production cluster initialised in a
    # British locale would, not byte by byte; copies of a template inherit its collation.
    # (PostgreSQL before 15, or built without ICU, keeps the cluster's own.)
    clause = f' TEMPLATE "{template}"' if template else _BRITISH if _has_icu(admin) else ""
    _pg_admin_execute(admin, f'CREATE DATABASE "{name}"{clause}')
    return admin.set(database=name)


def drop_postgres_database(admin: URL, name: str) -> None:
    _pg_admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    db = Database.connect(f"sqlite:///{path}")
    migrate.upgrade(db.engine)
    db.dispose()
    # Fold the WAL into the main file so a plain copy is complete.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def copy_sqlite(template: Path, directory: Path) -> str:
    target = directory / f"{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"

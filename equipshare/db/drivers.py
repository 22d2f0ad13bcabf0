"""How a connection is opened on each engine, without SQLAlchemy: the URL forms, SQLite's
pragmas and psycopg's connect arguments.

db/engine.py's engines follow these rules, and so does a launch of the terminal app, whose
first reads (schema version, caller, first catalogue page) go through `DriverConnection`
straight to sqlite3 or psycopg, before SQLAlchemy is imported (issue 22, start-up). A URL
this module cannot read exactly as SQLAlchemy would gives None, and the launch then takes
the engine's way.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

SQLITE_BUSY_TIMEOUT_MS = 15_000
#: Run on every SQLite connection: foreign keys, a busy timeout, WAL.
SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
)
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def looks_like_sqlite_path(url: str) -> bool:
    """A file path given where a URL was expected: `demo.db`, `/srv/equipshare/main.sqlite`."""
    return (
        "://" not in url
        and not url.startswith("sqlite:")
        and (url.endswith(SQLITE_SUFFIXES) or "/" in url)
    )


def sqlite_file(url: str) -> Path | None:
    """The existing file a plain `sqlite:///PATH` URL (or a bare path) names, else None."""
    if looks_like_sqlite_path(url):
        path = Path(url).expanduser().resolve()
    elif url.startswith("sqlite:///") and "?" not in url:
        database = url.removeprefix("sqlite:///")
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        path = Path(database).expanduser()
    else:
        return None
    return path if path.is_file() else None


def psycopg_arguments(url: str) -> dict[str, Any] | None:
    """psycopg.connect's keyword arguments for a PostgreSQL URL, as SQLAlchemy's psycopg
    dialect makes them (user, password, host, port, dbname, then every query parameter:
    sslmode, options...); None for a form left to SQLAlchemy (several hosts, a repeated
    parameter, a bad port)."""
    scheme, found, rest = url.partition("://")
    if not found or scheme not in _POSTGRES_SCHEMES:
        return None
    rest, _, query = rest.partition("?")
    netloc, slash, database = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    if "@" in userinfo or "/" in netloc:
        return None
    arguments: dict[str, Any] = {}
    if at:
        user, _, password = userinfo.partition(":")
        if user:  # an empty part is left out, as SQLAlchemy leaves it out
            arguments["user"] = unquote(user)
        if password:
            arguments["password"] = unquote(password)
    if hostport.startswith("["):  # [::1]:5432
        host, bracket, port = hostport[1:].partition("]")
        if not bracket or (port and not port.startswith(":")):
            return None
        port = port[1:]
    else:
        host, _, port = hostport.partition(":")
    if "," in host or "," in port:
        return None
    if host:
        arguments["host"] = host
    if port:
        if not port.isdigit():
            return None
        arguments["port"] = int(port)
    if slash and database:
        arguments["dbname"] = unquote(database)
    pairs = parse_qsl(query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or "host" in names or "port" in names:
        return None
    arguments.update(pairs)
    return arguments


class DriverConnection:
    """One read transaction on the raw driver connection, usable from any one thread at a
    time: statements are written with `?` placeholders, whichever the engine."""

    def __init__(self, raw: Any, backend: str) -> None:
        self._raw = raw
        self.backend = backend
        self._lock = threading.Lock()

    @classmethod
    def open(cls, url: str) -> DriverConnection | None:
        """A connection to `url`, set up as the engine sets up its own; None for a URL form
        that only the engine reads, or a SQLite file that does not exist (the engine says
        why)."""
        path = sqlite_file(url)
        if path is not None:
            raw = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            for pragma in SQLITE_PRAGMAS:
                raw.execute(pragma)
            raw.execute("BEGIN DEFERRED")  # a read, as Database.reader begins it
            return cls(raw, "sqlite")
        arguments = psycopg_arguments(url)
        if arguments is None:
            return None
        import psycopg  # here: only a PostgreSQL launch pays for its import

        return cls(psycopg.connect(**arguments), "postgresql")

    def rows(self, sql: str, parameters: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Every row `sql` returns; `?` marks each parameter."""
        if self.backend == "postgresql":
            sql = sql.replace("?", "%s")
        with self._lock:
            return list(self._raw.execute(sql, tuple(parameters)).fetchall())

    def run(self, sql: str) -> None:
        """A statement that returns no rows (a SET)."""
        with self._lock:
            self._raw.execute(sql)

    def close(self) -> None:
        with self._lock:
            try:
                self._raw.rollback()
            finally:
                self._raw.close()

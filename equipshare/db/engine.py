"""Engine and session factories tuned for each backend: SQLite pragmas, BEGIN IMMEDIATE, psycopg."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, InvalidatePoolError, NoSuchModuleError

from equipshare.db import change_stamps, direct, rollups
from equipshare.db.drivers import SQLITE_PRAGMAS, looks_like_sqlite_path
from equipshare.domain.display.masking import mask_password
from equipshare.domain.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from equipshare.db.replica import ReplicaReads

# Connection execution option naming how a SQLite transaction begins.
SQLITE_BEGIN_OPTION = "equipshare_sqlite_begin"


def masked_url(url: str | URL) -> str:
    """A database URL as it may be shown or logged: with its password (if any) as ***.

    Every message that names a database URL goes through here, whether or not it parses.
    """
    if isinstance(url, URL):
        return mask_password(url.render_as_string(hide_password=True))
    return mask_password(url)


def parse_database_url(url: str) -> URL:
    """Parse and normalise a URL, so `postgresql://` means psycopg 3 and errors read well.

    A SQLite file path is accepted too and made absolute, since that is what people type.
    A refusal shows the URL with its password masked.
    """
    if looks_like_sqlite_path(url):
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        # SQLAlchemy's own message quotes the whole URL, password included.
        reason = "bad port" if isinstance(exc, ValueError) else "not of the form"
        raise DatabaseError(
            f"database URL {masked_url(url)!r} is not valid ({reason}): expected "
            "sqlite:///PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        ) from None
    if parsed.host and "@" in parsed.host:
        raise DatabaseError(
            f"database URL {masked_url(url)!r} has an @ in its password or user name: "
            "write it as %40"
        )
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"database URL {masked_url(url)!r}: equipshare supports sqlite:/// and "
            "postgresql+psycopg:// only"
        )
    return parsed


def _install_sqlite_behaviour(engine: Engine) -> None:
    """Foreign keys, WAL and a busy timeout on every connection; writes take the lock at BEGIN."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN instead of pysqlite's deferred one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:  # shared with a launch's first reads (db/drivers.py)
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so check-then-insert cannot race.
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        direct.execute_sql(conn, f"BEGIN {mode}")


#: A pooled PostgreSQL connection idle longer than this is pinged before it is used.
PING_AFTER_IDLE_S = 1.0
_IDLE_SINCE = "equipshare.idle_since"


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has sat idle a while: a ping at
    every checkout (pool_pre_ping) was a round trip of each booking's seven. A server
    restart takes longer than the wait, so once it is back every older connection has
    idled past it and is pinged (and replaced if dead, the pool retrying)."""

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)  # none: connected just now
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        # As pool_pre_ping does: a dead connection means the server went away, so every
        # pooled connection is dropped and the pool connects afresh.
        if not engine.dialect._do_ping_w_event(dbapi_connection):
            raise InvalidatePoolError()


def create_database_engine(url: str | URL, *, create: bool = True, **kwargs: Any) -> Engine:
    """Create an engine for `url`, counting its writes in the feeds' change stamps.

    With `create`, a missing SQLite file (and its directory) is made; without it, a
    missing file is an error, so a mistyped path never leaves an empty database behind.
    """
    parsed = parse_database_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser()
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.exists():
                raise DatabaseError(
                    f"no database at {masked_url(str(path))}: create it with "
                    "`equipshare db upgrade`"
                )
        try:
            engine = create_engine(parsed, **kwargs)
        except NoSuchModuleError as exc:  # pragma: no cover - stdlib sqlite3 is always there
            raise DatabaseError(str(exc)) from exc
        _install_sqlite_behaviour(engine)
        rollups.install(engine)
        change_stamps.install(engine)
        direct.install(engine)
        return engine
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseError(
            "PostgreSQL needs psycopg 3: pip install 'equipshare[postgres]'"
        ) from exc
    _ping_when_idle(engine)
    rollups.install(engine)
    change_stamps.install(engine)
    direct.install(engine)  # after both: it sends at commit what they queue then
    return engine


#: How long a read that must see a write waits for the replica by default ([database]).
REPLICA_WAIT_MS = 200


@dataclass(frozen=True)
class Database:
    """One engine and its session factories: `sessions` for writes, `readonly` for reads
    that must see the primary, and `reads` for the read-heavy work a replica may serve.

    On SQLite a read-only transaction begins DEFERRED so readers never queue behind writers.
    Without a read replica, `reads` is `readonly`. The session factories are built on first
    use, importing the ORM then: the terminal app reads its first catalogue page through
    `reading()` (Core) before anything needs a session (issue 22, start-up).
    """

    engine: Engine
    replica: ReplicaReads | None = field(default=None, compare=False)

    @classmethod
    def connect(
        cls,
        url: str | URL,
        *,
        create: bool = True,
        read_url: str | URL | None = None,
        replica_wait_ms: int = REPLICA_WAIT_MS,
        **engine_kwargs: Any,
    ) -> Database:
        """Engines for `url` and, given `read_url`, for its streaming replica.

        A read_url beside a SQLite database is refused: SQLite has no replicas, and a
        setting that silently did nothing would mislead whoever wrote it.
        """
        replica_url = _replica_url(url, read_url) if read_url else None
        engine = create_database_engine(url, create=create, **engine_kwargs)
        if replica_url is None:
            return cls(engine=engine)
        from sqlalchemy.orm import sessionmaker

        from equipshare.db.replica import ReplicaReads

        readonly = sessionmaker(_reader(engine), expire_on_commit=False)
        shown = masked_url(replica_url)
        replica = ReplicaReads(engine, readonly, replica_url, replica_wait_ms, shown)
        database = cls(engine=engine, replica=replica)
        database.__dict__["readonly"] = readonly  # the one the replica falls back to
        return database

    @cached_property
    def reader(self) -> Engine:
        """The primary's engine for reads: on SQLite its transactions begin DEFERRED."""
        return _reader(self.engine)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def readonly(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.reader, expire_on_commit=False)

    @property
    def reads(self) -> Callable[[], Session]:
        """Sessions for read-heavy work: the replica's when there is one (see db/replica.py)."""
        return self.replica or self.readonly

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A Core connection in a read transaction, as `reads` gives but with no ORM when
        there is no replica (with one, the replica's session decides where it reads)."""
        if self.replica is not None:
            with self.replica() as session:
                yield session.connection()
            return
        with self.reader.begin() as conn:
            yield conn

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        if self.replica is not None:
            self.replica.dispose()
        self.engine.dispose()


def _reader(engine: Engine) -> Engine:
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})


def _replica_url(url: str | URL, read_url: str | URL) -> URL:
    """The replica's URL, once both it and the primary's are PostgreSQL."""
    from equipshare.db.replica import READ_URL_KEY

    primary = parse_database_url(url) if isinstance(url, str) else url
    if primary.get_backend_name() != "postgresql":
        raise DatabaseError(
            f"{READ_URL_KEY}: read replicas need PostgreSQL, and [database] url is "
            f"{primary.get_backend_name()}; remove read_url"
        )
    try:
        replica = parse_database_url(read_url) if isinstance(read_url, str) else read_url
    except DatabaseError as exc:
        raise DatabaseError(f"{READ_URL_KEY}: {exc}") from None
    if replica.get_backend_name() != "postgresql":
        raise DatabaseError(
            f"{READ_URL_KEY}: {masked_url(replica)} is not a postgresql+psycopg:// URL"
        )
    return replica

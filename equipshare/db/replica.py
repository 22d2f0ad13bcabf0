"""Reads on a PostgreSQL streaming replica ([database] read_url), never older than the reader
has a right to expect.

Feeds, reports, searches and the catalogue read through `ReplicaReads`; every write, and
every read inside a write's transaction, stays on the primary (`Database.sessions`). A
replica lags its primary by however long replay takes, so two promises are kept:

- *Read your writes.* After this process commits on the primary, its next replica read first
  asks the primary how far its WAL is flushed (`pg_current_wal_flush_lsn()`, which covers
  every COMMIT that has returned; under `synchronous_commit = off` only the insert position
  does) and the replica whether it has replayed that far (`pg_last_wal_replay_lsn()`).
  Caught up, the read stays on the replica (in that same transaction, so a load-balanced
  `read_url` cannot hand it to a laggier standby) and the writes are known replayed: later
  reads skip the check. Not caught up within `replica_wait_ms`, the read goes to the
  primary. We compare positions rather than route to the primary for a fixed time after a
  write, because a window is a guess: too short and a lagging replica shows a screen
  without the booking it just made, too long and every screen that writes keeps its reads
  on the primary. Writes pay nothing for it (a counter
  bumped as the connection returns to the pool); only the first read after them does.
- *Covering a caller's stamps.* A feed's body must hold every write its change stamps
  count (`covering`): the feed server reads the stamps on the primary and builds on the
  replica only once the replica's own stamps have reached them.

A process is one person's session of the terminal app (or one feed server), so "this
process wrote" is "this screen's person wrote". Nothing is ever written through the
replica's engine; if code tried, PostgreSQL's refusal becomes one DatabaseError line, as do
an unreachable replica and a `read_url` that names a server that is not a standby.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

from equipshare.domain.errors import DatabaseError

log = logging.getLogger("equipshare.replica")
log.addHandler(logging.NullHandler())  # a terminal app has no log; `serve` configures one

READ_URL_KEY = "[database] read_url"
#: How often a waiting read asks the replica again.
POLL_SECONDS = 0.01
#: After the replica could not be reached, reads use the primary this long before retrying.
RETRY_SECONDS = 30.0
_COMMITTED = "equipshare.replica.committed"
_READ_ONLY = "25006"  # SQLSTATE read_only_sql_transaction
_REPLAYED = text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)")
# Under synchronous_commit = off a returned COMMIT may not be flushed yet, so only the insert
# position is sure to cover it; otherwise the flush position is, and unlike the insert
# position it never waits on WAL that nothing will flush while the primary is idle.
_WRITTEN = text(
    "SELECT CAST(CASE WHEN current_setting('synchronous_commit') = 'off' "
    "THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_flush_lsn() END AS text)"
)


class ReplicaReads:
    """A session factory for read-heavy work: the replica when it is fresh enough, else the
    primary's read-only sessions (`fallback`)."""

    def __init__(
        self,
        primary: Engine,
        fallback: sessionmaker[Session],
        url: URL,
        wait_ms: int,
        shown_url: str,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._wait = wait_ms / 1000
        self.shown_url = shown_url
        # No change stamps here: they count writes, and nothing is written through this engine.
        self.engine = create_engine(url, pool_pre_ping=True)
        self._replica = sessionmaker(self.engine, expire_on_commit=False)
        self._lock = threading.Lock()
        self._committed = 0  # commits this process has made on the primary
        self._replayed = 0  # how many of them the replica is known to have replayed
        self._down_until = 0.0
        _install_replica_checks(self.engine, shown_url)
        _count_commits(primary, self._note_commit)

    def __call__(self) -> Session:
        """A session that sees every commit this process has made (see the module's doc)."""
        with self._lock:
            wanted, replayed = self._committed, self._replayed
        if wanted <= replayed:
            return self._open() or self._fallback()
        lsn = self._primary_lsn()
        session = self._first(lambda s: bool(s.execute(_REPLAYED, {"lsn": lsn}).scalar()))
        if session is None:
            return self._fallback()
        with self._lock:
            self._replayed = max(self._replayed, wanted)
        return session

    def covering(self, caught_up: Callable[[Session], bool]) -> Session:
        """A replica session in which `caught_up` held, waiting at most `replica_wait_ms`
        for it; else a primary session. Later statements in the returned session see at
        least what `caught_up` saw (a standby replays forwards, each statement a newer
        snapshot)."""
        return self._first(caught_up) or self._fallback()

    @property
    def lagging_writes(self) -> int:
        """Commits of this process not yet known to be on the replica (for tests and status)."""
        with self._lock:
            return self._committed - self._replayed

    def dispose(self) -> None:
        self.engine.dispose()

    # -- the parts ------------------------------------------------------------------------

    def _note_commit(self) -> None:
        with self._lock:
            self._committed += 1

    def _primary_lsn(self) -> str:
        with self._primary.connect() as connection:
            return str(connection.execute(_WRITTEN).scalar_one())

    def _open(self) -> Session | None:
        """A replica session with its connection taken, or None (logged) if it is down."""
        if time.monotonic() < self._down_until:
            return None
        session = self._replica()
        try:
            session.connection()
        except DatabaseError as exc:
            session.close()
            self._down_until = time.monotonic() + RETRY_SECONDS
            log.warning("%s; reading from the primary for %.0fs", exc, RETRY_SECONDS)
            return None
        return session

    def _first(self, caught_up: Callable[[Session], bool]) -> Session | None:
        """A replica session in which `caught_up` holds, polling until the wait runs out."""
        deadline = time.monotonic() + self._wait
        while True:
            session = self._open()
            if session is None:
                return None
            if caught_up(session):
                return session
            session.close()
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL_SECONDS)


def _count_commits(primary: Engine, note: Callable[[], None]) -> None:
    """Call `note` once a committed transaction's connection is back in the pool: after the
    COMMIT has returned, so the WAL position asked for next covers it."""

    @event.listens_for(primary, "commit")
    def _on_commit(connection: Any) -> None:
        connection.info[_COMMITTED] = True

    @event.listens_for(primary.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_COMMITTED, False):
            note()


def _install_replica_checks(engine: Engine, shown_url: str) -> None:
    """Refuse a read_url that is not a standby; turn the replica's errors into one line."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT pg_is_in_recovery()")
            standby = bool(cursor.fetchone()[0])
            # Belt and braces: a standby refuses writes anyway; so does this, if promoted.
            cursor.execute("SET default_transaction_read_only = on")
        finally:
            cursor.close()
        dbapi_connection.commit()
        if not standby:
            dbapi_connection.close()  # the pool keeps no connection that failed its connect
            raise DatabaseError(
                f"{READ_URL_KEY}: {shown_url} is not a streaming replica "
                "(pg_is_in_recovery() is false); name a hot standby of [database] url"
            )

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> BaseException | None:
        original = context.original_exception
        if isinstance(original, DatabaseError):
            return original
        state = getattr(original, "sqlstate", None)
        first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
        if state == _READ_ONLY:
            return DatabaseError(
                f"{READ_URL_KEY}: the replica at {shown_url} refused a write ({first_line}); "
                "writes go to [database] url only, so this is a bug in equipshare"
            )
        unreachable = context.connection is None  # the error came from connecting
        if context.is_disconnect or (unreachable and isinstance(original, Exception)):
            return DatabaseError(
                f"{READ_URL_KEY}: cannot reach the replica at {shown_url} ({first_line})"
            )
        return None

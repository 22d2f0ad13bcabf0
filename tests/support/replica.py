"""The streaming replica the read-path tests read from: waiting for replay, pausing it.

CI starts one (`.ci/postgres.sh replica`) and names it in $EQUIPSHARE_TEST_PG_REPLICA_URL,
and its primary in $EQUIPSHARE_TEST_PG_REPLICA_PRIMARY_URL: a cluster of its own, so that
the standby does not replay every other test's databases (without it, the standby is taken
to be one of $EQUIPSHARE_TEST_PG_URL's). Tests make their databases on that primary; one
appears on the replica once replayed, so every wait here polls the replay position against the
primary's, with a timeout, and never sleeps a fixed time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.engine import URL

from tests.support.backends import PG_URL_ENV

REPLICA_URL_ENV = "EQUIPSHARE_TEST_PG_REPLICA_URL"
REPLICA_PRIMARY_URL_ENV = "EQUIPSHARE_TEST_PG_REPLICA_PRIMARY_URL"
REPLAY_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.005


def _admin_url(variable: str) -> URL | None:
    raw = os.environ.get(variable)
    if not raw:
        return None
    url = make_url(raw)
    return url.set(drivername="postgresql+psycopg") if url.drivername == "postgresql" else url


def replica_admin_url() -> URL | None:
    return _admin_url(REPLICA_URL_ENV)


def replica_primary_admin_url() -> URL | None:
    """The cluster the replica streams from: its own, or else the tests' main one."""
    return _admin_url(REPLICA_PRIMARY_URL_ENV) or _admin_url(PG_URL_ENV)


def _scalar(engine: Engine, statement: str, **params: object) -> object:
    with engine.connect() as connection:
        return connection.execute(text(statement), params).scalar()


def flushed_lsn(primary: Engine) -> str:
    """The primary's WAL position once everything written so far is flushed (so streamed).

    The test clusters run with synchronous_commit off, whose commits the WAL writer flushes
    a moment later, but other WAL may wait for the next checkpoint; a synchronous commit of
    a transaction that wrote WAL (a logical message: no table needed) flushes all of it now.
    """
    with primary.begin() as connection:
        connection.execute(text("SET LOCAL synchronous_commit = on"))
        connection.execute(text("SELECT pg_logical_emit_message(true, 'equipshare', 'flush')"))
    return str(_scalar(primary, "SELECT pg_current_wal_flush_lsn()::text"))


def wait_for_replay(primary: URL, replica: URL, timeout: float = REPLAY_TIMEOUT_SECONDS) -> None:
    """Return once the replica has replayed everything the primary had written on entry."""
    primary_engine = create_engine(primary)
    replica_engine = create_engine(replica, isolation_level="AUTOCOMMIT")
    try:
        lsn = flushed_lsn(primary_engine)
        deadline = time.monotonic() + timeout
        caught_up = "SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)"
        while not _scalar(replica_engine, caught_up, lsn=lsn):
            if time.monotonic() > deadline:
                raise AssertionError(f"the replica did not replay to {lsn} in {timeout}s")
            time.sleep(POLL_SECONDS)
    finally:
        primary_engine.dispose()
        replica_engine.dispose()


@contextmanager
def replay_paused(replica: URL) -> Iterator[None]:
    """The replica frozen where it is (it still receives WAL), resumed on the way out.

    Pausing holds up every test that waits for replay, so a pause is kept short.
    """
    engine = create_engine(replica, isolation_level="AUTOCOMMIT")
    try:
        _scalar(engine, "SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + REPLAY_TIMEOUT_SECONDS
        while _scalar(engine, "SELECT pg_get_wal_replay_pause_state()") != "paused":
            if time.monotonic() > deadline:
                raise AssertionError("the replica's replay did not pause")
            time.sleep(POLL_SECONDS)
        yield
    finally:
        _scalar(engine, "SELECT pg_wal_replay_resume()")
        engine.dispose()

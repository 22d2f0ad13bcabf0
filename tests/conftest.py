"""Fixtures: every service, DB and CLI test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.plumbing.context import ServiceContext
from tests.support import backends, file_order, replica
from tests.support.recycled_postgres import Recycler
from tests.support.throwaway_postgres import ClusterError, ThrowawayPostgres
from tests.support.world import World, build_world

BACKENDS = ["sqlite", "postgresql"]


@pytest.hookimpl(tryfirst=True)  # before xdist starts the workers, which inherit os.environ
def pytest_sessionstart(session: pytest.Session) -> None:
    """Without ${PG_URL_ENV}, start a throwaway PostgreSQL, and a second one with a streaming
    replica, for the whole run (once, here)."""
    config = session.config
    if hasattr(config, "workerinput") or backends.postgres_admin_url() is not None:
        return
    try:
        cluster = ThrowawayPostgres.start()
    except ClusterError as exc:
        message = f"could not start a throwaway PostgreSQL ({exc}); set ${backends.PG_URL_ENV}"
        if backends.in_ci():
            pytest.exit(f"CI: {message}", returncode=pytest.ExitCode.USAGE_ERROR)
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"PostgreSQL tests will skip: {message}", yellow=True)
        return
    names = (backends.PG_URL_ENV, replica.REPLICA_URL_ENV, replica.REPLICA_PRIMARY_URL_ENV)
    saved = {name: os.environ.get(name) for name in (*names, "PATH")}

    def restore() -> None:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    config.add_cleanup(cluster.stop)
    config.add_cleanup(restore)
    os.environ[backends.PG_URL_ENV] = cluster.url
    # The read-replica tests need a streaming standby (any replica named in the environment
    # copies another cluster). Of a second cluster: a standby of this one would replay
    # every other test's databases too.
    os.environ.pop(replica.REPLICA_URL_ENV, None)
    os.environ.pop(replica.REPLICA_PRIMARY_URL_ENV, None)
    try:
        source = ThrowawayPostgres.start()
        config.add_cleanup(source.stop)
        os.environ[replica.REPLICA_URL_ENV] = source.start_replica()
        os.environ[replica.REPLICA_PRIMARY_URL_ENV] = source.url
    except ClusterError as exc:
        message = f"could not start a streaming replica ({exc})"
        if backends.in_ci():
            pytest.exit(f"CI: {message}", returncode=pytest.ExitCode.USAGE_ERROR)
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"Read-replica tests will skip: {message}", yellow=True)
    # The backup tests run pg_dump and pg_restore, which must not be older than the server.
    os.environ["PATH"] = os.pathsep.join([str(cluster.bindir), os.environ.get("PATH", "")])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest files first, so the two workers finish together (support/file_order)."""
    root = config.rootpath

    def rank(item: pytest.Item) -> int:
        return file_order.rank_of(item.path.relative_to(root).as_posix())

    items.sort(key=rank)  # stable: a file's own tests keep their order


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI a skipped test is a test that did not run: fail rather than pass silently.
    # Under xdist the workers' reports reach the controller's reporter, so only it counts.
    if hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if backends.in_ci() and skipped and exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(
                f"CI: {skipped} test(s) skipped; every test must run in CI", red=True
            )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return backends.migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[tuple[URL, str]]:
    admin = backends.postgres_admin_url()
    if admin is None:
        pytest.skip(f"PostgreSQL not configured: set ${backends.PG_URL_ENV}")
    url = backends.create_postgres_database(admin)
    db = Database.connect(url)
    from equipshare.db import migrate

    migrate.upgrade(db.engine)
    db.dispose()
    yield admin, url.database or ""
    backends.drop_postgres_database(admin, url.database or "")


@pytest.fixture(scope="session")
def postgres_recycler(postgres_template: tuple[URL, str]) -> Iterator[Recycler]:
    """This worker's spare PostgreSQL database (support/recycled_postgres)."""
    recycler = Recycler(*postgres_template)
    yield recycler
    recycler.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL to a database with no schema at all."""
    if backend == "sqlite":
        (tmp_path / "empty.db").touch()  # an existing file with no schema: SQLite's empty db
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = backends.postgres_admin_url()
    if admin is None:
        pytest.skip(f"PostgreSQL not configured: set ${backends.PG_URL_ENV}")
    url = backends.create_postgres_database(admin)
    yield url.render_as_string(hide_password=False)
    backends.drop_postgres_database(admin, url.database or "")


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL to a fresh database already migrated to head."""
    if backend == "sqlite":
        yield backends.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    recycler: Recycler = request.getfixturevalue("postgres_recycler")
    url = recycler.take()
    yield url.render_as_string(hide_password=False)
    recycler.give_back(url.database or "")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database.connect(database_url)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    # A Monday in winter time, a week before the clocks would change in March.
    return FrozenClock(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))


@pytest.fixture
def context(database: Database, clock: FrozenClock, database_url: str) -> ServiceContext:
    return ServiceContext(
        database=database, clock=clock, settings=Settings().with_database_url(database_url)
    )


@pytest.fixture
def world(database: Database) -> World:
    """The small known consortium of tests/support/world.py, on a fresh database."""
    return build_world(database)


@pytest.fixture(autouse=True)
def preferences_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the app keeps people's preferences: a fresh folder per test, never the real
    config directory of whoever runs the tests (an app under test changes its theme)."""
    folder = tmp_path / "config" / "equipshare"
    monkeypatch.setattr("equipshare.tui.preferences.preferences_dir", lambda: folder)
    return folder

"""[database] read_url against a real streaming replica: which calls read where, what a
lagging replica shows, and that nothing is written there (PostgreSQL only).

The replica is `.ci/postgres.sh replica`'s hot standby of the test cluster; each test's
database is made on the primary and read on the replica once replayed. "Lag" is made on
purpose by pausing replay (pg_wal_replay_pause), so a test knows what each side holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, make_url, text
from sqlalchemy.engine import URL

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.domain.enums import ExportKind
from equipshare.domain.errors import DatabaseError, RefusedError
from equipshare.domain.records.changes import Topic, TopicKind
from equipshare.domain.records.impact.reports import UtilisationLevel
from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.domain.records.instruments.instrument_changes import InstrumentChanges
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.records.scheduling.calendar import ExportScope
from equipshare.domain.time.clock import FrozenClock
from equipshare.server.feed_app import FeedHandler
from equipshare.services.availability.service import AvailabilityService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.calendar.export import CalendarExportService
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.catalogue.service import CatalogueService, InstrumentEditingService
from equipshare.services.changes.service import ChangesService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.launch import Launch
from equipshare.services.reports.service import ReportService
from tests.support import backends
from tests.support.replica import (
    REPLICA_URL_ENV,
    replay_paused,
    replica_admin_url,
    replica_primary_admin_url,
    wait_for_replay,
)
from tests.support.world import World, add_instrument, london

XPS = "WAR-XPS-01"
START, END = london(2026, 3, 24, 10), london(2026, 3, 24, 12)
#: Short, so a read that must fall back to the primary while replay is paused does so fast.
WAIT_MS = 20


@pytest.fixture
def backend() -> str:
    """Replicas are PostgreSQL's: every test here runs there only."""
    return "postgresql"


@pytest.fixture(scope="module")
def replica_admin() -> URL:
    url = replica_admin_url()
    if url is None:
        message = f"no streaming replica: set ${REPLICA_URL_ENV} (.ci/postgres.sh replica)"
        if backends.in_ci():
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    return url


@pytest.fixture(scope="module")
def primary_template(replica_admin: URL) -> Iterator[tuple[URL, str]]:
    """A migrated template on the cluster the replica streams from (one of its own in CI)."""
    admin = replica_primary_admin_url()
    assert admin is not None, "a replica is configured, so is its primary"
    url = backends.create_postgres_database(admin)
    db = Database.connect(url)
    from equipshare.db import migrate

    migrate.upgrade(db.engine)
    db.dispose()
    yield admin, url.database or ""
    backends.drop_postgres_database(admin, url.database or "")


@pytest.fixture
def database_url(primary_template: tuple[URL, str]) -> Iterator[str]:
    """A fresh migrated database on the replica's primary, per test."""
    admin, template = primary_template
    url = backends.create_postgres_database(admin, template=template)
    yield url.render_as_string(hide_password=False)
    backends.drop_postgres_database(admin, url.database or "")


@pytest.fixture
def read_url(database_url: str, world: World, replica_admin: URL) -> str:
    """The test's database on the replica, once the world built on the primary is there."""
    primary_admin = replica_primary_admin_url()
    assert primary_admin is not None
    wait_for_replay(primary_admin, replica_admin)
    name = make_url(database_url).database
    return replica_admin.set(database=name).render_as_string(hide_password=False)


Process = Callable[[], ServiceContext]


@pytest.fixture
def process(database_url: str, read_url: str, clock: FrozenClock) -> Iterator[Process]:
    """Makes the services of one process (one person's app, or a feed server) on the
    primary with the replica beside it, as `ServiceContext.open` would."""
    opened: list[ServiceContext] = []

    def make() -> ServiceContext:
        settings = Settings().with_database_url(database_url, read_url)
        database = Database.connect(
            database_url,
            create=False,
            read_url=read_url,
            replica_wait_ms=WAIT_MS,
            # As a production server commits (the test cluster's default is off): a
            # returned COMMIT is flushed, so the replica can be asked to reach it.
            connect_args={"options": "-c synchronous_commit=on"},
        )
        opened.append(ServiceContext(database, clock, settings))
        return opened[-1]

    yield make
    for context in opened:
        context.close()


class Statements:
    """The SQL one engine runs, from the moment it is made."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._note)

    def _note(self, _conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        self.seen.append(statement)

    def take(self) -> list[str]:
        taken, self.seen = self.seen, []
        return taken


def sides(context: ServiceContext) -> tuple[Statements, Statements]:
    replica = context.database.replica
    assert replica is not None
    return Statements(context.database.engine), Statements(replica.engine)


def book(context: ServiceContext, who: str = "alice") -> str:
    return BookingService(context).book(who, BookingRequest(XPS, START, END)).ical_uid


def uids(context: ServiceContext) -> set[str]:
    _meta, events = CalendarExportService(context).events(
        "alice", ExportScope(ExportKind.INSTRUMENT, XPS), START - timedelta(days=1), END
    )
    return {e.uid for e in events}


def catalogue_name(context: ServiceContext) -> str:
    page = CatalogueService(context).page("alice", CatalogueQuery(search=XPS))
    return next(row.name for row in page.rows if row.code == XPS)


def xps_slot_free(context: ServiceContext) -> bool:
    slots = AvailabilityService(context).find_slots(
        "bob", instrument_code=XPS, length=timedelta(hours=2), window_start=START, days=1
    )
    return any(slot.starts_at == START for slot in slots)


def report_name(context: ServiceContext) -> str:
    """The XPS's name in last month's utilisation report (reports count the past only)."""
    reports = ReportService(context)
    report = reports.utilisation("root", reports.previous_month(), UtilisationLevel.INSTRUMENT)
    return next(row.name for row in report.rows if row.code == XPS)


READS: dict[str, Callable[[ServiceContext], object]] = {
    "feeds and exports": uids,
    "catalogue": catalogue_name,
    "searches (find_slots)": xps_slot_free,
    "reports": report_name,
    "a screen's change signal": lambda c: ChangesService(c).stamps(
        "alice", [Topic(TopicKind.INSTRUMENT, XPS)]
    ),
}


def test_reads_go_to_the_replica_and_writes_with_their_reads_to_the_primary(
    process: Process,
) -> None:
    context = process()
    primary, replica = sides(context)
    for name, read in READS.items():
        read(context)
        assert primary.take() == [], f"{name} read the primary"
        assert replica.take(), f"{name} did not read the replica"
    book(context)
    assert any(s.lstrip().upper().startswith("INSERT") for s in primary.take())
    assert replica.take() == [], "the booking (or a read inside its transaction) used the replica"


def test_a_lagging_replica_is_read_by_others_but_a_writer_reads_its_own_writes(
    process: Process, database_url: str, replica_admin: URL
) -> None:
    writer, other = process(), process()
    with replay_paused(replica_admin):
        uid = book(writer)
        InstrumentEditingService(writer).edit("mgr", XPS, InstrumentChanges(name="Kratos Supra"))
        # Another process reads the replica, frozen before both writes...
        assert uid not in uids(other)
        assert catalogue_name(other) != "Kratos Supra"
        assert xps_slot_free(other)
        assert report_name(other) != "Kratos Supra"
        # ...but its writes check the primary: bob cannot take the slot the replica shows free.
        with pytest.raises(RefusedError):
            book(other, "bob")
        # The writer reads its own writes (from the primary while the replica lags).
        assert writer.database.replica is not None
        assert writer.database.replica.lagging_writes > 0
        assert uid in uids(writer)
        assert catalogue_name(writer) == "Kratos Supra"
        assert not xps_slot_free(writer)
        assert report_name(writer) == "Kratos Supra"
    primary_admin = replica_primary_admin_url()
    assert primary_admin is not None
    wait_for_replay(primary_admin, replica_admin)
    assert uid in uids(other)
    assert catalogue_name(other) == "Kratos Supra"
    # Once the replica has replayed the writer's writes, its reads go back there.
    primary, replica = sides(writer)
    assert catalogue_name(writer) == "Kratos Supra"
    assert writer.database.replica.lagging_writes == 0
    assert replica.take()
    assert not [s for s in primary.take() if "pg_lsn" not in s and "wal" not in s]


def test_a_feed_is_never_older_than_its_stamps_and_shows_a_booking_once_replayed(
    process: Process, replica_admin: URL
) -> None:
    """The feed server reads a feed's change stamps on the primary; a body is built on
    the replica only once the replica holds what they count, else on the primary."""
    writer, server = process(), process()
    issued = FeedsService(writer).create("alice", ExportKind.USER)
    primary_admin = replica_primary_admin_url()
    assert primary_admin is not None
    wait_for_replay(primary_admin, replica_admin)
    handler = FeedHandler(server)
    primary, replica = sides(server)
    first = handler.build(issued.token, "user", "alice")
    assert replica.take(), "the feed's body was not built on the replica"
    primary.take()
    with replay_paused(replica_admin):
        uid = book(writer)
        again = handler.build(issued.token, "user", "alice")
        # The stamps moved on the primary; the replica cannot show that yet, so the body
        # comes from the primary: it holds the booking, and its ETag is a new one.
        assert uid.encode() in again.body
        assert again.etag != first.etag
        assert any("bookings" in s for s in primary.take())
        # Asked again while nothing moved, the same body (and ETag) is served as built.
        assert handler.build(issued.token, "user", "alice").etag == again.etag
    wait_for_replay(primary_admin, replica_admin)
    replica.take()
    fresh = FeedHandler(server).build(issued.token, "user", "alice")
    assert any("bookings" in s for s in replica.take()), "replayed, but not read there"
    assert uid.encode() in fresh.body
    assert fresh.etag == again.etag


def test_nothing_is_written_to_the_replica_and_a_write_there_is_one_clear_line(
    process: Process,
) -> None:
    context = process()
    _primary, replica = sides(context)
    for read in READS.values():
        read(context)
    written = [s for s in replica.take() if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert written == []
    with pytest.raises(DatabaseError) as refused, context.database.reads() as session:
        session.execute(text("UPDATE users SET email = email"))
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("[database] read_url: the replica at postgresql+psycopg://")
    assert "refused a write" in message


def test_a_read_url_that_is_not_a_standby_is_never_read(
    database_url: str, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Pointed at a primary (here, the database itself), reads stay right and say why."""
    database = Database.connect(database_url, read_url=database_url, replica_wait_ms=0)
    try:
        with caplog.at_level(logging.WARNING, "equipshare.replica"), database.reads() as session:
            assert session.execute(text("SELECT pg_is_in_recovery()")).scalar() is False
        [warning] = [r.getMessage() for r in caplog.records]
        assert "is not a streaming replica" in warning
        assert "\n" not in warning
    finally:
        database.dispose()


def test_a_launch_reads_its_first_page_on_the_replica(
    database_url: str, read_url: str, world: World, replica_admin: URL
) -> None:
    """`equipshare tui` reads its first page through the driver (services/plumbing/launch.py):
    on the replica too, so an instrument the replica has not replayed is not on it yet."""
    settings = Settings().with_database_url(database_url, read_url)
    with replay_paused(replica_admin):
        primary = Database.connect(database_url)
        try:
            add_instrument(primary, world, "WAR-NEW-01", "WAR-PRP")
        finally:
            primary.dispose()
        launch = Launch.start(settings, "alice", None)
        assert launch is not None
        with launch:
            page = launch.first_page(CatalogueQuery(), 200)
    assert page is not None
    assert "WAR-NEW-01" not in [row.code for row in page.rows]
    assert XPS in [row.code for row in page.rows]

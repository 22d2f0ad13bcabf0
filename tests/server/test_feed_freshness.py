"""Feeds are fresh: the very next request after a committed write shows it (both engines).

The server used to serve a feed's last build for 60 seconds whatever happened meanwhile,
so a booking made elsewhere was missing from the body and the ETag for up to a minute,
and a removed staff member still read the facility's feed. Now each request reads its
scope's change stamps, and the cached body is served only while they stand still. No
test here moves the clock between a write and the request that must show it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application, Request

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.domain.enums import ExportKind
from equipshare.domain.records.instruments.instrument_changes import InstrumentChanges
from equipshare.domain.records.scheduling.bookings import BookingRecord, BookingRequest
from equipshare.domain.records.scheduling.calendar import IssuedFeedToken
from equipshare.domain.time.clock import FrozenClock
from equipshare.server.feed_app import FEEDS_KEY, FeedHandler, create_app
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.catalogue.service import InstrumentEditingService
from equipshare.services.consortium.service import StaffService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
PLAIN = {"Accept-Encoding": "identity"}
FeedClient = TestClient[Request, Application]
# Another process books bob on the XPS through the service, at the tests' frozen instant.
ANOTHER_PROCESS = """
import sys
from datetime import datetime
from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.domain.time.clock import FrozenClock
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext

url, now, start, end = sys.argv[1:]
context = ServiceContext(
    Database.connect(url, create=False),
    FrozenClock(datetime.fromisoformat(now)),
    Settings().with_database_url(url),
)
booking = BookingService(context).book(
    "bob", BookingRequest("WAR-XPS-01", datetime.fromisoformat(start), datetime.fromisoformat(end))
)
print(booking.ical_uid)
context.close()
"""


@pytest.fixture
def booked(context: ServiceContext, world: World) -> BookingRecord:
    return BookingService(context).book(
        "alice", BookingRequest(XPS, london(2026, 3, 24, 10), london(2026, 3, 24, 12))
    )


@pytest.fixture
async def client(context: ServiceContext) -> AsyncIterator[FeedClient]:
    async with TestClient(TestServer(create_app(context)), auto_decompress=False) as client:
        yield client


@pytest.fixture
def elsewhere(database_url: str, clock: FrozenClock) -> Iterator[ServiceContext]:
    """Services on their own engine and connections: for the database, another writer."""
    database = Database.connect(database_url, create=False)
    yield ServiceContext(database, clock, Settings().with_database_url(database_url))
    database.dispose()


class Feed:
    """One subscription, as a calendar client polls it: remembering the last ETag."""

    def __init__(self, client: FeedClient, issued: IssuedFeedToken) -> None:
        self.client = client
        self.path = issued.https_url.removeprefix("http://localhost:8080")
        self.etag = ""
        self.body = b""

    async def poll(self) -> int:
        headers = {**PLAIN, "If-None-Match": self.etag} if self.etag else PLAIN
        response = await self.client.get(self.path, headers=headers)
        if response.status == 200:
            self.body = await response.read()
        if response.status in (200, 304):
            assert response.headers["ETag"] == self.etag or response.status == 200
            self.etag = response.headers["ETag"]
        return response.status


def rendered(handler: FeedHandler) -> int:
    """Events assembled so far: unchanged means the last build was served as it was."""
    texts = handler.texts
    return texts.hits + texts.misses + texts.series.hits + texts.series.misses


async def test_a_booking_another_process_commits_is_in_the_very_next_request(
    client: FeedClient,
    context: ServiceContext,
    world: World,
    booked: BookingRecord,
    database_url: str,
    clock: FrozenClock,
) -> None:
    feeds = FeedsService(context)
    facility = str(world.facilities["WAR-PRP"])
    watching = {
        "bob's own": Feed(client, feeds.create("bob", ExportKind.USER)),
        "the XPS": Feed(client, feeds.create("erin", ExportKind.INSTRUMENT, XPS)),
        "its facility": Feed(client, feeds.create("mgr", ExportKind.FACILITY, facility)),
        "its institution": Feed(client, feeds.create("mgr", ExportKind.INSTITUTION, "WARWICK")),
    }
    other = Feed(client, feeds.create("carol", ExportKind.INSTRUMENT, "AST-SEM-01"))
    for feed in (*watching.values(), other):
        assert await feed.poll() == 200
    before = {name: feed.etag for name, feed in watching.items()}

    made = subprocess.run(
        [sys.executable, "-c", ANOTHER_PROCESS, database_url, clock.now().isoformat(),
         london(2026, 3, 25, 10).isoformat(), london(2026, 3, 25, 12).isoformat()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    uid = made.stdout.strip()

    for name, feed in watching.items():
        assert await feed.poll() == 200, name
        assert feed.etag != before[name], name
        assert uid.encode() in feed.body, name
    handler = client.app[FEEDS_KEY]
    served = rendered(handler)
    assert await other.poll() == 304  # another instrument's scope: served as built
    assert rendered(handler) == served


async def test_a_cancellation_elsewhere_changes_the_next_answer_and_then_it_is_304(
    client: FeedClient,
    context: ServiceContext,
    elsewhere: ServiceContext,
    booked: BookingRecord,
) -> None:
    feeds = FeedsService(context)
    own = Feed(client, feeds.create("alice", ExportKind.USER))
    instrument = Feed(client, feeds.create("bob", ExportKind.INSTRUMENT, XPS))
    for feed in (own, instrument):
        assert await feed.poll() == 200
        assert b"STATUS:CONFIRMED" in feed.body
    etags = (own.etag, instrument.etag)

    BookingService(elsewhere).cancel("alice", booked.id, "plans changed")

    for feed, etag in zip((own, instrument), etags, strict=True):
        assert await feed.poll() == 200
        assert feed.etag != etag
        assert b"STATUS:CANCELLED" in feed.body
        assert await feed.poll() == 304  # and unchanged again after that


async def test_an_unchanged_scope_answers_304_without_loading_its_events_again(
    client: FeedClient, context: ServiceContext, elsewhere: ServiceContext, booked: BookingRecord
) -> None:
    feed = Feed(client, FeedsService(context).create("bob", ExportKind.INSTRUMENT, XPS))
    assert await feed.poll() == 200
    etag, handler = feed.etag, client.app[FEEDS_KEY]
    built = rendered(handler)
    # Writes to other scopes: another instrument's booking, a technician's training.
    BookingService(elsewhere).book(
        "carol", BookingRequest("AST-SEM-01", london(2026, 3, 24, 10), london(2026, 3, 24, 11))
    )
    for _ in range(3):
        assert await feed.poll() == 304
        assert feed.etag == etag
    assert rendered(handler) == built
    BookingService(elsewhere).modify(
        "alice", booked.id, starts_at=london(2026, 3, 24, 13), ends_at=london(2026, 3, 24, 15)
    )
    assert await feed.poll() == 200
    assert rendered(handler) > built


async def test_a_removed_staff_member_loses_the_facility_feed_at_the_next_request(
    client: FeedClient, context: ServiceContext, elsewhere: ServiceContext, world: World
) -> None:
    """The old cache served it for up to a minute, without asking about rights again."""
    facility = str(world.facilities["WAR-PRP"])
    feed = Feed(client, FeedsService(context).create("tech", ExportKind.FACILITY, facility))
    assert await feed.poll() == 200
    assert await feed.poll() == 304
    StaffService(elsewhere).remove("mgr", "WAR-PRP", "tech")
    assert await feed.poll() == 404


async def test_a_renamed_instrument_reaches_its_bookers_own_feeds(
    client: FeedClient, context: ServiceContext, elsewhere: ServiceContext, booked: BookingRecord
) -> None:
    own = Feed(client, FeedsService(context).create("alice", ExportKind.USER))
    shared = Feed(client, FeedsService(context).create("bob", ExportKind.INSTRUMENT, XPS))
    assert await own.poll() == 200 and await shared.poll() == 200
    InstrumentEditingService(elsewhere).edit("mgr", XPS, InstrumentChanges(name="Kratos Supra"))
    assert await own.poll() == 200 and await shared.poll() == 200
    assert b"SUMMARY:WAR-XPS-01 Kratos Supra" in own.body
    assert b"Instrument: WAR-XPS-01 Kratos Supra" in shared.body  # its kept block was not used


@pytest.mark.parametrize(
    ("owner", "kind", "target"), [("alice", "user", "alice"), ("bob", "instrument", XPS)]
)
async def test_a_cancellation_leaves_when_its_grace_ends_with_no_write(
    client: FeedClient,
    context: ServiceContext,
    clock: FrozenClock,
    booked: BookingRecord,
    owner: str,
    kind: str,
    target: str,
) -> None:
    """Nothing is written when a cancellation's grace period ends, yet the feed changes
    (an instrument's feed rebuilds from its kept block: the grace is tested again)."""
    BookingService(context).cancel("alice", booked.id)
    feed = Feed(client, FeedsService(context).create(owner, kind, target))
    grace = context.settings.calendar.cancelled_grace_days
    clock.advance(days=grace, minutes=-1)  # just before, on the last day
    assert await feed.poll() == 200
    assert booked.ical_uid.encode() in feed.body
    assert await feed.poll() == 304
    clock.advance(minutes=2)  # the same day, just after: no midnight between
    assert await feed.poll() == 200
    assert booked.ical_uid.encode() not in feed.body

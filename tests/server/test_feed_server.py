"""The feed server end to end, over HTTP on loopback, on both engines.

Each test starts the real aiohttp application on a free port and talks to it with a real
client; the data comes from the real services on a fresh database.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from email.utils import format_datetime, parsedate_to_datetime

import icalendar
import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application, Request

from equipshare.domain.enums import ExportKind
from equipshare.domain.records.scheduling.bookings import (
    BookingRecord,
    BookingRequest,
    RecurrenceRule,
)
from equipshare.domain.records.scheduling.calendar import ExportScope, IssuedFeedToken
from equipshare.domain.time.clock import FrozenClock
from equipshare.server.feed_app import FEEDS_KEY, create_app
from equipshare.server.logs import redact
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.series import SeriesService
from equipshare.services.calendar.export import CalendarExportService
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
# aiohttp's client asks for gzip by default; most tests read the plain body.
PLAIN = {"Accept-Encoding": "identity"}
# What TestClient(TestServer(app)) is: plain aiohttp requests against a real Application.
FeedClient = TestClient[Request, Application]


@pytest.fixture
def booked(context: ServiceContext, world: World) -> BookingRecord:
    """alice's XPS session on Tuesday 24 March, with a purpose and a project code."""
    return BookingService(context).book(
        "alice",
        BookingRequest(
            XPS,
            london(2026, 3, 24, 10),
            london(2026, 3, 24, 12),
            purpose="Secret thin films",
            project_code="EP/X01234/1",
        ),
    )


@pytest.fixture
def instrument_feed(context: ServiceContext, booked: BookingRecord) -> IssuedFeedToken:
    return FeedsService(context).create("bob", ExportKind.INSTRUMENT, XPS, label="XPS")


@pytest.fixture
async def client(context: ServiceContext) -> AsyncIterator[FeedClient]:
    # No automatic decompression: the tests look at what went over the wire.
    async with TestClient(TestServer(create_app(context)), auto_decompress=False) as client:
        yield client


def path_of(issued: IssuedFeedToken) -> str:
    return issued.https_url.removeprefix("http://localhost:8080")


def events_of(body: bytes) -> list[icalendar.Component]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


async def test_a_feed_answers_with_validators_and_304s_when_unchanged(
    client: FeedClient, instrument_feed: IssuedFeedToken, booked: BookingRecord
) -> None:
    url = path_of(instrument_feed)
    first = await client.get(url, headers=PLAIN)
    assert first.status == 200
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Encoding" not in first.headers
    body = await first.read()
    assert [str(e["UID"]) for e in events_of(body)] == [booked.ical_uid]
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')
    assert parsedate_to_datetime(modified) >= booked.updated_at.replace(microsecond=0)

    again = await client.get(url, headers=PLAIN)
    assert (await again.read(), again.headers["ETag"]) == (body, etag)  # byte-stable

    unchanged = await client.get(url, headers={**PLAIN, "If-None-Match": etag})
    assert unchanged.status == 304
    assert await unchanged.read() == b""
    assert unchanged.headers["ETag"] == etag

    since = await client.get(url, headers={**PLAIN, "If-Modified-Since": modified})
    assert since.status == 304
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2025), usegmt=True)
    assert (await client.get(url, headers={"If-Modified-Since": earlier})).status == 200
    # If-None-Match decides when both are sent (RFC 9110): a stale tag means a new body.
    both = await client.get(
        url, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified}
    )
    assert both.status == 200


async def test_gzip_when_asked(client: FeedClient, instrument_feed: IssuedFeedToken) -> None:
    url = path_of(instrument_feed)
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    packed = await client.get(url, headers={"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(await packed.read()) == await plain.read()
    assert packed.headers["ETag"] != plain.headers["ETag"]  # one tag per representation
    refused = await client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers
    # Either representation's tag validates the other: they carry the same calendar.
    for etag in (packed.headers["ETag"], plain.headers["ETag"]):
        revalidated = await client.get(
            url, headers={"If-None-Match": etag, "Accept-Encoding": "gzip"}
        )
        assert revalidated.status == 304


async def test_revoked_unknown_and_mismatched_urls_all_get_the_same_plain_404(
    client: FeedClient, context: ServiceContext, instrument_feed: IssuedFeedToken, world: World
) -> None:
    url = path_of(instrument_feed)
    assert (await client.get(url)).status == 200
    token = instrument_feed.token
    never_a_feed = await client.get("/nothing/here")
    expected = (never_a_feed.status, await never_a_feed.read())
    assert expected[0] == 404
    assert token not in expected[1].decode()

    refusals = [
        f"/feeds/{'A' * 43}/instrument/{XPS}.ics",  # unknown token
        f"/feeds/{token}/instrument/WAR-RAM-01.ics",  # another calendar than the token's
        f"/feeds/{token}/facility/{world.facilities['WAR-PRP']}.ics",
        f"/feeds/{token}/user/bob.ics",
        f"/feeds/{token[:-1]}/instrument/{XPS}.ics",
    ]
    FeedsService(context).revoke("bob", instrument_feed.record.id)
    refusals.append(url)  # revoked
    for refused in refusals:
        response = await client.get(refused)
        assert (response.status, await response.read()) == expected, refused
        assert "ETag" not in response.headers


async def test_an_instrument_feed_names_no_one_and_the_owner_s_feed_shows_all(
    client: FeedClient, context: ServiceContext, instrument_feed: IssuedFeedToken
) -> None:
    response = await client.get(path_of(instrument_feed), headers=PLAIN)
    text = (await response.read()).decode()
    for private in ("Alice", "alice@example.ac.uk", "alice", "Secret thin films", "EP/X01234"):
        assert private not in text, private
    (event,) = events_of(text.encode())
    assert "Booked (University of Warwick)" in str(event["SUMMARY"])

    own = FeedsService(context).create("alice", ExportKind.USER)
    mine = (await (await client.get(path_of(own), headers=PLAIN)).read()).decode()
    assert "Secret thin films" in mine


async def test_kept_event_text_never_crosses_views_and_feeds_read_as_the_export_writes(
    client: FeedClient, context: ServiceContext, booked: BookingRecord
) -> None:
    """A feed keeps each event's text by its raw row across rebuilds: the owner's full feed,
    built first, must lend nothing to the instrument's filtered one, and either feed is
    byte for byte what `export ics` writes for the same window (series and a
    cancellation in its grace period included)."""
    SeriesService(context).book_series(
        "alice",
        BookingRequest(XPS, london(2026, 3, 25, 14), london(2026, 3, 25, 15), purpose="Secret"),
        RecurrenceRule("weekly", count=3),
    )
    gone = BookingService(context).book(
        "alice", BookingRequest(XPS, london(2026, 3, 26, 9), london(2026, 3, 26, 10))
    )
    BookingService(context).cancel("alice", gone.id, reason="away")
    feeds, export = FeedsService(context), CalendarExportService(context)
    for who, kind, target in (
        ("alice", ExportKind.USER, "alice"),
        ("bob", ExportKind.INSTRUMENT, XPS),
    ):
        issued = feeds.create(who, kind, target)
        body = await (await client.get(path_of(issued), headers=PLAIN)).read()
        assert body == export.export(who, ExportScope(kind, target), *feeds.window())
    assert "Secret" not in body.decode() and "Alice" not in body.decode()
    assert len(events_of(body)) == 3  # the booking, the cancellation and the series' master


async def test_a_changed_booking_gets_a_new_etag_and_a_higher_sequence(
    client: FeedClient,
    context: ServiceContext,
    clock: FrozenClock,
    instrument_feed: IssuedFeedToken,
    booked: BookingRecord,
) -> None:
    url = path_of(instrument_feed)
    first = await client.get(url, headers=PLAIN)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    (event,) = events_of(await first.read())
    assert event["SEQUENCE"] == 0

    clock.advance(minutes=5)
    BookingService(context).modify(
        "alice", booked.id, starts_at=london(2026, 3, 24, 13), ends_at=london(2026, 3, 24, 15)
    )
    handler = client.app[FEEDS_KEY]
    misses = handler.texts.rendered
    changed = await client.get(url, headers={**PLAIN, "If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["ETag"] != etag
    assert parsedate_to_datetime(changed.headers["Last-Modified"]) > parsedate_to_datetime(modified)
    (event,) = events_of(await changed.read())
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == london(2026, 3, 24, 13)
    assert handler.texts.rendered == misses + 1  # only the changed event re-rendered
    assert (await client.get(url, headers={**PLAIN, "If-Modified-Since": modified})).status == 200


async def test_a_feed_past_the_size_limit_is_logged_without_its_token(
    context: ServiceContext, instrument_feed: IssuedFeedToken, caplog: pytest.LogCaptureFixture
) -> None:
    small = replace(
        context,
        settings=replace(context.settings, feeds=replace(context.settings.feeds, warn_kilobytes=1)),
    )
    async with TestClient(TestServer(create_app(small))) as client:
        with caplog.at_level(logging.WARNING, logger="equipshare.feeds"):
            assert (await client.get(path_of(instrument_feed), headers=PLAIN)).status == 200
    (warning,) = [r for r in caplog.records if r.name == "equipshare.feeds"]
    assert "over the 1 kB" in warning.getMessage()
    assert instrument_feed.token not in warning.getMessage()


def test_the_access_log_shows_only_a_token_s_prefix() -> None:
    token = "abcdefGHIJKLMNOPQRSTUVWXYZ0123456789-_abcde"
    assert redact(f"/feeds/{token}/user/alice.ics") == "/feeds/abcdef…/user/alice.ics"
    assert redact("/other/path") == "/other/path"

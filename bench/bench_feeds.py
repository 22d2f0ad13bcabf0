"""Feed assembly from cached VEVENTs against icalendar's full to_ical(), and the feed server's
requests per second for 200 and 304 answers.

Run: python -m bench.bench_feeds [--sizes 2000,10000] [--requests 200] [--quick]

Part 1 (pure, no database; bench/feeds/assembly.py): N privacy-filtered events like the
export makes, assembled by FeedAssembler cold (every event rendered), warm (equal records,
freshly built as each request builds them, all cache hits) and rebuilt after one booking
changed (one miss).
The floor is icalendar's `Calendar.to_ical()` of the same N events, built once beforehand
and serialised in the same run: what a feed costs with no cache. Target: a rebuild after
one change under 5% of the full to_ical().

Part 2 (HTTP): the demo seeded into a temporary SQLite file, the feed server on a loopback
port and an aiohttp client in the same process (so both share one interpreter: the figures
are a floor for a real deployment, not a ceiling), asking for the busiest instrument's and
institution's feeds: plain 200s, gzipped 200s, 304s to If-None-Match, and 200s after a
booking of the feed changed (committed, untimed, before each request). Then the freshness
check every request makes (the token and the feed's change stamps, read in one transaction)
against the token check alone, which was all a cached answer read before feeds were fresh.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import delete, func, select, update

from bench.feeds.assembly import BENCHMARK, NOW, assembly_figures, bench_assembly, measure_assembly
from bench.support.harness import BenchOptions, Figure
from equipshare.config import Settings
from equipshare.db import migrate
from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.models.feeds import FeedToken
from equipshare.demo.seeding import DemoService
from equipshare.domain.enums import ExportKind, Role
from equipshare.domain.time.clock import FrozenClock
from equipshare.server.feed_app import create_app
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.plumbing.context import ServiceContext

SIZES = (2_000, 10_000)
TOKEN_LABEL = "bench_feeds"  # marks the tokens a run issues, so it can delete them


def seeded(directory: Path) -> ServiceContext:
    url = f"sqlite:///{directory / 'feeds.db'}"
    db = Database.connect(url)
    migrate.upgrade(db.engine)
    context = ServiceContext(db, FrozenClock(NOW), Settings().with_database_url(url))
    DemoService(context).seed(seed=2026, admin_username="bench")
    return context


def busiest(context: ServiceContext) -> list[tuple[ExportKind, str]]:
    """The instrument and the institution with the most bookings in the feed window."""
    start, end = FeedsService(context).window()
    in_window = (Booking.starts_at < end, Booking.ends_at > start)
    with context.database.readonly() as session:
        code = session.execute(
            select(Instrument.code)
            .join(Booking, Booking.instrument_id == Instrument.id)
            .where(*in_window)
            .group_by(Instrument.code)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        institution = session.execute(
            select(Institution.code)
            .join(Facility, Facility.institution_id == Institution.id)
            .join(Instrument, Instrument.facility_id == Facility.id)
            .join(Booking, Booking.instrument_id == Instrument.id)
            .where(*in_window)
            .group_by(Institution.code)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
    return [(ExportKind.INSTRUMENT, code), (ExportKind.INSTITUTION, institution)]


async def requests_per_second(
    session: ClientSession, url: str, count: int, headers: dict[str, str], status: int
) -> float:
    """`count` requests, four at a time, as several calendar clients polling at once."""
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            queue.pop()
            async with session.get(url, headers=headers) as response:
                await response.read()
                assert response.status == status, response.status

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(4)))
    return count / (time.perf_counter() - started)


def constant_app(body: bytes, etag: str) -> web.Application:
    """The HTTP floor: the same body and headers, from memory, with no token, build or thread."""
    packed = gzip.compress(body, compresslevel=6, mtime=0)
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": "Mon, 23 Nov 2026 09:00:00 GMT",
        "Cache-Control": "private, no-cache",
        "Vary": "Accept-Encoding",
    }

    async def handle(request: web.Request) -> web.Response:
        if etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        extra = {"Content-Type": "text/calendar; charset=utf-8"}
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            return web.Response(body=packed, headers=headers | extra | {"Content-Encoding": "gzip"})
        return web.Response(body=body, headers=headers | extra)

    app = web.Application()
    app.router.add_get("/constant.ics", handle)
    return app


@dataclass(frozen=True)
class Check:
    """Seconds per call: the token read alone (all a cache hit cost when a feed could lag),
    and the token with the scope's change stamps in one read (the freshness check)."""

    token: float
    token_and_stamps: float


def per_call(count: int, call: Callable[[], object]) -> float:
    """The median seconds of `count` calls, in five batches."""
    batch = max(1, count // 5)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(batch):
            call()
        times.append((time.perf_counter() - started) / batch)
    return sorted(times)[2]


def freshness_check(
    feeds: FeedsService, token: str, kind: ExportKind, target: str, count: int
) -> Check:
    """What the freshness check adds to every request, next to the token check it joins."""
    return Check(
        per_call(count, lambda: feeds.resolve(token)),
        per_call(count, lambda: feeds.open(token, kind.value, target)),
    )


def touch_a_booking(context: ServiceContext, kind: ExportKind, target: str) -> None:
    """Commit a change to one booking the feed shows (a new sequence), as a write elsewhere."""
    start, end = FeedsService(context).window()
    if kind is ExportKind.INSTRUMENT:
        mine = Instrument.code == target
    else:
        institution = select(Institution.id).where(Institution.code == target).scalar_subquery()
        mine = Facility.institution_id == institution
    with context.database.sessions.begin() as session:
        booking = session.execute(
            select(Booking.id)
            .join(Instrument, Booking.instrument_id == Instrument.id)
            .join(Facility, Instrument.facility_id == Facility.id)
            .where(mine, Booking.starts_at < end, Booking.ends_at > start)
            .order_by(Booking.starts_at.desc())
            .limit(1)
        ).scalar_one()
        session.execute(
            update(Booking).where(Booking.id == booking).values(sequence=Booking.sequence + 1)
        )


@dataclass(frozen=True)
class Served:
    """One feed's request rates: (case, ours, the constant server's) requests a second."""

    kind: ExportKind
    target: str
    events: int
    size: int
    rates: list[tuple[str, float, float | None]]
    check: Check


async def measure_http(context: ServiceContext, requests: int, actor: str) -> list[Served]:
    """Requests a second for each case on the busiest instrument's and institution's feeds."""
    feeds = FeedsService(context)
    server = TestServer(create_app(context), host="127.0.0.1")
    await server.start_server()
    served: list[Served] = []
    checks: list[Check] = []
    try:
        async with ClientSession(auto_decompress=False) as session:
            for kind, target in busiest(context):
                issued = feeds.create(actor, kind, target, label=TOKEN_LABEL)
                url = str(server.make_url(issued.https_url.split(":8080", 1)[1]))
                plain = {"Accept-Encoding": "identity"}
                async with session.get(url, headers=plain) as first:
                    body = await first.read()
                    etag = first.headers["ETag"].strip('"')
                floor_server = TestServer(constant_app(body, etag), host="127.0.0.1")
                await floor_server.start_server()
                floor_url = str(floor_server.make_url("/constant.ics"))
                cases = [
                    ("200, plain", plain, 200),
                    ("200, gzip", {"Accept-Encoding": "gzip"}, 200),
                    ("304 to If-None-Match", {**plain, "If-None-Match": f'"{etag}"'}, 304),
                ]
                rates: list[tuple[str, float, float | None]] = []
                try:
                    for label, headers, status in cases:
                        floor = await requests_per_second(
                            session, floor_url, requests, headers, status
                        )
                        rate = await requests_per_second(session, url, requests, headers, status)
                        rates.append((label, rate, floor))
                finally:
                    await floor_server.close()
                # A booking of the feed changed and committed (untimed) before each request:
                # the stamps moved, so the events are loaded again and one re-rendered.
                reloads = max(3, requests // 20)
                spent = 0.0
                for _ in range(reloads):
                    touch_a_booking(context, kind, target)
                    started = time.perf_counter()
                    async with session.get(url, headers=cases[2][1]) as r:
                        assert r.status == 200, r.status
                        await r.read()
                    spent += time.perf_counter() - started
                rates.append(("200 after a booking changed", reloads / spent, None))
                checks.append(freshness_check(feeds, issued.token, kind, target, requests))
                events = body.count(b"BEGIN:VEVENT")
                served.append(Served(kind, target, events, len(body), rates, checks[-1]))
    finally:
        await server.close()
    return served


def print_http(served: list[Served]) -> None:
    for feed in served:
        print(
            f"\n{feed.kind.value} {feed.target}: {feed.events:,} events, {feed.size / 1024:,.0f} kB"
        )
        for label, rate, floor in feed.rates:
            against = f"  (constant server {floor:8.1f}/s)" if floor else ""
            print(f"  {label:<34} {rate:8.1f} requests/s ({1000 / rate:7.1f} ms each){against}")
        check, cached = feed.check, 1 / feed.rates[2][1]
        print(
            f"  freshness check: token and stamps {check.token_and_stamps * 1e6:7.0f} us, token "
            f"alone {check.token * 1e6:7.0f} us; the stamps are "
            f"{(check.token_and_stamps - check.token) / cached * 100:4.1f}% of a cached 304"
        )


def http_figures(served: list[Served], where: str) -> list[Figure]:
    figures = []
    for feed in served:
        for label, rate, floor in feed.rates:
            figures.append(
                Figure(
                    BENCHMARK,
                    f"{where}: {feed.kind.value} feed, {label}",
                    rate,
                    "requests/s",
                    "same body from a constant aiohttp handler" if floor else None,
                    floor,
                    note=f"{feed.target}, {feed.events:,} events, {feed.size / 1024:,.0f} kB; "
                    "loopback client in the same process",
                    higher_is_better=True,
                )
            )
        check, cached = feed.check, 1 / feed.rates[2][1]
        stamps = check.token_and_stamps - check.token
        figures.append(
            Figure(
                BENCHMARK,
                f"{where}: {feed.kind.value} feed, freshness check (token and change stamps)",
                check.token_and_stamps * 1e6,
                "us",
                "the token check alone, all a cached answer read before",
                check.token * 1e6,
                note=f"the stamps add {stamps * 1e6:.0f} us, {stamps / cached * 100:.1f}% of a "
                f"cached 304 request ({cached * 1e3:.2f} ms)",
            )
        )
    return figures


def demo_http_rates(requests: int) -> list[Served]:
    """The demo seeded into a temporary SQLite file, and its feeds served and timed."""
    logging.getLogger("equipshare.feeds").setLevel(logging.ERROR)  # the 1 MB warning
    with tempfile.TemporaryDirectory() as directory:
        context = seeded(Path(directory))
        try:
            return asyncio.run(measure_http(context, requests, "bench"))
        finally:
            context.close()


def dataset_http_rates(url: str, requests: int) -> list[Served]:
    """The feeds of a bench.generate dataset, as its first admin; the tokens are deleted after."""
    logging.getLogger("equipshare.feeds").setLevel(logging.ERROR)
    db = Database.connect(url)
    context = ServiceContext(db, FrozenClock(NOW), Settings().with_database_url(url))
    try:
        with db.readonly() as s:
            admin = s.scalar(select(User.username).where(User.role == Role.ADMIN).order_by(User.id))
        assert admin is not None, "the dataset has no admin"
        try:
            return asyncio.run(measure_http(context, requests, admin))
        finally:
            with db.sessions.begin() as s:
                ids = s.scalars(select(FeedToken.id).where(FeedToken.label == TOKEN_LABEL)).all()
                s.execute(
                    delete(AuditEvent).where(
                        AuditEvent.entity_type == "feed_token",
                        AuditEvent.entity_id.in_([str(i) for i in ids]),
                    )
                )
                s.execute(delete(FeedToken).where(FeedToken.id.in_(ids)))
    finally:
        db.dispose()


def run(options: BenchOptions) -> list[Figure]:
    """Assembly of synthetic feeds (pure), and each dataset's feeds served over loopback."""
    sizes = [200, 1000] if options.quick else list(SIZES)
    repeat = 1 if options.quick else max(3, options.runs)
    figures: list[Figure] = []
    for n in sizes:
        figures += assembly_figures(measure_assembly(n, repeat))
    for engine, url in options.datasets.items():
        figures += http_figures(dataset_http_rates(url, 20 if options.quick else 200), engine)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="2000,10000", help="Feed sizes, comma-separated.")
    parser.add_argument("--repeat", type=int, default=5, help="Best of this many runs.")
    parser.add_argument("--requests", type=int, default=200, help="Requests per HTTP case.")
    parser.add_argument("--quick", action="store_true", help="Small sizes, few runs (smoke).")
    args = parser.parse_args()
    sizes = [200, 1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    repeat = 2 if args.quick else args.repeat
    for n in sizes:
        bench_assembly(n, repeat)
    print_http(demo_http_rates(20 if args.quick else args.requests))


if __name__ == "__main__":
    main()

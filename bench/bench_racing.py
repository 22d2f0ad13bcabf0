"""Eight processes racing for the same calendar on PostgreSQL: throughput, and zero overlaps.

Run: python -m bench.bench_racing --db POSTGRESQL_URL [--processes 8] [--attempts 150]

Each process books random hour slots on the same four bench instruments through the real
BookingService, as different users, so most attempts collide; a refused attempt is a
clean ConflictError. Afterwards one query counts overlapping active bookings, which must
be zero: the row locks and the exclusion constraint hold under contention. The floor is
one process making the same number of attempts alone.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import time
from datetime import timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from bench.bench_booking_rate import NOW, PREFIX, _cleanup, _setup
from bench.support.harness import BenchOptions, Figure, show
from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument, User
from equipshare.domain.enums import ACTIVE_BOOKING_STATUSES, Role
from equipshare.domain.errors import ConflictError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext

CONTESTED = 4
SLOTS = 120


def _client(url: str, username: str, seed: int, attempts: int, codes: list[str]) -> tuple[int, int]:
    """Book random contested slots; returns (booked, refused)."""
    database = Database.connect(url)
    context = ServiceContext(database, FrozenClock(NOW), Settings().with_database_url(url))
    service = BookingService(context)
    rng = random.Random(seed)
    base = NOW + timedelta(days=3000)
    booked = refused = 0
    try:
        for _ in range(attempts):
            start = base + timedelta(hours=rng.randrange(SLOTS))
            request = BookingRequest(rng.choice(codes), start, start + timedelta(hours=1))
            try:
                service.book(username, request)
                booked += 1
            except ConflictError:
                refused += 1
    finally:
        database.dispose()
    return booked, refused


def _warm(_: int) -> None:
    """Imports happen here, in each worker, before the clock starts."""
    BookingService.__name__  # noqa: B018


def overlaps(db: Database) -> int:
    """Pairs of active bench bookings that overlap on one instrument."""
    other = aliased(Booking)
    with db.readonly() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(Booking)
                .join(
                    other, and_(other.instrument_id == Booking.instrument_id, other.id > Booking.id)
                )
                .join(Instrument, Instrument.id == Booking.instrument_id)
                .where(
                    Instrument.code.like(f"{PREFIX}%"),
                    Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                    other.status.in_(ACTIVE_BOOKING_STATUSES),
                    other.starts_at < Booking.ends_at,
                    other.ends_at > Booking.starts_at,
                )
            )
            or 0
        )


def _users(db: Database, count: int) -> list[str]:
    with db.readonly() as s:
        return list(
            s.scalars(
                select(User.username)
                .where(User.role == Role.RESEARCHER)
                .order_by(User.id)
                .limit(count)
            )
        )


def race(url: str, processes: int, attempts: int) -> tuple[float, float, int, int, int]:
    """(attempts/s racing, attempts/s alone, booked, refused, overlaps)."""
    db = Database.connect(url)
    try:
        _, codes = _setup(db)
        contested = codes[:CONTESTED]
        users = _users(db, processes)
        started = time.perf_counter()
        _client(url, users[0], 0, attempts, contested)
        solo_rate = attempts / (time.perf_counter() - started)
        _cleanup(db)
        _setup(db)
        context = multiprocessing.get_context("spawn")
        with context.Pool(processes) as pool:
            pool.map(_warm, range(processes))
            started = time.perf_counter()
            results = pool.starmap(
                _client,
                [
                    (url, users[n % len(users)], n + 1, attempts, contested)
                    for n in range(processes)
                ],
            )
            elapsed = time.perf_counter() - started
        booked = sum(r[0] for r in results)
        refused = sum(r[1] for r in results)
        found = overlaps(db)
        return processes * attempts / elapsed, solo_rate, booked, refused, found
    finally:
        _cleanup(db)
        db.dispose()


def run(options: BenchOptions) -> list[Figure]:
    url = options.datasets.get("postgresql")
    if url is None:
        options.notes.append("racing clients: skipped, no PostgreSQL dataset was given (--db)")
        return []
    processes, attempts = (4, 20) if options.quick else (8, 150)
    rate, solo, booked, refused, found = race(url, processes, attempts)
    note = (
        f"{processes} processes x {attempts} attempts on {CONTESTED} instruments x {SLOTS} "
        f"hours: {booked} booked, {refused} refused as taken, {found} overlaps"
    )
    return [
        Figure(
            "racing clients",
            "postgresql: attempts a second, racing",
            rate,
            "/s",
            "one client alone",
            solo,
            note=note,
            higher_is_better=True,
        ),
        Figure(
            "racing clients",
            "postgresql: overlapping active bookings after the race",
            float(found),
            "pairs",
            target=0.0,
            note="must be zero",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL dataset from bench.generate")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for figure in run(BenchOptions.for_url(args.db, quick=args.quick)):
        print(show(figure))


if __name__ == "__main__":
    main()

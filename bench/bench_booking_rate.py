"""Booking creation with every rule checked, one process, against a raw insert-plus-check floor.

Run: python -m bench.bench_booking_rate --db URL [--bookings 1000]

The dataset at URL (see bench.generate) gets a few bench instruments, open around the
clock and bookable for years, in one of its facilities; bookings go years ahead of the
data so they never clash with it, but every overlap check still searches the full
bookings table. The floor does the least a correct booking system must, per booking, on
the same engine and through the raw driver: a transaction holding the write lock (BEGIN
IMMEDIATE on SQLite), an overlap SELECT bounded by the longest allowed booking
(domain.LONGEST_BOOKING, as the service's), then the same three rows the service writes
(the booking, its audit event, its outbox message: issue 22 counts them in the target),
a COMMIT. Until issue 22 the floor wrote the booking alone; that one-row floor is still
measured and reported beside it ("raw check + one insert"), so the older ratios compare.
The targets: at most 3x the floor on PostgreSQL, 5x on SQLite. The bench rows are
deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import make_url

from bench.support.harness import BenchOptions, DriverStyle, Figure, show
from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument, User
from equipshare.db.models.charging import RateCard
from equipshare.db.models.queue import Notification
from equipshare.domain.enums import LONGEST_BOOKING, Role, UserClass
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PREFIX = "BENCH-RATE-"
INSTRUMENTS = 16
MAX_MINUTES = 480


def _setup(db: Database) -> tuple[str, list[str]]:
    """Bench instruments in the first facility, and an internal researcher to book them."""
    _cleanup(db)
    with db.sessions.begin() as s:
        facility_id, institution_id = s.execute(
            select(Facility.id, Facility.institution_id).order_by(Facility.id).limit(1)
        ).one()
        username = s.scalar(
            select(User.username)
            .where(User.institution_id == institution_id, User.role == Role.RESEARCHER)
            .order_by(User.id)
            .limit(1)
        )
        assert username is not None, "the dataset has no researcher at its first facility"
        codes = [f"{PREFIX}{n:02d}" for n in range(INSTRUMENTS)]
        ids = []
        for code in codes:
            ids.append(
                s.execute(
                    insert(Instrument)
                    .values(
                        facility_id=facility_id,
                        code=code,
                        name=code,
                        category="BENCH",
                        description="",
                        status="available",
                        access_level="industry",
                        slot_minutes=30,
                        min_minutes=30,
                        max_minutes=MAX_MINUTES,
                        min_notice_minutes=0,
                        max_days_ahead=36500,
                        requires_approval=False,
                        requires_training=False,
                        requires_project_code=False,
                        allow_overnight=True,
                        uniquip_type="equipment",
                        created_at=NOW,
                        updated_at=NOW,
                    )
                    .returning(Instrument.id)
                ).scalar_one()
            )
        s.execute(
            insert(RateCard),
            [
                {
                    "instrument_id": i,
                    "user_class": UserClass.INTERNAL,
                    "hourly_rate": Decimal("50.00"),
                    "technician_hourly_rate": Decimal("30.00"),
                    "currency": "GBP",
                    "valid_from": NOW.date() - timedelta(days=10),
                }
                for i in ids
            ],
        )
    return username, codes


def _cleanup(db: Database) -> None:
    with db.sessions.begin() as s:
        ids = list(s.scalars(select(Instrument.id).where(Instrument.code.like(f"{PREFIX}%"))))
        if not ids:
            return
        bookings = select(Booking.id).where(Booking.instrument_id.in_(ids))
        s.execute(delete(Notification).where(Notification.booking_id.in_(bookings)))
        s.execute(
            delete(AuditEvent).where(
                AuditEvent.entity_type == "booking",
                AuditEvent.entity_id.in_(
                    select(func.cast(Booking.id, AuditEvent.entity_id.type)).where(
                        Booking.instrument_id.in_(ids)
                    )
                ),
            )
        )
        s.execute(delete(Booking).where(Booking.instrument_id.in_(ids)))
        s.execute(delete(RateCard).where(RateCard.instrument_id.in_(ids)))
        s.execute(delete(Instrument).where(Instrument.id.in_(ids)))


def _slots(codes: list[str], count: int, base: datetime) -> list[tuple[str, datetime]]:
    """`count` hour-long slots spread over the bench instruments, back to back."""
    return [(codes[n % len(codes)], base + timedelta(hours=n // len(codes))) for n in range(count)]


def service_rate(
    context: ServiceContext, username: str, slots: list[tuple[str, datetime]]
) -> float:
    service = BookingService(context)
    started = time.perf_counter()
    for code, start in slots:
        service.book(username, BookingRequest(code, start, start + timedelta(hours=1)))
    return len(slots) / (time.perf_counter() - started)


def floor_rate(
    db: Database, username: str, slots: list[tuple[str, datetime]], *, three_rows: bool = True
) -> float:
    """The raw driver doing the least work a correct booking needs, one transaction each:
    the overlap check and the booking, its audit event and its outbox message
    (`three_rows`), or the booking alone (the floor before issue 22)."""
    with db.readonly() as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        rows = s.execute(
            select(Instrument.code, Instrument.id).where(Instrument.code.like(f"{PREFIX}%"))
        )
        instrument_ids = {code: instrument_id for code, instrument_id in rows}
    style = DriverStyle.of(db.engine.dialect.name)
    sqlite, mark, stamp = style.sqlite, style.mark, style.stamp
    check = (
        f"SELECT 1 FROM bookings WHERE instrument_id = {mark} AND status IN "
        f"('pending', 'confirmed') AND starts_at < {mark} AND ends_at > {mark} "
        f"AND starts_at > {mark} LIMIT 1"
    )
    add = (
        "INSERT INTO bookings (instrument_id, user_id, created_by_id, starts_at, ends_at, "
        "status, purpose, ical_uid, sequence, instrument_charge_pence, "
        "technician_charge_pence, created_at, updated_at) VALUES "
        f"({', '.join([mark] * 13)})" + ("" if sqlite else " RETURNING id")
    )
    audit = (
        "INSERT INTO audit_events (occurred_at, actor_id, action, entity_type, entity_id, "
        f"before, after) VALUES ({', '.join([mark] * 7)})"
    )
    outbox = (
        "INSERT INTO notifications (user_id, kind, booking_id, subject, body, payload, "
        "created_at, status, next_attempt_at, attempts) VALUES "
        f"({', '.join([mark] * 10)})"
    )

    connection = _driver_connection(db)
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        for n, (code, start) in enumerate(slots):
            end = start + timedelta(hours=1)
            cursor.execute("BEGIN IMMEDIATE" if sqlite else "BEGIN")
            cursor.execute(
                check,
                (
                    instrument_ids[code],
                    stamp(end),
                    stamp(start),
                    stamp(start - LONGEST_BOOKING),
                ),
            )
            if cursor.fetchone() is not None:
                raise AssertionError("the floor's slots must be free")
            cursor.execute(
                add,
                (
                    instrument_ids[code],
                    user_id,
                    user_id,
                    stamp(start),
                    stamp(end),
                    "confirmed",
                    "",
                    f"floor-{n}-{start.timestamp()}@bench",
                    0,
                    0,
                    0,
                    stamp(NOW),
                    stamp(NOW),
                ),
            )
            if three_rows:
                booking_id = cursor.lastrowid if sqlite else cursor.fetchone()[0]
                after = json.dumps({"starts_at": start.isoformat(), "ends_at": end.isoformat()})
                row = (stamp(NOW), user_id, "booking.create", "booking", str(booking_id))
                cursor.execute(audit, (*row, None, after))
                cursor.execute(
                    outbox,
                    (
                        user_id,
                        "booking_confirmed",
                        booking_id,
                        f"Booked: {code}",
                        f"Your booking {booking_id} on {code} is confirmed.",
                        None,
                        stamp(NOW),
                        "pending",
                        stamp(NOW),
                        0,
                    ),
                )
            cursor.execute("COMMIT")
        return len(slots) / (time.perf_counter() - started)
    finally:
        connection.close()


def _driver_connection(db: Database) -> Any:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        import sqlite3

        connection = sqlite3.connect(url.database or "", isolation_level=None)
        # The settings equipshare's engine gives every connection (equipshare/db/engine.py).
        for pragma in ("foreign_keys=ON", "busy_timeout=5000", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        return connection
    import psycopg

    return psycopg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
        autocommit=True,
    )


def run(options: BenchOptions) -> list[Figure]:
    figures = []
    count = 150 if options.quick else 1_000
    for engine, url in options.datasets.items():
        db = Database.connect(url)
        context = ServiceContext(db, FrozenClock(NOW), Settings().with_database_url(url))
        try:
            username, codes = _setup(db)
            ours, floors, one_row_floors = [], [], []
            for attempt in range(options.runs):
                base = NOW + timedelta(days=400 + 300 * attempt)
                floors.append(floor_rate(db, username, _slots(codes, count, base)))
                ours.append(
                    service_rate(
                        context, username, _slots(codes, count, base + timedelta(days=100))
                    )
                )
                one_row_floors.append(
                    floor_rate(
                        db,
                        username,
                        _slots(codes, count, base + timedelta(days=200)),
                        three_rows=False,
                    )
                )
            note = f"{count} bookings a run, median of {options.runs} runs"
            figures.append(
                Figure(
                    "booking creation",
                    f"{engine}: bookings a second, every rule checked",
                    statistics.median(ours),
                    "/s",
                    "raw check + booking, audit and outbox inserts",
                    statistics.median(floors),
                    target=5.0 if engine == "sqlite" else 3.0,
                    higher_is_better=True,
                    note=note,
                )
            )
            figures.append(
                Figure(
                    "booking creation",
                    f"{engine}: the same, against the one-row floor used before issue 22",
                    statistics.median(ours),
                    "/s",
                    "raw check + one insert",
                    statistics.median(one_row_floors),
                    higher_is_better=True,
                    note=note,
                )
            )
        finally:
            _cleanup(db)
            db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", required=True, help="a dataset from bench.generate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for figure in run(BenchOptions.for_url(args.db, quick=args.quick, runs=args.runs)):
        print(show(figure))


if __name__ == "__main__":
    main()

"""`equipshare check` on one instrument holding 100,000 bookings, as a ratio to one read of them.

Run: python -m bench.bench_check [--pg URL] [--bookings 100000] [--repeat 3]

Issue 17 found `check` joining bookings to themselves with no bound: 10,000 bookings on one
instrument took 6.7 s, 40,000 85 s, 99,000 599 s. Every overlap query is now one or two
bounded ranges of the (instrument, start) index per row (integrity.starts_within), so the
cost should grow with the bookings, not their square.

The demo is seeded, then `--bookings` back-to-back hour-long confirmed bookings (assisted by
a technician, so training does not matter) are bulk-inserted on one instrument, with a
weekly downtime over the span. The floor is one ordered read of that instrument's bookings
(`SELECT id, starts_at, ends_at ... ORDER BY starts_at`), in the same run. `check` also runs
the engine's own check (PRAGMA integrity_check on SQLite), series, access, approval and
orphan checks over the whole database, so its ratio includes all of that. `--pg` is a
PostgreSQL URL of an empty scratch database; it is emptied first.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from equipshare.config import Settings
from equipshare.db import migrate
from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import FacilityStaff, Instrument
from equipshare.demo.seeding import DemoService
from equipshare.domain.enums import BookingStatus, DowntimeReason
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.plumbing.context import ServiceContext

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
#: Far from the demo's bookings, so the instrument's new ones overlap nothing.
FIRST = datetime(2040, 1, 1, tzinfo=UTC)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def seed(url: str, bookings: int) -> tuple[Database, int]:
    """The demo, then `bookings` on its first instrument; the database and that instrument."""
    db = Database.connect(url)
    migrate.downgrade(db.engine, "base")
    migrate.upgrade(db.engine)
    context = ServiceContext(db, FrozenClock(NOW), Settings().with_database_url(url))
    DemoService(context).seed(seed=2026, admin_username="bench")
    with db.sessions.begin() as session:
        instrument_id, facility_id = session.execute(
            select(Instrument.id, Instrument.facility_id).order_by(Instrument.id).limit(1)
        ).one()
        technician = session.scalar(
            select(FacilityStaff.user_id).where(FacilityStaff.facility_id == facility_id).limit(1)
        )
        rows = []
        for n in range(bookings):
            starts = FIRST + timedelta(hours=n)
            # A downtime each week takes the week's Sunday-night hour: no booking is in it.
            if starts.weekday() == 6 and starts.hour == 23:
                continue
            rows.append(
                {
                    "instrument_id": instrument_id, "user_id": technician,
                    "created_by_id": technician, "technician_id": technician,
                    "starts_at": starts, "ends_at": starts + timedelta(hours=1),
                    "status": BookingStatus.CONFIRMED, "ical_uid": f"bench-check-{n}",
                    "sequence": 0, "created_at": NOW, "updated_at": NOW,
                }
            )  # fmt: skip
        for start in range(0, len(rows), 10_000):
            session.execute(insert(Booking), rows[start : start + 10_000])
        weeks = bookings // (24 * 7) + 1
        sunday = FIRST + timedelta(days=(6 - FIRST.weekday()) % 7, hours=23)
        session.execute(
            insert(Downtime),
            [
                {
                    "instrument_id": instrument_id, "starts_at": sunday + timedelta(weeks=w),
                    "ends_at": sunday + timedelta(weeks=w, hours=1),
                    "reason": DowntimeReason.MAINTENANCE, "description": "weekly",
                    "created_by_id": technician, "ical_uid": f"bench-check-down-{w}",
                    "created_at": NOW, "updated_at": NOW,
                }
                for w in range(weeks)
            ],
        )  # fmt: skip
    if db.backend == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return db, instrument_id


def measure(name: str, url: str, bookings: int, repeat: int) -> None:
    db, instrument_id = seed(url, bookings)
    try:
        context = ServiceContext(db, FrozenClock(NOW), Settings().with_database_url(url))
        service = IntegrityService(context)
        held = 0

        def floor() -> None:
            nonlocal held
            with db.readonly() as session:
                held = len(
                    session.execute(
                        select(Booking.id, Booking.starts_at, Booking.ends_at)
                        .where(Booking.instrument_id == instrument_id)
                        .order_by(Booking.starts_at)
                    ).all()
                )

        floor_s = best_of(repeat, floor)
        report = service.check()
        check_s = best_of(repeat, service.check)
        problems = len(report.problems)
        print(f"{name}: {held:,} bookings on one instrument, {problems} problems found")
        print(f"  floor  one ordered read of them: {floor_s * 1000:9.1f} ms  (1.0x)")
        print(
            f"  check  every invariant:          {check_s * 1000:9.1f} ms  "
            f"({check_s / floor_s:.1f}x)"
        )
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL URL of a scratch database to measure as well")
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure("sqlite", f"sqlite:///{Path(tmp) / 'check.db'}", args.bookings, args.repeat)
    if args.pg:
        measure("postgresql", args.pg, args.bookings, args.repeat)


if __name__ == "__main__":
    main()

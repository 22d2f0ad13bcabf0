"""How long `find_slots --category XPS --length 2h` takes on the demo, against a raw-SELECT floor.

Run: python -m bench.bench_find_slots [--pg URL] [--repeat 30]

The demo is seeded (once per engine) with the clock at NOW. The search runs as the
partner researcher trained on the most XPS instruments, over 14 days. The floor is the
three SELECTs the search cannot do without (the category's instruments with facility and
institution, their active bookings in the window, the user's training), sent as plain
SQL on the DBAPI connection: what the driver costs before any of equipshare's work.
Machines here are noisy, so compare the ratios, not the milliseconds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from equipshare.config import Settings
from equipshare.db import migrate
from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.models.training import TrainingRecord
from equipshare.demo.seeding import DemoService
from equipshare.domain.enums import Role, TrainingLevel
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.availability.search import AvailabilityService
from equipshare.services.plumbing.context import ServiceContext

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CATEGORY = "XPS"
LENGTH = timedelta(hours=2)
DAYS = 14


def best_of(repeat: int, run: Callable[[], object]) -> float:
    run()  # warm caches and compiled statements, as a long-running app would have them
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def seeded_context(url: str) -> ServiceContext:
    db = Database.connect(url)
    migrate.downgrade(db.engine, "base")
    migrate.upgrade(db.engine)
    context = ServiceContext(db, FrozenClock(NOW), Settings().with_database_url(url))
    DemoService(context).seed(seed=2026, admin_username="bench")
    return context


def partner_researcher(db: Database) -> tuple[int, str, str]:
    """The partner researcher independently trained on the most instruments of the category."""
    with db.readonly() as s:
        row = s.execute(
            select(User.id, User.username, Institution.code)
            .join(Institution, Institution.id == User.institution_id)
            .join(TrainingRecord, TrainingRecord.user_id == User.id)
            .join(Instrument, Instrument.id == TrainingRecord.instrument_id)
            .where(
                Institution.is_partner.is_(True),
                User.role == Role.RESEARCHER,
                TrainingRecord.level == TrainingLevel.INDEPENDENT,
                func.lower(Instrument.category) == CATEGORY.lower(),
            )
            .group_by(User.id, User.username, Institution.code)
            .order_by(func.count(func.distinct(Instrument.id)).desc(), User.username)
            .limit(1)
        ).one()
        return row[0], row[1], row[2]


def floor_selects(engine: Engine, user_id: int) -> Callable[[], None]:
    """The three raw SELECTs, in the driver's own paramstyle and datetime format."""
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"

    def stamp(instant: datetime) -> object:
        return instant.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else instant

    instruments_sql = (
        "SELECT i.*, f.*, n.* FROM instruments i JOIN facilities f ON f.id = i.facility_id "
        f"JOIN institutions n ON n.id = f.institution_id WHERE lower(i.category) = {mark}"
    )
    training_sql = (
        "SELECT instrument_id, trained_at, expires_at FROM training_records "
        f"WHERE user_id = {mark} AND level = 'independent' AND revoked_at IS NULL"
    )

    def run() -> None:
        conn = engine.raw_connection()
        try:
            cursor = conn.cursor()
            cursor.execute(instruments_sql, (CATEGORY.lower(),))
            ids = [row[0] for row in cursor.fetchall()]
            bookings_sql = (
                "SELECT instrument_id, starts_at, ends_at FROM bookings WHERE instrument_id IN "
                f"({', '.join([mark] * len(ids))}) AND status IN ('pending', 'confirmed') "
                f"AND starts_at < {mark} AND ends_at > {mark}"
            )
            cursor.execute(bookings_sql, (*ids, stamp(NOW + timedelta(days=DAYS)), stamp(NOW)))
            cursor.fetchall()
            cursor.execute(training_sql, (user_id,))
            cursor.fetchall()
            cursor.close()
            conn.rollback()
        finally:
            conn.close()

    return run


def report(name: str, context: ServiceContext, repeat: int) -> None:
    db = context.database
    user_id, username, institution = partner_researcher(db)
    service = AvailabilityService(context)

    def search() -> list[object]:
        return list(service.find_slots(username, category=CATEGORY, length=LENGTH, days=DAYS))

    slots = service.find_slots(username, category=CATEGORY, length=LENGTH, days=DAYS)
    with db.readonly() as s:
        instruments = s.scalar(
            select(func.count(Instrument.id)).where(
                func.lower(Instrument.category) == CATEGORY.lower()
            )
        )
        facilities = s.scalar(select(func.count(Facility.id)))
    floor = best_of(repeat, floor_selects(db.engine, user_id))
    found = best_of(repeat, search)
    print(
        f"{name}: {username} ({institution}); {instruments} {CATEGORY} instruments in "
        f"{facilities} facilities; {len(slots)} slots from "
        f"{len({s.institution_code for s in slots})} institutions"
    )
    print(f"  floor  three raw SELECTs:                 {floor * 1000:7.2f} ms  (1.0x)")
    print(
        f"  find_slots --category {CATEGORY} --length 2h: {found * 1000:7.2f} ms  "
        f"({found / floor:.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL URL of a scratch database to seed as well")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = {"sqlite": f"sqlite:///{Path(tmp) / 'slots.db'}"}
        if args.pg:
            targets["postgresql"] = args.pg
        for name, url in targets.items():
            context = seeded_context(url)
            try:
                report(name, context, args.repeat)
            finally:
                context.close()


if __name__ == "__main__":
    main()

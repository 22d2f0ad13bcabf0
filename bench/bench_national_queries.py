"""Availability search and the impact reports on the national dataset, against raw-SQL floors.

Run: python -m bench.bench_national_queries --db URL [--quick]

Availability: `find_slots` for one category across every institution, 14 days ahead, as
many different trained researchers; p50 and p95 against a floor of three raw SELECTs: the
category's instruments, all their active bookings in the window, the user's training. The
search now reads fewer rows than that (eligible instruments first, earliest-possible first,
stopping once nothing later can change the answer), so a ratio below 1 is possible and
fine. Target: p95 under 50 ms.

Reports: the sharing matrix and utilisation per instrument over the last twelve full
months, against a floor of one GROUP BY over the same bookings (count per instrument).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bench.support.harness import BenchOptions, DriverStyle, Figure, median_time, percentile, show
from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Instrument, User
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import Role
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.availability.search import AvailabilityService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.reports.impact import ReportService

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CATEGORY = "SEM"
LENGTH = timedelta(hours=2)
DAYS = 14


def _searchers(db: Database, count: int) -> list[tuple[int, str]]:
    """Researchers trained on at least one instrument of the category, spread over the ids."""
    with db.readonly() as s:
        rows = s.execute(
            select(User.id, User.username)
            .join(TrainingRecord, TrainingRecord.user_id == User.id)
            .join(Instrument, Instrument.id == TrainingRecord.instrument_id)
            .where(Instrument.category == CATEGORY, User.role == Role.RESEARCHER)
            .group_by(User.id, User.username)
            .order_by(User.id)
        ).all()
    step = max(1, len(rows) // count)
    return [(row[0], row[1]) for row in rows[::step][:count]]


def _floor(db: Database, user_id: int) -> Callable[[], None]:
    """The category's instruments, their active bookings in the window, the user's training."""
    style = DriverStyle.of(db.engine.dialect.name)
    mark, stamp = style.mark, style.stamp

    def run() -> None:
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(
                "SELECT i.id, i.facility_id, f.institution_id FROM instruments i "
                f"JOIN facilities f ON f.id = i.facility_id WHERE i.category = {mark}",
                (CATEGORY,),
            )
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT instrument_id, starts_at, ends_at FROM bookings WHERE instrument_id IN "
                f"({', '.join([mark] * len(ids))}) AND status IN ('pending', 'confirmed') "
                f"AND starts_at < {mark} AND ends_at > {mark}",
                (*ids, stamp(NOW + timedelta(days=DAYS)), stamp(NOW)),
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT instrument_id, expires_at FROM training_records "
                f"WHERE user_id = {mark} AND revoked_at IS NULL",
                (user_id,),
            )
            cursor.fetchall()
            connection.rollback()
        finally:
            connection.close()

    return run


def availability(engine: str, context: ServiceContext, quick: bool) -> list[Figure]:
    db = context.database
    searchers = _searchers(db, 8 if quick else 40)
    if not searchers:
        return []
    service = AvailabilityService(context)
    searches, floors = [], []
    for user_id, username in searchers:
        service.find_slots(username, category=CATEGORY, length=LENGTH, days=DAYS)  # warm
        started = time.perf_counter()
        service.find_slots(username, category=CATEGORY, length=LENGTH, days=DAYS)
        searches.append(time.perf_counter() - started)
        floors.append(median_time(3, _floor(db, user_id)))
    with db.readonly() as s:
        count = s.scalar(select(func.count()).where(Instrument.category == CATEGORY))
    floor = statistics.median(floors)
    note = f"{count:,} {CATEGORY} instruments, {len(searchers)} researchers, 14 days"
    return [
        Figure(
            "availability search",
            f"{engine}: find_slots p50",
            statistics.median(searches) * 1000,
            "ms",
            "three raw SELECTs",
            floor * 1000,
            note=note,
        ),
        Figure(
            "availability search",
            f"{engine}: find_slots p95",
            percentile(searches, 0.95) * 1000,
            "ms",
            note=note,
            target=50.0,
        ),
    ]


def _report_floor(db: Database, first: datetime, last: datetime) -> Callable[[], None]:
    style = DriverStyle.of(db.engine.dialect.name)
    mark, stamp = style.mark, style.stamp

    def run() -> None:
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(
                "SELECT instrument_id, count(*) FROM bookings "
                f"WHERE starts_at >= {mark} AND starts_at < {mark} GROUP BY instrument_id",
                (stamp(first), stamp(last)),
            )
            cursor.fetchall()
            connection.rollback()
        finally:
            connection.close()

    return run


def reports(engine: str, context: ServiceContext, runs: int) -> list[Figure]:
    service = ReportService(context)
    with context.database.readonly() as s:
        admin = s.scalar(select(User.username).where(User.role == Role.ADMIN).order_by(User.id))
    assert admin is not None
    this_month = NOW.date().replace(day=1)
    year_ago = date(this_month.year - 1, this_month.month, 1)
    period = service.period(year_ago, this_month - timedelta(days=1))
    floor = 1000 * median_time(
        runs, _report_floor(context.database, period.starts_at, period.ends_at)
    )
    sharing = 1000 * median_time(runs, lambda: service.sharing(admin, period))
    utilisation = 1000 * median_time(runs, lambda: service.utilisation(admin, period))
    note = f"{period.first_day:%Y-%m-%d} to {period.last_day:%Y-%m-%d}"
    return [
        Figure(
            "reports",
            f"{engine}: sharing matrix, one year",
            sharing,
            "ms",
            "one GROUP BY count",
            floor,
            note=note,
        ),
        Figure(
            "reports",
            f"{engine}: utilisation per instrument, one year",
            utilisation,
            "ms",
            "one GROUP BY count",
            floor,
            note=note,
        ),
    ]


def run(options: BenchOptions) -> list[Figure]:
    figures: list[Figure] = []
    for engine, url in options.datasets.items():
        db = Database.connect(url)
        context = ServiceContext(db, FrozenClock(NOW), Settings().with_database_url(url))
        try:
            figures += availability(engine, context, options.quick)
            figures += reports(engine, context, max(1, options.runs))
        finally:
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

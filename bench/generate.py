"""Write the synthetic national dataset into SQLite or PostgreSQL, quickly.

Run: python -m bench.generate --scale 0.01 [--db URL] [--seed 2026] [--reset]

At scale 1: 160 institutions, 50,000 instruments, 230,000 users and about 5 million
bookings over three years. Rows go in by the engine's bulk path (sqlite3 executemany with
the secondary indexes dropped and rebuilt after; PostgreSQL COPY), in one transaction,
never through the ORM one row at a time. The same scale and seed give the same data, which
`equipshare check` passes; the booking roll-ups are rebuilt once at the end, by the code
`equipshare check --repair` runs, so the report benchmarks find them filled.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Index, func, select, text

from bench.national.bookings import (
    BOOKING_COLUMNS,
    BOOKING_TIMES,
    DOWNTIME_COLUMNS,
    TRAINING_COLUMNS,
    WAITLIST_COLUMNS,
    UsagePlanner,
    first_day,
)
from bench.national.people import plan_nation
from equipshare.db import migrate, rollups, tables
from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Institution

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CHUNK = 20_000
#: The tiny scale of `python -m bench --quick` (and of the test that checks the data's rules).
QUICK_SCALE = 0.002
BULK_TABLES = (
    "bookings",
    "downtimes",
    "training_records",
    "waitlist_entries",
    "opening_hours",
    "rate_cards",
)


@dataclass(frozen=True)
class Generated:
    """What a run wrote, for the benchmark report."""

    scale: float
    counts: dict[str, int]
    seconds: float
    rollup_seconds: float  # of `seconds`, rebuilding the booking roll-ups at the end


class TimeFormat:
    """Epoch minutes to the text each engine stores, with the day part cached."""

    def __init__(self, postgres: bool) -> None:
        self._suffix = "+00" if postgres else ".000000"
        self._days: dict[int, str] = {}

    def __call__(self, minutes: int | None) -> str | None:
        if minutes is None:
            return None
        day, minute = divmod(minutes, 1440)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = f"{date(1970, 1, 1) + timedelta(days=day):%Y-%m-%d} "
            self._days[day] = prefix
        return f"{prefix}{minute // 60:02d}:{minute % 60:02d}:00{self._suffix}"


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def generate(
    url: str,
    scale: float,
    seed: int = 2026,
    *,
    reset: bool = False,
    now: datetime = NOW,
    say: Callable[[str], None] = print,
) -> Generated:
    """Fill the database at `url` (migrated here) with the dataset for `scale`."""
    started = time.perf_counter()
    database = Database.connect(url, create=True)
    try:
        if reset:
            migrate.downgrade(database.engine, "base")
        migrate.upgrade(database.engine)
        with database.readonly() as session:
            if session.query(Institution.id).limit(1).first() is not None:
                raise SystemExit(f"{url} already holds data; pass --reset to replace it")
        rng = random.Random(seed)
        history = first_day(now) - timedelta(days=60)
        nation = plan_nation(rng, scale, now - timedelta(days=1200), history)
        planner = UsagePlanner(rng, nation, round(5_000_000 * scale), now)
        postgres = database.engine.dialect.name == "postgresql"
        when = TimeFormat(postgres)
        counts: dict[str, int] = {}
        raw = database.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if not postgres:
                cursor.execute("PRAGMA synchronous=OFF")
            dropped = [] if postgres else _drop_indexes(cursor)
            for table in (
                "institutions",
                "users",
                "facilities",
                "facility_staff",
                "instruments",
                "opening_hours",
                "rate_cards",
            ):
                plain = ([_plain(v) for v in row] for row in nation.rows[table])
                counts[table] = _write(cursor, postgres, table, nation.columns[table], plain)
                say(f"  {table}: {counts[table]:,}")
            times = [i for i, name in enumerate(BOOKING_COLUMNS) if name in BOOKING_TIMES]
            counts["bookings"] = _write(
                cursor,
                postgres,
                "bookings",
                BOOKING_COLUMNS,
                _formatted(planner.bookings(), times, when),
                progress=say,
            )
            say(f"  bookings: {counts['bookings']:,}")
            for table, columns, rows, positions in (
                ("downtimes", DOWNTIME_COLUMNS, planner.usage.downtimes, (2, 3, 9, 10)),
                ("training_records", TRAINING_COLUMNS, planner.usage.training, (5,)),
                ("waitlist_entries", WAITLIST_COLUMNS, planner.usage.waitlist, (3, 4, 6)),
            ):
                counts[table] = _write(
                    cursor, postgres, table, columns, _formatted(iter(rows), positions, when)
                )
                say(f"  {table}: {counts[table]:,}")
            for statement in dropped:
                cursor.execute(statement)
            raw.commit()
        finally:
            raw.close()
        with database.engine.begin() as conn:
            rolled = time.perf_counter()
            # COPY and executemany went past the roll-up's listener: rebuild it whole, by the
            # code `equipshare check --repair` runs, so the report benchmarks find it filled.
            rollups.settle(conn)
            rollup_seconds = time.perf_counter() - rolled
            counts["booking_rollups"] = conn.execute(
                select(func.count()).select_from(rollups.ROLLUPS)
            ).scalar_one()
            say(
                f"  booking roll-ups: {counts['booking_rollups']:,} rebuilt from the "
                f"bookings in {rollup_seconds:.1f} s"
            )
            if postgres:
                for table in counts:
                    if "id" in tables.metadata.tables[table].c:
                        conn.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{table}', "
                                f"'id'), (SELECT MAX(id) FROM {table}))"
                            )
                        )
            if not postgres:
                conn.execute(text("ANALYZE"))
        if postgres:  # as autovacuum would soon: statistics, and the visibility map that
            # index-only scans need (VACUUM cannot run inside a transaction)
            with database.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM (ANALYZE)")
                )
    finally:
        database.dispose()
    return Generated(scale, counts, time.perf_counter() - started, rollup_seconds)


def _formatted(
    rows: Iterator[tuple[object, ...]], positions: Iterable[int], when: TimeFormat
) -> Iterator[list[object]]:
    positions = tuple(positions)
    for row in rows:
        values = list(row)
        for position in positions:
            values[position] = when(values[position])  # type: ignore[arg-type]
        yield values


def _drop_indexes(cursor: Any) -> list[str]:
    """Drop the plain secondary indexes of the big tables; returns the SQL to rebuild them."""
    rebuild = []
    for name in BULK_TABLES:
        for index in tables.metadata.tables[name].indexes:
            if isinstance(index, Index) and not index.unique:
                sql = cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                    (index.name,),
                ).fetchone()
                if sql and sql[0]:
                    rebuild.append(sql[0])
                    cursor.execute(f"DROP INDEX {index.name}")
    return rebuild


def _write(
    cursor: Any,
    postgres: bool,
    table: str,
    columns: tuple[str, ...],
    rows: Iterable[Iterable[object]],
    progress: Callable[[str], None] | None = None,
) -> int:
    """Insert `rows` by the engine's bulk path; returns how many."""
    written = 0
    if postgres:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
                if progress and written % 500_000 == 0:
                    progress(f"    {table}: {written:,}")
        return written
    statement = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        cursor.executemany(statement, chunk)
        written += len(chunk)
        if progress and written % 500_000 < CHUNK:
            progress(f"    {table}: {written:,}")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scale", type=float, default=0.01, help="1 = national (default 0.01)")
    parser.add_argument("--db", help="database URL (default: sqlite:///bench-national-SCALE.db)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reset", action="store_true", help="wipe the database first")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be above 0")
    url = args.db or f"sqlite:///bench-national-{args.scale:g}.db"
    print(f"generating scale {args.scale:g} into {url}", file=sys.stderr)
    result = generate(
        url, args.scale, args.seed, reset=args.reset, say=lambda line: print(line, file=sys.stderr)
    )
    total = sum(result.counts.values())
    print(
        f"wrote {total:,} rows in {result.seconds:.1f} s ({result.counts['bookings']:,} "
        f"bookings; roll-ups rebuilt in {result.rollup_seconds:.1f} s)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

"""How long the demo seed takes, as a ratio to a raw-insert floor measured in the same run.

Run: python -m bench.bench_demo_seed [--pg URL] [--repeat 3]

The floor is plain sqlite3 executemany of the same number of booking-shaped rows into a
table with no indexes or constraints: what the disk and the driver cost before any of
equipshare's work. Machines here are noisy, so compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from equipshare.config import Settings
from equipshare.db import migrate
from equipshare.db.engine import Database
from equipshare.demo.seeding import DemoService, plan_demo
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.plumbing.context import ServiceContext

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def floor_insert(rows: int, workdir: Path) -> Callable[[], None]:
    def run() -> None:
        path = workdir / "floor.db"
        path.unlink(missing_ok=True)
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE b (a, b, c, d, e, f, g, h, i, j, k, l)")
        row = (
            1,
            2,
            3,
            "2026-11-23 09:00:00",
            "2026-11-23 10:00:00",
            "confirmed",
            "purpose",
            "EP/X000000/1",
            "uid",
            0,
            "2026-11-01 00:00:00",
            "2026-11-01 00:00:00",
        )
        with conn:
            conn.executemany("INSERT INTO b VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", [row] * rows)
        conn.close()

    return run


def seed_into(url_factory: Callable[[], str]) -> Callable[[], None]:
    def run() -> None:
        url = url_factory()
        db = Database.connect(url)
        try:
            migrate.downgrade(db.engine, "base")
            migrate.upgrade(db.engine)
            context = ServiceContext(db, FrozenClock(NOW), Settings().with_database_url(url))
            started = time.perf_counter()
            DemoService(context).seed(seed=2026, admin_username="bench")
            run.last_seed = time.perf_counter() - started  # type: ignore[attr-defined]
        finally:
            db.dispose()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL URL of a scratch database to seed as well")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    plan = plan_demo(2026, NOW, "bench")
    bookings = plan.summary.bookings
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        floor = best_of(args.repeat, floor_insert(bookings, workdir))
        planning = best_of(args.repeat, lambda: plan_demo(2026, NOW, "bench"))
        print(
            f"rows: {bookings:,} bookings (+ {plan.summary.users} users, "
            f"{plan.summary.instruments} instruments, {plan.summary.training_records:,} training)"
        )
        print(f"floor  raw sqlite3 insert of {bookings:,} rows: {floor * 1000:8.1f} ms  (1.0x)")
        print(
            f"plan   in-memory demo plan:            {planning * 1000:8.1f} ms  "
            f"({planning / floor:.1f}x)"
        )
        targets = {"sqlite": lambda: f"sqlite:///{workdir / 'seed.db'}"}
        if args.pg:
            targets["postgresql"] = lambda: args.pg
        for name, factory in targets.items():
            runner = seed_into(factory)
            seeds = []
            for _ in range(args.repeat):
                runner()
                seeds.append(runner.last_seed)  # type: ignore[attr-defined]
            seed = min(seeds)
            print(
                f"seed   {name:<10} plan + insert, one txn: {seed * 1000:8.1f} ms  "
                f"({seed / floor:.1f}x)"
            )


if __name__ == "__main__":
    main()

"""TUI responsiveness for `python -m bench`: start-up, catalogue search and the week calendar.

Run: python -m bench.bench_tui --db URL [--runs 3] [--quick] [--only startup|week|search ...]

- Start-up (bench_tui_startup), on each dataset: `equipshare tui --db URL` launched in a
  pseudo-terminal until the first catalogue row is drawn, against a hello-world Textual
  app launched the same way and interleaved with it; and both in-process with run_test().
- Catalogue search (bench_tui_search): each keystroke to the first painted frame with
  the refilled table, on the demo grown to 50,000 instruments (2,000 in quick mode) in a
  temporary SQLite file, against the same keys typed into a one-Input app.
- Week calendar, on each dataset: the real app under Pilot (120x40), from opening the
  week screen of the instrument with the most bookings in the dataset's current week to
  the first painted frame of its filled grid. The floor is the same app opening the
  week of an instrument with nothing booked that week: the same screen, load and paint
  with no entries, so the ratio is what the bookings cost. Runs alternate the two.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import bench_tui_search as search
from bench import bench_tui_startup as startup
from bench.national.catalogue import grow_catalogue, seeded_context
from bench.support.frame_watch import FrameWatch
from bench.support.harness import BenchOptions, Figure, show
from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument, User
from equipshare.domain.enums import ACTIVE_BOOKING_STATUSES, Role
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.week import WeekScreen
from equipshare.tui.widgets.week_grid import WeekGrid

BENCHMARK = "TUI"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # bench.generate's "now", a Monday
SIZE = (120, 40)
SEARCH_INSTRUMENTS = 50_000
SEARCH_TARGET_MS = 50.0


def _context(url: str) -> ServiceContext:
    return ServiceContext(
        Database.connect(url), FrozenClock(NOW), Settings().with_database_url(url)
    )


def _admin(context: ServiceContext) -> str:
    with context.database.readonly() as s:
        admin = s.scalar(select(User.username).where(User.role == Role.ADMIN).order_by(User.id))
    assert admin is not None, "the dataset has no admin"
    return admin


# Start-up --------------------------------------------------------------------------------


def startup_figures(engine: str, url: str, runs: int, warm: bool) -> list[Figure]:
    context = _context(url)
    try:
        t = startup.measure(context, url, _admin(context), runs, warm)
    finally:
        context.close()
    pty_floor = "hello-world App in a pty"
    in_floor = "hello-world App, run_test()"
    return [
        Figure(
            BENCHMARK, f"{engine}: equipshare tui, first catalogue rows", 1000 * t.rows, "ms",
            pty_floor, 1000 * t.hello, target=startup.TARGET,
            note=f"spawn to first row in a {SIZE[0]}x{SIZE[1]} pseudo-terminal",
        ),
        Figure(
            BENCHMARK, f"{engine}: hello-world App + import sqlalchemy.orm", 1000 * t.orm_hello,
            "ms", pty_floor, 1000 * t.hello, note="what the ORM's import alone costs",
        ),
        Figure(
            BENCHMARK, f"{engine}: EquipshareApp in-process, first catalogue rows",
            1000 * t.in_rows, "ms", in_floor, 1000 * t.in_hello, note="imports excluded",
        ),
    ]  # fmt: skip


# Catalogue search ------------------------------------------------------------------------


def search_figures(instruments: int, quick: bool, runs: int) -> list[Figure]:
    query = "xps" if quick else "confocal"
    plan = search.Plan(keys=search.keys_for(query), runs=runs, warm=not quick, service_repeat=1)
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'search.db'}"
        context = seeded_context(url, FrozenClock(NOW), search.ADMIN, bookings=not quick)
        try:
            count = grow_catalogue(context, instruments)
            result = search.measure(context, plan)
        finally:
            context.close()
    verdict = "met" if result.net * 1000 < SEARCH_TARGET_MS else "missed"
    return [
        Figure(
            BENCHMARK, "sqlite: catalogue search, key to repainted table minus debounce",
            1000 * result.net, "ms", "key to repaint, one-Input app", 1000 * result.floor,
            note=f"{count:,} instruments (demo grown), typing {query!r} and deleting it; "
            f"debounce {result.debounce * 1000:.0f} ms subtracted; slowest key "
            f"{result.slowest * 1000:.1f} ms; target < {SEARCH_TARGET_MS:.0f} ms a key: {verdict}",
        ),
    ]  # fmt: skip


# Week calendar ---------------------------------------------------------------------------


def week_instruments(context: ServiceContext) -> tuple[tuple[str, int], str]:
    """(code, bookings) of the busiest instrument in NOW's week, and an instrument with none."""
    monday = NOW.replace(hour=0, minute=0) - timedelta(days=NOW.weekday())
    # A day's margin either side covers every facility's zone; the screen shows its own.
    start, end = monday - timedelta(days=1), monday + timedelta(days=8)
    with context.database.readonly() as s:
        counts = (
            select(Booking.instrument_id, func.count().label("n"))
            .where(
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.starts_at < end,
                Booking.ends_at > start,
            )
            .group_by(Booking.instrument_id)
            .subquery()
        )
        busiest = s.execute(
            select(Instrument.code, counts.c.n)
            .join(counts, counts.c.instrument_id == Instrument.id)
            .order_by(counts.c.n.desc(), Instrument.code)
            .limit(1)
        ).one()
        empty = s.scalar(
            select(Instrument.code)
            .outerjoin(counts, counts.c.instrument_id == Instrument.id)
            .where(counts.c.n.is_(None))
            .order_by(Instrument.code)
            .limit(1)
        )
    assert empty is not None, "every instrument is booked this week"
    return (busiest[0], int(busiest[1])), empty


def _week_painted(code: str) -> Any:
    def painted(app: Any) -> bool:
        screen = app.screen
        return (
            isinstance(screen, WeekScreen)
            and screen.code == code
            and screen.loaded
            and bool(screen.query_one(WeekGrid).cells)
        )

    return painted


async def week_renders(
    context: ServiceContext, actor: str, codes: list[str], runs: int, warm: bool
) -> dict[str, tuple[list[float], int]]:
    """Seconds from open_week to the painted grid, per code; and the entries each showed."""
    watch = FrameWatch()
    app = watch.attach(EquipshareApp(context, actor))
    times: dict[str, tuple[list[float], int]] = {code: ([], 0) for code in codes}
    async with app.run_test(size=SIZE) as pilot:
        watch.arm(startup.catalogue_shown)
        await watch.wait()
        await app.workers.wait_for_complete()
        for run in range(-1 if warm else 0, runs):  # pass -1 warms caches
            for code in codes if run % 2 == 0 else codes[::-1]:  # neither always goes first
                watch.arm(_week_painted(code))
                started = time.perf_counter()
                app.open_week(code)
                elapsed = await watch.wait() - started
                screen = app.screen
                assert isinstance(screen, WeekScreen) and screen.view is not None
                if run >= 0:
                    times[code][0].append(elapsed)
                    times[code] = (times[code][0], len(screen.view.entries))
                await app.pop_screen()
                await app.workers.wait_for_complete()
                await pilot.pause()
    return times


def week_figures(engine: str, url: str, runs: int, warm: bool) -> list[Figure]:
    context = _context(url)
    try:
        (busy, booked), empty = week_instruments(context)
        found = asyncio.run(week_renders(context, _admin(context), [busy, empty], runs, warm))
    finally:
        context.close()
    busy_times, entries = found[busy]
    empty_times, empty_entries = found[empty]
    return [
        Figure(
            BENCHMARK, f"{engine}: week calendar, busiest instrument",
            1000 * statistics.median(busy_times), "ms", "the same screen, an empty week",
            1000 * statistics.median(empty_times),
            note=f"{busy}: {entries} entries in the week of {NOW:%d %b %Y} ({booked} bookings "
            f"near it); floor {empty} with {empty_entries}; open_week to the painted grid",
        ),
    ]  # fmt: skip


PARTS = ("startup", "week", "search")


def run(options: BenchOptions, parts: tuple[str, ...] = PARTS) -> list[Figure]:
    runs = options.runs
    warm = not options.quick
    figures: list[Figure] = []
    for engine, url in options.datasets.items():
        if "startup" in parts:
            figures += startup_figures(engine, url, runs, warm)
        if "week" in parts:
            # Always one untimed pass: the first open imports the week screen and its modals.
            figures += week_figures(engine, url, runs if options.quick else max(5, runs), True)
    if "search" in parts:
        instruments = 2_000 if options.quick else SEARCH_INSTRUMENTS
        figures += search_figures(instruments, options.quick, runs)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", required=True, help="a dataset from bench.generate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="run only these figures (repeatable), e.g. --only startup for the start-up figures",
    )
    args = parser.parse_args()
    url = args.db
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):  # a relative path
        url = f"sqlite:///{Path(url.removeprefix('sqlite:///')).resolve()}"
    options = BenchOptions.for_url(url, quick=args.quick, runs=1 if args.quick else args.runs)
    for figure in run(options, tuple(args.only or PARTS)):
        print(show(figure), f"[{figure.note}]")


if __name__ == "__main__":
    main()

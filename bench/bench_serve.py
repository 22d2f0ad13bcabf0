"""The app served in the browser: sign-in to painted catalogue, memory per session, sessions held.

Run: python -m bench.bench_serve [--quick] [--runs 5] [--levels 10,25,50,75,100,125]
     [--rounds 6] [--db URL] [--record]

The demo is seeded into a temporary SQLite file (or into --db, a scratch database: it is
wiped), and `equipshare serve` started on it in a process of its own, signing people in
by a trusted proxy's header from 127.0.0.1 (bench/serve/process.py). Then:

1. Sign-in to painted catalogue: a headless Chromium opens /sign-in as a different demo
   person each run and waits until their first catalogue row has arrived and been drawn
   (bench/serve/browser.py). The floor, interleaved with it in the same run, is the same
   person's `equipshare tui` launched in a pseudo-terminal until that row is drawn
   (bench_tui_startup's method): the served start also spawns one app process, so the
   ratio is what the browser, the websocket and the server add. Between the two, the
   websocket client below signs the same person in alone, to the catalogue's frame: the
   server and the app without the page.
2. Memory per live session and 3. sessions held: a websocket client (bench/serve/sessions.py)
   opens sessions as other demo people, a level at a time (1 first: the floor), and at each
   level every session presses a key that moves the catalogue's cursor, one after another
   spread over a second, --rounds times; each key is timed to the first frame back. Then
   each app process's Rss and Pss (/proc/<pid>/smaps_rollup) and the server's are read.
   A level is held when every session's slowest key took under 100 ms. The ramp stops
   after a level whose p95 passes 500 ms.

Other processes share this machine; the load average is printed with every level.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from bench import bench_tui_startup as startup
from bench.national.catalogue import seeded_context, stamp
from bench.serve.browser import Browser
from bench.serve.figures import (
    BENCHMARK,
    LEVEL_HEADER,
    LEVELS,
    QUICK_LEVELS,
    Measured,
    Plan,
    Starts,
    figures,
    level_line,
    section_notes,
)
from bench.serve.process import Memory, ServeProcess, memory_of, running_server
from bench.serve.sessions import Person, RampPlan, lone_start, ramp
from bench.support.harness import BenchOptions, Figure, show
from equipshare.db.models.catalogue import User
from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.domain.time.clock import SystemClock
from equipshare.services.catalogue.search import CatalogueService
from equipshare.services.plumbing.context import ServiceContext

ADMIN = "bench"


def people(context: ServiceContext, count: int) -> list[Person]:
    """`count` active demo people with an email, each with the first row of their catalogue."""
    with context.database.readonly() as s:
        rows = s.execute(
            select(User.username, User.email)
            .where(User.active.is_(True), User.email.is_not(None), User.username != ADMIN)
            .order_by(User.username)
            .limit(count)
        ).all()
    if len(rows) < count:
        raise ValueError(
            f"the benchmark needs {count} people with an email; the demo has {len(rows)}"
        )
    catalogue = CatalogueService(context)
    return [
        Person(
            username, str(email), catalogue.page(username, CatalogueQuery(), limit=1).rows[0].code
        )
        for username, email in rows
    ]


def lone_start_in_thread(base: str, person: Person) -> float:
    """`lone_start` on a loop of its own: Playwright's sync API holds this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(lone_start(base, person))).result()


def sign_in_starts(
    server: ServeProcess, url: str, workdir: Path, chosen: Sequence[Person], plan: Plan
) -> Starts:
    """Each person signed in through Chromium, then by the websocket client, then their
    `equipshare tui` launched in a pty, one after another."""
    tui_argv = [sys.executable, "-m", "equipshare", "tui", "--db", url]
    tui_home = workdir / "tui"
    tui_home.mkdir(exist_ok=True)
    browser = Browser()
    starts = Starts([], [], [])
    try:
        for index, person in enumerate(chosen):
            served = browser.start(server.base, person)
            server.wait_for_apps(0)  # the closed page's app has been reaped
            client = lone_start_in_thread(server.base, person)
            server.wait_for_apps(0)
            env = startup.child_environment(tui_home, person.username)
            local = startup.pty_launch(tui_argv, [person.first_code], env, tui_home)[0]
            if index > 0 or not plan.warm:  # the first person only warms caches
                starts.browser.append(served)
                starts.client.append(client)
                starts.tui.append(local)
    finally:
        browser.close()
    return starts


def measure(url: str, plan: Plan, say: Callable[[str], None]) -> Measured:
    warm = 1 if plan.warm else 0
    levels = sorted({1, *plan.levels})
    load_before = os.getloadavg()
    say(f"seeding the demo into {url}")
    context = seeded_context(url, SystemClock(), ADMIN, bookings=plan.bookings)
    try:
        everyone = people(context, plan.runs + warm + max(levels))
    finally:
        context.close()
    chosen, rest = everyone[: plan.runs + warm], everyone[plan.runs + warm :]
    with (
        tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp,
        running_server(url, Path(tmp), max_sessions=len(everyone) + 10) as server,
    ):
        say(f"serving on {server.base}; {plan.runs} browser and local starts")
        try:
            starts = sign_in_starts(server, url, Path(tmp), chosen, plan)
            server.wait_for_apps(0)
            idle = server.memory()
            found = asyncio.run(ramp(server.base, rest, ramp_plan(server, idle, levels, plan, say)))
        except Exception as exc:  # an app that would not start says why in the server's log
            raise RuntimeError(f"{exc}\nthe server's log ends:\n{server.problems()}") from exc
    return Measured(starts, idle, found, load_before, os.getloadavg())


def ramp_plan(
    server: ServeProcess, idle: Memory, levels: list[int], plan: Plan, say: Callable[[str], None]
) -> RampPlan:
    def measure_memory() -> tuple[list[Memory], Memory]:
        apps = [m for m in map(memory_of, server.app_pids()) if m is not None]
        return apps, server.memory()

    say(f"ramp: {', '.join(map(str, levels))} sessions, {plan.rounds} keys each a level")
    say(LEVEL_HEADER)
    return RampPlan(
        levels,
        rounds=plan.rounds,
        on_level=lambda level: say(level_line(level, idle)),
        measure_memory=measure_memory,
        apps_cpu_seconds=server.apps_cpu_seconds,
    )


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """SIGTERM raises SystemExit, so the server and every app it started are still stopped."""

    def leave(_signal: int, _frame: object) -> None:
        raise SystemExit(128 + signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(options: BenchOptions) -> list[Figure]:
    """For `python -m bench`: the demo in a temporary SQLite file, whatever the datasets."""
    quick = options.quick
    plan = Plan(
        runs=options.runs if quick else max(5, options.runs),
        warm=not quick,
        levels=QUICK_LEVELS if quick else LEVELS,
        rounds=2 if quick else Plan.rounds,
        bookings=not quick,
    )
    with terminate_cleanly(), tempfile.TemporaryDirectory(prefix="bench-serve-db-") as tmp:
        measured = measure(f"sqlite:///{Path(tmp) / 'demo.db'}", plan, _say)
    return figures(measured, "demo on SQLite")


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="browser and local starts (median)")
    parser.add_argument("--levels", help=f"sessions at each step (default {LEVELS})")
    parser.add_argument("--rounds", type=int, default=6, help="keys per session per level")
    parser.add_argument("--db", help="a scratch database to seed the demo into (it is wiped)")
    parser.add_argument("--quick", action="store_true", help="smoke mode: 1 run, 2 and 4 sessions")
    parser.add_argument(
        "--record", action="store_true", help="keep the figures as a section of bench/RESULTS.md"
    )
    args = parser.parse_args()
    levels: tuple[int, ...] = QUICK_LEVELS if args.quick else LEVELS
    if args.levels:
        levels = tuple(int(n) for n in args.levels.split(","))
    plan = Plan(
        runs=1 if args.quick else max(1, args.runs),
        warm=not args.quick,
        levels=levels,
        rounds=2 if args.quick else max(1, args.rounds),
        bookings=not args.quick,
    )
    started = time.perf_counter()
    with terminate_cleanly(), tempfile.TemporaryDirectory(prefix="bench-serve-db-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'demo.db'}"
        engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        measured = measure(url, plan, _say)
    found = figures(measured, f"demo on {engine}")
    print(f"served app, {stamp()}: demo on {engine}{' (quick)' if args.quick else ''}")
    for figure in found:
        print(show(figure), f"[{figure.note}]")
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.record:
        from bench.support.results import record_section

        command = "python -m bench.bench_serve " + " ".join(sys.argv[1:])
        notes = section_notes(measured, plan)
        record_section(Path(__file__).resolve().parent, BENCHMARK, command.strip(), found, notes)


if __name__ == "__main__":
    main()

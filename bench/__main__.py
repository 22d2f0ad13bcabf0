"""Run every benchmark and write bench/RESULTS.md (for people) and bench/results.json.

Run: python -m bench [--quick] [--db URL ...] [--scale 0.01] [--runs 3] [--out DIR]

Without --db the national dataset is generated (or reused) as a SQLite file under
bench/data/ at --scale; each --db names a dataset of its own engine (an empty database is
generated into at --scale first). --quick makes a tiny dataset and few runs: it checks
that everything still runs, and its figures mean little.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.support.growth import kept_scales
from bench.support.harness import BenchOptions, Figure, show
from bench.support.results import carried_sections, read_previous, results_document, write_results
from equipshare.db import migrate
from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Institution, Instrument, User

HERE = Path(__file__).resolve().parent
#: name -> module with `run(options) -> list[Figure]`, in the order the report lists them.
BENCHMARKS = {
    "booking": "bench.bench_booking_rate",
    "racing": "bench.bench_racing",
    "queries": "bench.bench_national_queries",
    "feeds": "bench.bench_feeds",
    "tui": "bench.bench_tui",
    "imports": "bench.bench_imports",
    "serve": "bench.bench_serve",
}


def dataset(url: str | None, scale: float, say: Callable[[str], None]) -> str:
    """The URL of a generated dataset: reused when it holds data, generated when empty."""
    from bench.generate import generate

    if url is None:
        folder = HERE / "data"
        folder.mkdir(exist_ok=True)
        url = f"sqlite:///{folder / f'national-{scale:g}.db'}"
    database = Database.connect(url, create=True)
    try:
        with database.readonly() as session:
            filled = session.scalar(select(Institution.id).limit(1)) is not None
    except Exception:  # an empty database has no tables yet
        filled = False
    finally:
        database.dispose()
    if not filled:
        say(f"generating the scale {scale:g} dataset into {url}")
        generated = generate(url, scale, say=say)
        say(f"  {sum(generated.counts.values()):,} rows in {generated.seconds:.0f} s")
    else:  # made by an older equipshare, perhaps: bring its schema up to date
        database = Database.connect(url)
        try:
            migrate.upgrade(database.engine)
        finally:
            database.dispose()
    return url


def describe(url: str) -> dict[str, Any]:
    """Row counts and the server version of one dataset."""
    database = Database.connect(url)
    try:
        with database.readonly() as session:
            counts = {
                name: session.scalar(select(func.count()).select_from(model))
                for name, model in (
                    ("institutions", Institution),
                    ("instruments", Instrument),
                    ("users", User),
                    ("bookings", Booking),
                )
            }
            if database.engine.dialect.name == "postgresql":
                version = session.scalar(select(func.version()))
            else:
                version = "SQLite " + str(session.scalar(select(func.sqlite_version())))
        return {"counts": counts, "server": str(version).split(" on ")[0]}
    finally:
        database.dispose()


def machine() -> dict[str, Any]:
    import os
    from importlib.metadata import version

    packages = ["equipshare", "sqlalchemy", "textual", "icalendar", "aiohttp", "psycopg"]
    packages.append("textual-serve")  # equipshare serve's terminal in the browser
    found = {}
    for package in packages:
        try:
            found[package] = version(package)
        except Exception:
            found[package] = "not installed"
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
        "packages": found,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="tiny data, few runs: a smoke run")
    parser.add_argument("--db", action="append", default=[], help="dataset URL (repeatable)")
    parser.add_argument("--scale", type=float, help="dataset scale (default 0.01; quick 0.002)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 3; quick 1)")
    parser.add_argument("--only", help="comma-separated benchmarks: " + ", ".join(BENCHMARKS))
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the results")
    parser.add_argument(
        "--render", action="store_true", help="only write RESULTS.md again from results.json"
    )
    args = parser.parse_args(argv)
    if args.render:
        write_results(args.out, json.loads((args.out / "results.json").read_text()))
        return 0
    from bench.generate import QUICK_SCALE

    scale = args.scale or (QUICK_SCALE if args.quick else 0.01)
    runs = args.runs or (1 if args.quick else 3)

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    urls = [dataset(url, scale, say) for url in (args.db or [None])]
    datasets = {("postgresql" if u.startswith("postgresql") else "sqlite"): u for u in urls}
    options = BenchOptions(args.quick, datasets, scale, runs)
    chosen = args.only.split(",") if args.only else list(BENCHMARKS)
    figures: list[Figure] = []
    for name in chosen:
        module = importlib.import_module(BENCHMARKS[name])
        say(f"{name}:")
        started = time.perf_counter()
        found = module.run(options)
        for figure in found:
            say(show(figure))
        say(f"  ({time.perf_counter() - started:.0f} s)")
        figures += found
    described = {engine: describe(url) for engine, url in datasets.items()}
    args.out.mkdir(parents=True, exist_ok=True)
    document = results_document(options, figures, described, machine())
    if sections := carried_sections(args.out, figures):  # benchmarks recorded on their own
        document["sections"] = sections
    if not args.quick:  # each scale's latest figures, for the growth from one to the next
        previous = read_previous(args.out)
        document["scales"] = kept_scales(previous, document["scale"], document["run_at"], figures)
    write_results(args.out, document)
    say(f"wrote {args.out / 'RESULTS.md'} and {args.out / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m bench --quick` still runs every benchmark end to end and writes both reports.

A smoke run, not a timing test: it asserts that each benchmark produced its figures with
floors and ratios, on a dataset generated for the run (on PostgreSQL too, where set up).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


# On PostgreSQL, the benchmarks whose engine matters: the TUI's and the imports' code
# paths are the engine's only through the services, which the others already drive.
POSTGRES_ONLY = "booking,racing,queries,feeds"


def test_quick_run_writes_every_figure(empty_database_url: str, tmp_path: Path) -> None:
    engine = "postgresql" if empty_database_url.startswith("postgresql") else "sqlite"
    only = ["--only", POSTGRES_ONLY] if engine == "postgresql" else []
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--db", empty_database_url,
         "--out", str(tmp_path), *only],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["quick"] is True
    assert document["datasets"][engine]["counts"]["bookings"] > 5_000
    names = {figure["name"] for figure in document["figures"]}
    expected_figures: tuple[str, ...] = (
        "bookings a second, every rule checked",
        "find_slots p95",
        "sharing matrix, one year",
        "utilisation per instrument, one year",
    )
    expected_figures += (
        "instrument feed, 200, plain",
        "institution feed, 304 to If-None-Match",
    )
    # Figures of data the benchmark makes itself (synthetic feeds, files, a grown demo).
    own_data = ["200-event feed: one booking changed", "1,000-event feed: cold"]
    if engine == "sqlite":
        expected_figures += (
            "equipshare tui, first catalogue rows",
            "EquipshareApp in-process, first catalogue rows",
            "week calendar, busiest instrument",
        )
        own_data += [
            "sqlite: catalogue search, key to repainted table minus debounce",
            "uniquip sheet, 1,000 rows: import instruments",
            "ICS file, 200 events: import bookings",
            "demo on SQLite: sign-in to painted catalogue in Chromium, median",
            "demo on SQLite: key to screen, 4 sessions, p95",
            "demo on SQLite: memory per live session, 4 sessions: app Pss",
        ]
    for expected in expected_figures:
        assert f"{engine}: {expected}" in names
    for expected in own_data:
        assert expected in names
    for figure in document["figures"]:
        assert figure["value"] >= 0
        if figure["floor"] is not None:
            assert figure["value"] > 0 and figure["ratio"] > 0
    if engine == "postgresql":
        race = {f["name"]: f for f in document["figures"] if f["benchmark"] == "racing clients"}
        assert race["postgresql: overlapping active bookings after the race"]["value"] == 0
    benchmarks = {figure["benchmark"] for figure in document["figures"]}
    ran = POSTGRES_ONLY.split(",") if engine == "postgresql" else list(BENCHMARKS)
    assert len(benchmarks) >= len(ran)
    results = (tmp_path / "RESULTS.md").read_text()
    assert "| booking creation |" in results and "| availability search |" in results
    for benchmark in ("calendar feeds", "TUI", "imports", "served app")[: 1 if only else 4]:
        assert f"| {benchmark} |" in results

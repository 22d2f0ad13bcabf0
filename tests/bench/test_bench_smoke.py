"""The TUI benchmarks still run end to end and print their figures (in quick mode, not timed)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURE = r"\s+-?[\d.]+ ms"  # a difference of two noisy medians can dip below 0
RATIO = FIGURE + r"\s+\([\d.]+x\)"
# Each bench, and the lines its report must contain (a figure, with a ratio where it has one).
EXPECTED = {
    "bench.bench_tui_startup": [
        r"floor  hello-world App, first frame:" + RATIO,
        r"hello-world App \+ import sqlalchemy.orm:" + RATIO,
        r"equipshare tui, first catalogue rows:" + RATIO,
        r"EquipshareApp, first catalogue rows:" + RATIO,
        r"target start-up <= 2.0x hello-world: (met|MISSED) \([\d.]+x\)",
    ],
    "bench.bench_ssh": [
        r"floor  equipshare tui, first catalogue rows:" + RATIO,
        r"over SSH, connection to first rows:" + RATIO,
        r"3 sessions: key to answer median \d+ ms, worst \d+ ms \(target < 100 ms: (met|MISSED)\)",
    ],
    "bench.bench_tui_search": [
        r"grown to 2,000 instruments by bulk insert",
        r"\+x\s+'x'\s+[\d,]+" + FIGURE + FIGURE + FIGURE + FIGURE,
        r"backspace\s+''\s+2,000" + FIGURE,
        r"floor  key to repaint, one-Input app:" + RATIO,
        r"  of which the total count:" + FIGURE,
        r"debounce \(CatalogueScreen.SEARCH_DELAY\):" + FIGURE,
        r"key to repainted table minus debounce:" + RATIO,
        r"target < 50 ms a key excluding debounce: (met|MISSED)",
    ],
}

pytestmark = pytest.mark.slow


def test_tui_benchmarks_print_their_figures() -> None:
    # Both at once: each spends most of its time in its own interpreter start-up and seed.
    runs = {
        module: subprocess.Popen(
            [sys.executable, "-m", module, "--quick"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for module in EXPECTED
    }
    for module, process in runs.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"{module} failed:\n{out}\n{err}"
        for pattern in EXPECTED[module]:
            assert re.search(pattern, out), f"{module} printed no {pattern!r}:\n{out}"

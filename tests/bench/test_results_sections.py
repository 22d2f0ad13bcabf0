"""A benchmark run on its own is kept as a section of RESULTS.md beside the last full run."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from bench.support.growth import kept_scales
from bench.support.harness import Figure
from bench.support.results import BY_HAND, carried_sections, record_section, write_results

DOCUMENT = {
    "run_at": "2026-11-24 02:34 UTC",
    "quick": False,
    "scale": 1.0,
    "runs": 3,
    "machine": {"cpus": 2, "platform": "Linux", "python": "3.11.7", "packages": {}},
    "datasets": {},
    "figures": [Figure("TUI", "sqlite: start", 1700.0, "ms", "hello", 400.0).as_json()],
    "notes": [],
}


def test_a_recorded_section_is_rendered_after_the_full_run_and_replaced_by_its_next(
    tmp_path: Path,
) -> None:
    (tmp_path / "results.json").write_text(json.dumps(DOCUMENT))
    first = Figure("served app", "sessions held", 50.0, "sessions", note="first")
    record_section(tmp_path, "served app", "python -m bench.bench_serve", [first])
    again = Figure("served app", "sessions held", 125.0, "sessions", note="second")
    record_section(tmp_path, "served app", "python -m bench.bench_serve", [again], ["load 3"])
    results = (tmp_path / "RESULTS.md").read_text()
    assert "| TUI | sqlite: start | 1,700.00 ms | 400.00 ms (hello) | 4.2x |" in results
    assert results.count("## served app, measured on its own") == 1
    assert "| served app | sessions held | 125.00 sessions |" in results
    assert "first" not in results and results.rstrip().endswith("- load 3")
    # A full run that measures the served app replaces the section; one that does not keeps it.
    assert carried_sections(tmp_path, [again]) == []
    kept = carried_sections(tmp_path, [Figure("TUI", "x", 1.0, "ms")])
    assert [section["title"] for section in kept] == ["served app"]


def test_runs_measured_by_hand_stay_at_the_end_of_results_md_through_a_render(
    tmp_path: Path,
) -> None:
    (tmp_path / BY_HAND).write_text("## scale 0.1, by hand\n\n| figure | value |\n")
    write_results(tmp_path, DOCUMENT)
    results = (tmp_path / "RESULTS.md").read_text()
    assert results.startswith("# Benchmark results")
    assert "| TUI | sqlite: start |" in results
    assert results.endswith("## scale 0.1, by hand\n\n| figure | value |\n")


def test_runs_at_three_scales_render_each_figure_with_its_growth_from_scale_to_scale(
    tmp_path: Path,
) -> None:
    def sharing(ms: float) -> Figure:
        return Figure("reports", "sqlite: sharing", ms, "ms", "GROUP BY", ms / 2)

    rate = Figure("booking creation", "sqlite: per second", 500.0, "/s", higher_is_better=True)
    scales = kept_scales(None, 0.01, "day 1", [sharing(15.0), rate])
    scales = kept_scales(
        {"scales": scales}, 0.1, "day 1", [sharing(90.0), replace(rate, value=250.0)]
    )
    scales = kept_scales({"scales": scales}, 1.0, "day 2", [sharing(270.0)])
    # A later run of one benchmark at a scale replaces its figures there and keeps the rest.
    scales = kept_scales({"scales": scales}, 0.01, "day 3", [sharing(10.0)])
    write_results(tmp_path, DOCUMENT | {"scales": scales})
    results = (tmp_path / "RESULTS.md").read_text()
    assert "0.01: day 1 to day 3; 0.1: day 1; 1: day 2" in results
    assert (
        "| reports | sqlite: sharing | 10.00 ms (2.0x) | 90.00 ms (2.0x) | 270.00 ms (2.0x)"
        " | 9.0x | 3.0x |" in results
    )
    # A rate that halves is a cost that doubles; a figure missing at one scale has no growth.
    assert "| booking creation | sqlite: per second | 500.00 /s | 250.00 /s |  | 2.0x |  |" in (
        results
    )

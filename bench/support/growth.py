"""The same figures at several dataset scales, and how much each grew from one to the next.

A full run keeps its figures under its scale in results.json (`"scales"`), beside those of
the runs at other scales; RESULTS.md then shows a table with a column per scale and the
growth between neighbouring scales, so it says what grows with the data and by how much.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from bench.support.harness import Figure, ratio_text


def scale_key(scale: float) -> str:
    return f"{scale:g}"


def kept_scales(
    previous: dict[str, Any] | None, scale: float, run_at: str, figures: list[Figure]
) -> dict[str, Any]:
    """The previous document's scales with this run's figures at `scale`: a benchmark this
    run measured replaces that benchmark's figures at this scale; the others stay."""
    scales: dict[str, Any] = dict((previous or {}).get("scales", {}))
    ran = {figure.benchmark for figure in figures}
    earlier = scales.get(scale_key(scale), {"figures": []})["figures"]
    kept = [values for values in earlier if values["benchmark"] not in ran]
    scales[scale_key(scale)] = {
        "figures": kept + [figure.as_json() | {"run_at": run_at} for figure in figures]
    }
    return scales


def run_dates(figures: list[dict[str, Any]]) -> str:
    """When a scale's figures were measured: one run, or the first and last of several."""
    dates = sorted({values["run_at"] for values in figures})
    return dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"


def cost(figure: Figure) -> float:
    """What grows when things get worse: the value, or for a rate its inverse."""
    return 1 / figure.value if figure.higher_is_better and figure.value else figure.value


def growth_table(scales: dict[str, Any]) -> list[str]:
    """One row per figure measured at two scales or more: its value (and ratio to its floor)
    at each scale, then its cost's growth from each scale to the next."""
    order = sorted(scales, key=float)
    by_scale = {
        key: {(v["benchmark"], v["name"]): Figure.from_json(v) for v in scales[key]["figures"]}
        for key in order
    }
    names: list[tuple[str, str]] = []
    for key in order:
        names += [name for name in by_scale[key] if name not in names]
    steps = list(pairwise(order))
    lines = [
        "| benchmark | figure | "
        + " | ".join(f"scale {key}" for key in order)
        + "".join(f" | growth {a} -> {b}" for a, b in steps)
        + " |",
        "| --- | --- |" + " ---: |" * (len(order) + len(steps)),
    ]
    for name in names:
        found = [by_scale[key].get(name) for key in order]
        if sum(figure is not None for figure in found) < 2:
            continue
        cells = [
            ""
            if f is None
            else f"{f.value:,.2f} {f.unit}" + (f" ({ratio_text(f.ratio)})" if f.ratio else "")
            for f in found
        ]
        growth = []
        for a, b in steps:
            fa, fb = by_scale[a].get(name), by_scale[b].get(name)
            if fa is not None and fb is not None and cost(fa) > 0:
                growth.append(f"{cost(fb) / cost(fa):.1f}x")
            else:
                growth.append("")
        lines.append(f"| {name[0]} | {name[1]} | " + " | ".join(cells + growth) + " |")
    return lines


def growth_section(document: dict[str, Any]) -> list[str]:
    scales = document.get("scales", {})
    if len(scales) < 2:
        return []
    runs = "; ".join(
        f"{key}: {run_dates(scales[key]['figures'])}" for key in sorted(scales, key=float)
    )
    return [
        "",
        "## Growth across scales",
        "",
        f"The latest figures of `python -m bench` at each scale ({runs}). Growth is the"
        " cost's from one scale to the next (for a rate, how many times slower it got);"
        " each scale's figures have their own floors from their own run, in brackets as ratios.",
        "",
        *growth_table(scales),
    ]

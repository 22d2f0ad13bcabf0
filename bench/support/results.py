"""bench/results.json (for machines) and bench/RESULTS.md (for people), from one document.

RESULTS.md is rendered from the JSON alone, so `python -m bench --render` can write it
again, with the current wording, without measuring anything.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.support.growth import growth_section
from bench.support.harness import BenchOptions, Figure, ratio_text

# What was done about a benchmark that misses its target, and what is left (details and
# before/after tables in bench/README.md, "National scale").
WHEN_MISSED = {
    "booking creation": (
        "Every statement on the path is prebuilt and runs on the driver's cursor (db/direct.py, "
        "SQLAlchemy's own processors); on PostgreSQL the writes nobody reads back (audit, "
        "outbox, roll-ups, stamps) go with the next round trip or the COMMIT, 5 round trips "
        "against the floor's 6; a new booking adds its own rows to the roll-ups by upsert "
        "instead of rebuilding its day and month (its year to date too). What is left on "
        "SQLite, profiled on 8 Dec (649 /s, 6.5x a floor that runs 30-45% faster on this "
        "machine than on 7 Dec while ours did not): ~0.6 ms a booking inside SQLite (12 "
        "statements and a commit writing the roll-ups' pages, against the floor's 4) and "
        "~0.95 ms of Python around the statements (binding, the stamp and roll-up "
        "listeners). On PostgreSQL psycopg re-parses the 7.4 KB roll-up statement each time "
        "(no cache over 4 KB) and gives the implicit BEGIN its own round trip. "
        "RESULTS-by-hand has the runs."
    ),
    "TUI": (
        "The launch reads the schema version, the caller and the first page through sqlite3 "
        "or psycopg and imports SQLAlchemy after the first rows (1.5-1.9x in interleaved "
        "runs). What is left on PostgreSQL is mostly `import psycopg` (~60 ms), then "
        "Textual's own Header, Input and Footer."
    ),
    "availability search": (
        "The category search reads eligible instruments a page at a time, in search order, "
        "from a covering index (migration 0006) and stops once nothing later can change the "
        "answer; the zones and schedules are one statement. p95 at scale 1 is 19 ms (SQLite) "
        "and 41 ms (PostgreSQL) on a quiet machine; a busy one pushes PostgreSQL's over 50."
    ),
}


def results_document(
    options: BenchOptions,
    figures: list[Figure],
    datasets: dict[str, dict[str, Any]],
    machine: dict[str, Any],
) -> dict[str, Any]:
    return {
        "run_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": options.quick,
        "scale": scale_of(datasets) or options.scale,
        "runs": options.runs,
        "machine": machine,
        "datasets": datasets,
        "figures": [figure.as_json() for figure in figures],
        "notes": options.notes,
    }


def scale_of(datasets: dict[str, dict[str, Any]]) -> float | None:
    """The scale the datasets were generated at, read from their size (50,000 instruments at
    scale 1), since a dataset named by --db need not be at --scale; None if they differ."""
    sizes = {int(described["counts"]["instruments"]) for described in datasets.values()}
    if len(sizes) != 1 or min(sizes) <= 200:  # the generator's least catalogue, any scale
        return None
    return round(sizes.pop() / 50_000, 3)


def record_section(
    out: Path, title: str, command: str, figures: list[Figure], notes: list[str] | None = None
) -> None:
    """Keep one benchmark's own run in results.json and RESULTS.md beside the last full run
    (replacing an earlier section of the same title), without measuring anything else."""
    path = out / "results.json"
    document = json.loads(path.read_text())
    section = {
        "title": title,
        "run_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "figures": [figure.as_json() for figure in figures],
        "notes": notes or [],
    }
    kept = [s for s in document.get("sections", []) if s["title"] != title]
    document["sections"] = [*kept, section]
    write_results(out, document)


def read_previous(out: Path) -> dict[str, Any] | None:
    """The results.json a run is about to replace, if there is a readable one."""
    try:
        document: dict[str, Any] = json.loads((out / "results.json").read_text())
    except (OSError, ValueError):
        return None
    return document


def carried_sections(out: Path, figures: list[Figure]) -> list[dict[str, Any]]:
    """The sections of the previous results.json that this run's figures do not replace."""
    previous = read_previous(out)
    if previous is None:
        return []
    ran = {figure.benchmark for figure in figures}
    return [s for s in previous.get("sections", []) if s["title"] not in ran]


#: Runs measured by hand (before/after comparisons, profiles, scales run apart), kept in
#: their own file and appended to RESULTS.md, so a new run or `--render` never loses them.
BY_HAND = "RESULTS-by-hand.md"


def write_results(out: Path, document: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    text = render(document)
    by_hand = out / BY_HAND
    if by_hand.exists():
        text += "\n" + by_hand.read_text()
    (out / "RESULTS.md").write_text(text)


def render(document: dict[str, Any]) -> str:
    info = document["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {document['run_at']} with `python -m bench{' --quick' if document['quick'] else ''}`"
        f" (scale {document['scale']:g}, median of {document['runs']} runs unless a figure says).",
        f"Machine: {info['cpus']} CPUs, {info['platform']}, Python {info['python']}; "
        + ", ".join(f"{k} {v}" for k, v in info["packages"].items())
        + ".",
        "",
        "Each ratio is the figure's cost over a floor measured in the same run (for rates:",
        "the floor's rate over ours), so 1.0x is as cheap as the raw work and bigger is slower.",
        "",
        "| dataset | server | institutions | instruments | users | bookings |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for engine, data in document["datasets"].items():
        c = data["counts"]
        lines.append(
            f"| {engine} | {data['server']} | {c['institutions']:,} | "
            f"{c['instruments']:,} | {c['users']:,} | {c['bookings']:,} |"
        )
    figures = [Figure.from_json(values) for values in document["figures"]]
    lines += ["", *figure_table(figures)]
    missed = sorted({f.benchmark for f in figures if f.met is False and f.benchmark in WHEN_MISSED})
    if missed and not document["quick"]:
        lines += ["", "## Targets missed, and what was done", ""]
        lines += [f"- **{benchmark}**: {WHEN_MISSED[benchmark]}" for benchmark in missed]
    if document["notes"]:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in document["notes"]]
    lines += growth_section(document)
    for section in document.get("sections", []):
        lines += [
            "",
            f"## {section['title']}, measured on its own",
            "",
            f"Run {section['run_at']} with `{section['command']}`, beside the run above.",
            "",
            *figure_table([Figure.from_json(values) for values in section["figures"]]),
        ]
        if section["notes"]:
            lines += [""] + [f"- {note}" for note in section["notes"]]
    return "\n".join(lines) + "\n"


def figure_table(figures: list[Figure]) -> list[str]:
    """The markdown table of figures: value, floor, ratio, target and note."""
    lines = [
        "| benchmark | figure | value | floor | ratio | target | note |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for f in figures:
        value = f"{f.value:,.2f} {f.unit}"
        floor = f"{f.floor:,.2f} {f.unit} ({f.floor_name})" if f.floor is not None else ""
        ratio = ratio_text(f.ratio) if f.ratio is not None else ""
        target = ""
        if f.target is not None:
            bound = f"<= {f.target:g}{'x' if f.floor is not None else ' ' + f.unit}"
            target = f"{bound}: {'met' if f.met else '**missed**'}"
        lines.append(
            f"| {f.benchmark} | {f.name} | {value} | {floor} | {ratio} | {target} | {f.note} |"
        )
    return lines

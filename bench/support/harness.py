"""What every benchmark reports: figures, each with the floor measured in the same run.

A figure is a median of several runs. Its ratio says how many times the floor's cost it
is (for rates: floor rate / our rate), so 1.0x is as cheap as the raw work can be and
bigger is slower, whatever the unit. Machines here are noisy; the ratios travel, the
seconds do not.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured quantity, the floor it is compared with, and the target if there is one."""

    benchmark: str
    name: str
    value: float
    unit: str
    floor_name: str | None = None
    floor: float | None = None
    target: float | None = None  # the largest acceptable ratio (or value, with no floor)
    note: str = ""
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        if self.floor is None or self.floor == 0 or self.value == 0:
            return None
        return self.floor / self.value if self.higher_is_better else self.value / self.floor

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        measured = self.ratio if self.floor is not None else self.value
        return measured is not None and measured <= self.target

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"ratio": self.ratio, "met": self.met}

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> Figure:
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})


@dataclass
class BenchOptions:
    """What a run of `python -m bench` was asked for."""

    quick: bool
    datasets: dict[str, str]  # engine name -> URL of a bench.generate dataset
    scale: float
    runs: int
    notes: list[str] = field(default_factory=list)

    @classmethod
    def for_url(cls, url: str, *, quick: bool = False, runs: int = 3) -> BenchOptions:
        """Options for one dataset, as a single benchmark's own command line gives it."""
        engine = "postgresql" if url.startswith("postgresql") else "sqlite"
        return cls(quick, {engine: url}, 0.0, runs)


@dataclass(frozen=True)
class DriverStyle:
    """How raw DBAPI SQL is written for one engine: its placeholder and stored instants."""

    sqlite: bool

    @classmethod
    def of(cls, dialect_name: str) -> DriverStyle:
        return cls(dialect_name == "sqlite")

    @property
    def mark(self) -> str:
        return "?" if self.sqlite else "%s"

    def stamp(self, instant: datetime) -> Any:
        """SQLite holds naive UTC text, as equipshare's UTCDateTime writes it."""
        return (
            instant.replace(tzinfo=None).isoformat(" ", "microseconds") if self.sqlite else instant
        )


def median_time(runs: int, work: Callable[[], object], *, warm: bool = True) -> float:
    """Median seconds of `runs` calls of `work`, after one warm-up call."""
    if warm:
        work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (0..1) of `values` by nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def ratio_text(ratio: float) -> str:
    """'5.1x', or two significant figures below 1 ('0.0072x'), so small ratios never read 0."""
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2g}x"


def show(figure: Figure) -> str:
    """One line for the console: value, ratio and target."""
    value = (
        f"{figure.value:,.1f} {figure.unit}"
        if figure.value >= 10
        else (f"{figure.value:,.2f} {figure.unit}")
    )
    ratio = (
        f"  ({ratio_text(figure.ratio)} {figure.floor_name})" if figure.ratio is not None else ""
    )
    verdict = ""
    if figure.met is not None:
        verdict = f"  target <= {figure.target:g}{'x' if figure.floor is not None else ''}: " + (
            "met" if figure.met else "MISSED"
        )
    return f"  {figure.name}: {value}{ratio}{verdict}"

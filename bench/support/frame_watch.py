"""When a Textual app first paints a frame that shows what a benchmark waits for.

Textual calls `App.post_display_hook` right after each frame is composited and handed
to the driver (headless runs composite too; they just skip the terminal write). `attach`
points that hook of one app instance here (a subclass would move the app's CSS_PATH,
which is relative to the defining module), so a measurement ends at the first painted
frame in which `predicate(app)` holds, not when a widget's data changed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from statistics import median
from typing import Any, TypeVar

A = TypeVar("A")


class FrameWatch:
    """Records the perf_counter time of the first frame that satisfies the armed predicate."""

    def __init__(self) -> None:
        self._predicate: Callable[[Any], bool] | None = None
        self.seen_at: float | None = None
        self.frames = 0

    def attach(self, app: A) -> A:
        """Have `app` report every painted frame here; returns the app."""
        app.post_display_hook = lambda: self.frame(app)  # type: ignore[attr-defined]
        return app

    def arm(self, predicate: Callable[[Any], bool]) -> None:
        self._predicate = predicate
        self.seen_at = None

    def frame(self, app: Any) -> None:
        """Call from `post_display_hook`."""
        self.frames += 1
        if self._predicate is not None and self._predicate(app):
            self.seen_at = time.perf_counter()
            self._predicate = None

    async def wait(self, timeout: float = 30.0) -> float:
        """Until the armed predicate has been painted; returns that frame's time."""
        deadline = time.perf_counter() + timeout
        while self.seen_at is None:
            if time.perf_counter() > deadline:
                raise TimeoutError("the awaited frame was never painted")
            # Polling at 1 ms adds at most 1 ms to a measurement, and unlike sleep(0)
            # it leaves the GIL to the app's worker threads.
            await asyncio.sleep(0.001)
        return self.seen_at


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def figure(label: str, seconds: float, floor: float | None = None) -> str:
    """One report line: the label, the time, and its ratio to the floor when there is one."""
    ratio = f"  ({seconds / floor:.1f}x)" if floor else ""
    return f"  {label:<42}{ms(seconds)}{ratio}"


def middle(values: Sequence[float]) -> float:
    """The median; the benchmarks report medians because a noisy machine skews means."""
    return median(values)

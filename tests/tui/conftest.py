"""TUI tests drive the real app on a real temporary SQLite database (the services cover PG)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from textual.pilot import Pilot


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def settle(pilot: Pilot[None], until: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let timers, workers and message handlers run until `until()` holds."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if until():
            return
        if time.monotonic() > deadline:
            raise AssertionError("the app never reached the expected state")

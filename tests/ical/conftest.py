"""The bounded worker that hostile calendars are parsed in, shared by the module's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ical.bounded import BoundedWorker


@pytest.fixture(scope="module")
def bounded() -> Iterator[BoundedWorker]:
    """`parse_calendar` in a worker process: an input over 5 s or 300 MB fails its test."""
    worker = BoundedWorker("tests.ical.fuzz_targets:parse_ics", seconds=5.0, megabytes=300)
    yield worker
    worker.close()

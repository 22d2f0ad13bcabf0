"""The demo tests' one seeded consortium per backend, shared by test_demo*.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS
from tests.demo.demo_world import Seeded, fresh_database, seed_demo


@pytest.fixture(scope="package", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """Seeded once per backend (and worker): the invariant tests only read it."""
    url, discard = fresh_database(request, request.param, tmp_path_factory.mktemp("demo"))
    context, summary = seed_demo(url)
    yield Seeded(context, summary, request.param)
    context.close()
    discard()

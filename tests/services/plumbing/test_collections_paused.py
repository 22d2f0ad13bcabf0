"""The collector's pause around a report's rows: off inside, as it was after, even after
an error, and a pause already under way is left to whoever began it."""

from __future__ import annotations

import gc

import pytest

from equipshare.services.plumbing.collections_paused import collections_paused


def test_the_pause_restores_the_collector_and_leaves_anothers_pause_alone() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collections_paused():
        assert not gc.isenabled()
        raise RuntimeError("a report that failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # someone else's pause: still theirs to end
    finally:
        gc.enable()

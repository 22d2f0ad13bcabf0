"""Leaving a transaction by rolling it back, for dry runs that do the work to report it."""

from __future__ import annotations


class DryRunDone(Exception):
    """Raised inside `sessions.begin()` so nothing is written; carries what the call returns."""

    def __init__(self, result: object) -> None:
        super().__init__("dry run")
        self.result = result

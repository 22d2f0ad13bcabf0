"""Leaving a transaction by rolling it back: dry runs do the work, report it, write nothing."""

from __future__ import annotations


class DryRun(Exception):
    """Raised inside `sessions.begin()` so nothing is written; carries what the call returns."""

    def __init__(self, result: object = None) -> None:
        super().__init__("dry run")
        self.result = result

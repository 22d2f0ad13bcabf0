"""NextFreeCache: the catalogue's "Next free" answers, kept per instrument for a while, in words.

Pure (no Textual): the catalogue screen asks what is missing, stores what arrives and
paints the words; a booking change forgets its instruments.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from equipshare.domain.records.instruments.catalogue_rows import NextFreeSlot

NOT_YET = "…"


def next_free_words(slot: NextFreeSlot) -> str:
    """'Mon 16 Mar 10:00 GMT' in the facility's zone, or why there is no slot."""
    if slot.starts_at is None:
        return slot.note
    local = slot.starts_at.astimezone(ZoneInfo(slot.timezone))
    return f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname()}"


class NextFreeCache:
    """Each instrument's latest next free slot, trusted for `ttl` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._slots: dict[str, tuple[float, NextFreeSlot]] = {}

    def fresh(self, code: str, now: float) -> NextFreeSlot | None:
        """The slot for `code` if it was stored less than `ttl` seconds before `now`."""
        cached = self._slots.get(code)
        if cached is None or now - cached[0] > self.ttl:
            return None
        return cached[1]

    def missing(self, codes: Iterable[str], now: float) -> tuple[str, ...]:
        """Those of `codes` with no fresh answer, in order."""
        return tuple(code for code in codes if self.fresh(code, now) is None)

    def words(self, code: str) -> str:
        """What the "Next free" cell shows for `code` now: the slot, or dots."""
        slot = self.fresh(code, time.monotonic())
        return NOT_YET if slot is None else next_free_words(slot)

    def store(self, slots: Iterable[NextFreeSlot], now: float) -> None:
        for slot in slots:
            self._slots[slot.instrument_code] = (now, slot)

    def forget(self, codes: Iterable[str]) -> None:
        for code in codes:
            self._slots.pop(code, None)

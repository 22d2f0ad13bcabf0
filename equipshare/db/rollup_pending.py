"""What one transaction's writes have touched of the booking roll-ups, noted by the
listener (db/rollups.py) and recomputed at commit (db/rollup_upkeep.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_CHUNK = 500


@dataclass
class Pending:
    """What one transaction has touched so far."""

    everything: bool = False
    starts: set[tuple[int, datetime]] = field(default_factory=set)
    moved_bookings: set[int] = field(default_factory=set)
    moved_users: set[int] = field(default_factory=set)
    moved_facilities: set[int] = field(default_factory=set)
    moved_instruments: set[int] = field(default_factory=set)
    #: Institutions whose host rows must be rebuilt: those an instrument or a facility
    #: moved away from, or an instrument let go of was in.
    moved_hosts: set[int] = field(default_factory=set)
    #: Instruments whose row this transaction has locked, with their facility's zone as
    #: read under the lock (the booking path's): the upkeep need not read them again.
    locked_zones: dict[int, str] = field(default_factory=dict)
    #: New bookings by their iCal UID (unique): their (instrument, start) as inserted. An
    #: instrument-day whose only change is new bookings adds their rows to its roll-ups
    #: instead of recomputing them (rollup_upkeep.add_new).
    inserted: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    #: False once a statement failed in the transaction: a failed INSERT's UID may name
    #: an older booking, so the new bookings' days are recomputed like any other.
    adding: bool = True

    def add_booking(self, row: Mapping[str, Any]) -> None:
        instrument, start = row.get("instrument_id"), row.get("starts_at")
        if isinstance(instrument, int) and isinstance(start, datetime) and start.tzinfo:
            self.starts.add((instrument, start))
        else:
            self.everything = True  # a value we cannot read: rebuild it all

    def add_insert(self, row: Mapping[str, Any]) -> None:
        """A new booking: noted by its UID when it has one, else as any other change."""
        uid, instrument, start = row.get("ical_uid"), row.get("instrument_id"), row.get("starts_at")
        if (
            isinstance(uid, str)
            and isinstance(instrument, int)
            and isinstance(start, datetime)
            and start.tzinfo
        ):
            self.inserted[uid] = (instrument, start)
        else:
            self.add_booking(row)


def chunks(ids: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]

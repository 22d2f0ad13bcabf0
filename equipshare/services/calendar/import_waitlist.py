"""A calendar import and the waitlist, as every other write path keeps them (bookings/holds.py).

A range held off the waitlist for someone is taken to everyone else while its hold runs,
so an event owned by another user conflicts with it; an event its holder owns books it
(the entry is accepted). What the import frees (an event cancelled or moved, a downtime
removed or moved) is offered to the first in line; a downtime placed on a held range ends
the hold and tells the holder, as scheduling downtime does.

The instrument's entries still in line over the import's window are read once, with what
the run decides against, so a large file costs no query per event; once the run has
written its rows, the waitlist's own code (`Waitlist.taken`, `end_for_downtime`, `offer`)
runs only for the ranges that touched an entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from equipshare.domain.enums import WaitlistStatus
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.services.bookings.conflicts import WAITLIST
from equipshare.services.bookings.holds import IN_LINE, Waitlist

_AT = WAITLIST.c.starts_at.type
_IN_LINE = select(
    WAITLIST.c.id,
    WAITLIST.c.user_id,
    WAITLIST.c.starts_at,
    WAITLIST.c.ends_at,
    WAITLIST.c.status,
    WAITLIST.c.hold_expires_at,
).where(
    WAITLIST.c.instrument_id == bindparam("instrument_id"),
    WAITLIST.c.status.in_([status.value for status in IN_LINE]),
    WAITLIST.c.starts_at < bindparam("end", type_=_AT),
    WAITLIST.c.ends_at > bindparam("start", type_=_AT),
)
Span = tuple[datetime, datetime]


@dataclass
class Entry:
    """A waitlist entry still in line, as the run has it."""

    id: int
    user_id: int
    starts_at: datetime
    ends_at: datetime
    status: WaitlistStatus
    hold_expires_at: datetime | None
    #: Booked by its holder or ended by a downtime in this run: it holds nothing more.
    settled: bool = False

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.starts_at < end and self.ends_at > start


@dataclass
class ImportWaitlist:
    """The entries in line over one import's window, and what the run did to their ranges."""

    session: Session
    instrument: InstrumentRecord
    waitlist: Waitlist
    now: datetime
    actor_id: int
    _entries: list[Entry] = field(default_factory=list)
    _booked: list[tuple[int, datetime, datetime]] = field(default_factory=list)
    _down: list[tuple[datetime, datetime, str]] = field(default_factory=list)
    _freed: list[Span] = field(default_factory=list)

    def load(self, spans: list[Span]) -> None:
        """Read the entries in line for any range overlapping the earliest to the latest span.

        Holds among them that ran out are passed on first (`Waitlist.pass_lapsed`, which
        reads them again), as any write to the instrument does; usually there are none,
        and this costs the one query.
        """
        if not spans:
            return
        params = {
            "instrument_id": self.instrument.id,
            "start": min(start for start, _ in spans),
            "end": max(end for _, end in spans),
        }
        self._entries = self._read(params)
        if any(self._lapsed(entry) for entry in self._entries):
            self.waitlist.pass_lapsed(self.session, self.instrument)
            self.session.flush()  # the read below is Core's, which does not autoflush
            self._entries = self._read(params)

    def _read(self, params: dict[str, object]) -> list[Entry]:
        return [
            Entry(row.id, row.user_id, row.starts_at, row.ends_at, WaitlistStatus(row.status),
                  row.hold_expires_at)
            for row in self.session.connection().execute(_IN_LINE, params)
        ]  # fmt: skip

    def _lapsed(self, entry: Entry) -> bool:
        held_until = entry.hold_expires_at
        return entry.status is WaitlistStatus.OFFERED and (
            held_until is None or held_until <= self.now
        )

    def holds(self, start: datetime, end: datetime, *, except_for: int | None) -> list[Entry]:
        """Running holds overlapping [start, end), but those of the user `except_for`."""
        return [
            entry
            for entry in self._entries
            if entry.status is WaitlistStatus.OFFERED
            and not entry.settled
            and entry.hold_expires_at is not None
            and entry.hold_expires_at > self.now
            and entry.user_id != except_for
            and entry.overlaps(start, end)
        ]

    def booked(self, user_id: int, start: datetime, end: datetime) -> None:
        """`user_id` now holds a booking over [start, end): their entries on it are accepted."""
        mine = [e for e in self._entries if e.user_id == user_id and e.overlaps(start, end)]
        if not mine:
            return
        for entry in mine:
            entry.settled = True
        self._booked.append((user_id, start, end))

    def downtime(self, start: datetime, end: datetime, why: str) -> list[Entry]:
        """A downtime now takes [start, end): the running holds on it end. Returns them."""
        ended = self.holds(start, end, except_for=None)
        if ended:
            for entry in ended:
                entry.settled = True
            self._down.append((start, end, why))
        return ended

    def freed(self, start: datetime, end: datetime) -> None:
        """[start, end) is no longer taken by what the run changed: offer it to the line."""
        if any(
            e.status is WaitlistStatus.WAITING and not e.settled and e.overlaps(start, end)
            for e in self._entries
        ):
            self._freed.append((start, end))

    def settle(self) -> None:
        """After the run's rows are written: accept, end and offer, as the other paths do."""
        for user_id, start, end in self._booked:
            self.waitlist.taken(self.session, user_id, self.instrument, start, end)
        for start, end, why in self._down:
            self.waitlist.end_for_downtime(
                self.session, self.instrument, start, end, why, self.actor_id
            )
        for start, end in self._freed:
            self.waitlist.offer(self.session, self.instrument, start, end)

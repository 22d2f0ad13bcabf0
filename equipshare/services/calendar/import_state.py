"""What a calendar import decides against, read once per import and kept in memory.

The import used to ask the database, per event, for the row with the event's UID and
for the bookings and downtimes in its way: three queries and two flushes an event, most
of a 10,000-event import's time. Instead the rows this file's UIDs name, the users its
emails name, and the instrument's active bookings and downtimes over the file's whole
window are read up front (under the instrument's row lock) into `Row`s and two
`SlotIndex`es, which the run keeps up to date as it decides: each event is decided
against exactly what the database would hold by then.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import User
from equipshare.domain.enums import ACTIVE_BOOKING_STATUSES, LONGEST_BOOKING
from equipshare.ical.importer import ImportedEvent
from equipshare.services.plumbing.prebuilt import BOOKINGS, DOWNTIMES

CHUNK = 900  # binds per IN list: under SQLite's oldest limit of 999 variables
_NEW = 1  # new rows sort after every existing one, as their ids will


@dataclass(eq=False)
class Row:
    """A booking or downtime row as the import has it now: read, or made by this run.

    `id` is None for a row this run inserts until the insert reports it; `order` sorts
    rows as their ids do (existing first by id, then new ones in the order made).
    `made_key` is the event key of the last change this run made to it, if any.
    """

    id: int | None
    order: tuple[int, int]
    values: dict[str, Any]
    made_key: str | None = None

    @property
    def new(self) -> bool:
        return self.order[0] == _NEW


@dataclass
class SlotIndex:
    """Rows by time on one instrument; answers "what overlaps [start, end)" by bisection."""

    _keys: list[tuple[datetime, tuple[int, int]]] = field(default_factory=list)
    _slots: dict[tuple[datetime, tuple[int, int]], tuple[Row, datetime]] = field(
        default_factory=dict
    )
    _placed: dict[Row, tuple[datetime, tuple[int, int]]] = field(default_factory=dict)
    _longest: timedelta = timedelta(0)

    def add(self, row: Row, start: datetime, end: datetime) -> None:
        key = (start, row.order)
        insort(self._keys, key)
        self._slots[key] = (row, end)
        self._placed[row] = key
        self._longest = max(self._longest, end - start)

    def discard(self, row: Row) -> None:
        key = self._placed.pop(row, None)
        if key is not None:
            del self._keys[bisect_left(self._keys, key)]
            del self._slots[key]

    def overlapping(self, start: datetime, end: datetime, other_than: Row | None) -> list[Row]:
        """Rows with start < `end` and end > `start`, by start then id, as SQL sorts them."""
        low = bisect_left(self._keys, (start - self._longest,))
        high = bisect_left(self._keys, (end,))
        found = []
        for key in self._keys[low:high]:
            row, row_end = self._slots[key]
            if row_end > start and row is not other_than:
                found.append(row)
        return found


_BOOKING_COLUMNS = (
    "id", "ical_uid", "instrument_id", "user_id", "technician_id", "starts_at", "ends_at",
    "status", "purpose", "project_code", "status_reason", "sequence", "created_at",
    "cancelled_at", "user_class", "hourly_rate_pence", "technician_rate_pence",
    "instrument_charge_pence", "technician_charge_pence", "decided_by_id", "decided_at",
)  # fmt: skip
_DOWNTIME_COLUMNS = (
    "id", "ical_uid", "instrument_id", "starts_at", "ends_at", "reason", "description",
    "sequence",
)  # fmt: skip
_BOOKINGS_BY_UID = select(*(BOOKINGS.c[name] for name in _BOOKING_COLUMNS)).where(
    BOOKINGS.c.ical_uid.in_(bindparam("uids", expanding=True))
)
_DOWNTIMES_BY_UID = select(*(DOWNTIMES.c[name] for name in _DOWNTIME_COLUMNS)).where(
    DOWNTIMES.c.ical_uid.in_(bindparam("uids", expanding=True))
)
_ACTIVE_BOOKINGS = select(BOOKINGS.c.id, BOOKINGS.c.starts_at, BOOKINGS.c.ends_at).where(
    BOOKINGS.c.instrument_id == bindparam("instrument_id"),
    BOOKINGS.c.status.in_(sorted(ACTIVE_BOOKING_STATUSES)),
    BOOKINGS.c.starts_at < bindparam("end", type_=BOOKINGS.c.starts_at.type),
    BOOKINGS.c.ends_at > bindparam("start", type_=BOOKINGS.c.ends_at.type),
    BOOKINGS.c.starts_at > bindparam("earliest", type_=BOOKINGS.c.starts_at.type),  # the cap
)
_DOWNTIMES = select(DOWNTIMES.c.id, DOWNTIMES.c.starts_at, DOWNTIMES.c.ends_at).where(
    DOWNTIMES.c.instrument_id == bindparam("instrument_id"),
    DOWNTIMES.c.starts_at < bindparam("end", type_=DOWNTIMES.c.starts_at.type),
    DOWNTIMES.c.ends_at > bindparam("start", type_=DOWNTIMES.c.ends_at.type),
)


def chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def rows_by_uid(session: Session, uids: Iterable[str], *, downtime: bool) -> dict[str, Row]:
    """The existing bookings (or downtimes) carrying any of `uids`, by `ical_uid`."""
    statement = _DOWNTIMES_BY_UID if downtime else _BOOKINGS_BY_UID
    connection = session.connection()
    found: dict[str, Row] = {}
    for chunk in chunks(sorted(set(uids))):
        for values in connection.execute(statement, {"uids": list(chunk)}).mappings():
            found[values["ical_uid"]] = Row(values["id"], (0, values["id"]), dict(values))
    return found


def owners_by_email(session: Session, events: Sequence[ImportedEvent]) -> dict[str, int]:
    """Active users by lower-cased email, for the emails the events carry (lowest id wins)."""
    emails = sorted({e for event in events for e in event.emails})
    found: dict[str, int] = {}
    for chunk in chunks(emails):
        rows = session.execute(
            select(func.lower(User.email), User.id)
            .where(func.lower(User.email).in_(chunk), User.active.is_(True))
            .order_by(User.id)
        ).all()
        for email, user_id in rows:
            found.setdefault(email, user_id)
    return found


def active_bookings(
    session: Session, instrument_id: int, start: datetime, end: datetime, known: Iterable[Row]
) -> SlotIndex:
    """The instrument's active bookings overlapping [start, end), reusing `known` rows."""
    return _index(session, _ACTIVE_BOOKINGS, instrument_id, start, end, known)


def downtimes(session: Session, instrument_id: int, start: datetime, end: datetime) -> SlotIndex:
    """The instrument's downtimes overlapping [start, end)."""
    return _index(session, _DOWNTIMES, instrument_id, start, end, ())


def _index(
    session: Session,
    statement: Any,
    instrument_id: int,
    start: datetime,
    end: datetime,
    known: Iterable[Row],
) -> SlotIndex:
    by_id = {row.id: row for row in known}
    params = {
        "instrument_id": instrument_id,
        "start": start,
        "end": end,
        "earliest": start - LONGEST_BOOKING,  # unused by the downtime statement
    }
    index = SlotIndex()
    for row_id, row_start, row_end in session.connection().execute(statement, params):
        row = by_id.get(row_id) or Row(row_id, (0, row_id), {"id": row_id})
        index.add(row, row_start, row_end)
    return index

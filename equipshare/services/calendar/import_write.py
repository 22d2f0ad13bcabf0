"""Writing a calendar import's decisions: a few executemany statements, not a flush an event.

The run decides every event in memory first (calendar_import_rows), then hands its
changes here in the order it made them. Updates run before inserts: on PostgreSQL the
exclusion constraint checks each row as it is written, and a booking moved or cancelled
by the file may free the slot a new one takes. Each update then meets a subset of the
rows it met when decided, and the inserts meet the final, overlap-free state, so a
violation can only come from a writer the instrument's row lock did not hold back.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Insert, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from equipshare.services.bookings.lifecycle import translating_overlaps
from equipshare.services.calendar.import_state import Row
from equipshare.services.plumbing.prebuilt import BOOKINGS, DOWNTIMES

#: The booking columns an import changes on a row it finds (a move or a cancellation).
BOOKING_UPDATED = (
    "starts_at", "ends_at", "user_id", "status", "purpose", "status_reason", "sequence",
    "cancelled_at", "updated_at", "user_class", "hourly_rate_pence", "technician_rate_pence",
    "instrument_charge_pence", "technician_charge_pence", "decided_by_id", "decided_at",
)  # fmt: skip
#: The downtime columns an import changes on a row it finds.
DOWNTIME_UPDATED = ("starts_at", "ends_at", "reason", "description", "sequence", "updated_at")

# RETURNING order is not promised (SQLAlchemy would send SQLite one row a statement to keep
# it), so each new id is matched to its row by the row's unique `ical_uid`.
_INSERT_BOOKINGS = insert(BOOKINGS).returning(BOOKINGS.c.ical_uid, BOOKINGS.c.id)
_UPDATE_BOOKING = update(BOOKINGS).where(BOOKINGS.c.id == bindparam("row_id"))
_INSERT_DOWNTIMES = insert(DOWNTIMES).returning(DOWNTIMES.c.ical_uid, DOWNTIMES.c.id)
_UPDATE_DOWNTIME = update(DOWNTIMES).where(DOWNTIMES.c.id == bindparam("row_id"))
_DELETE_DOWNTIME = delete(DOWNTIMES).where(DOWNTIMES.c.id == bindparam("row_id"))


def update_values(row: Row, columns: Sequence[str]) -> dict[str, Any]:
    """One executemany parameter set: the row's id and `columns` as they are now."""
    values = row.values
    return {"row_id": row.id} | {name: values[name] for name in columns}


def write_bookings(
    session: Session, instrument_code: str, updates: list[dict[str, Any]], new: list[Row]
) -> None:
    """Apply `updates` (from `update_values`) in order, then insert `new`, setting their ids."""
    connection = session.connection()
    with translating_overlaps(instrument_code):
        if updates:
            connection.execute(_UPDATE_BOOKING, updates)
        if new:
            _insert(connection, _INSERT_BOOKINGS, new)


def write_downtimes(
    session: Session, updates: list[dict[str, Any]], made_and_gone: list[tuple[bool, Row]]
) -> None:
    """Apply `updates`, then insert (True) and delete (False) rows in the order decided.

    Runs of inserts and of deletes each go in one statement, but never reordered: SQLite
    gives a new row the highest id plus one, so deleting the newest downtime before an
    insert hands its id on, as writing them one by one did.
    """
    connection = session.connection()
    if updates:
        connection.execute(_UPDATE_DOWNTIME, updates)
    for inserting, run in groupby(made_and_gone, key=itemgetter(0)):
        rows = [row for _, row in run]
        if inserting:
            _insert(connection, _INSERT_DOWNTIMES, rows)
        else:
            connection.execute(_DELETE_DOWNTIME, [{"row_id": row.id} for row in rows])


def _insert(connection: Connection, statement: Insert, new: list[Row]) -> None:
    """Insert `new` in one executemany and give each row the id it was given."""
    written = connection.execute(statement, [row.values for row in new])
    ids: dict[str, int] = {uid: row_id for uid, row_id in written}
    for row in new:
        row.id = ids[row.values["ical_uid"]]

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
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.orm import Session

from equipshare.services.bookings import translating_overlaps
from equipshare.services.calendar_import_state import Row
from equipshare.services.prebuilt import AUDIT_EVENTS, BOOKINGS, DOWNTIMES

#: The booking columns an import changes on a row it finds (a move or a cancellation).
BOOKING_UPDATED = (
    "starts_at", "ends_at", "user_id", "status", "purpose", "status_reason", "sequence",
    "cancelled_at", "updated_at", "user_class", "hourly_rate_pence", "technician_rate_pence",
    "instrument_charge_pence", "technician_charge_pence",
)  # fmt: skip
#: The downtime columns an import changes on a row it finds.
DOWNTIME_UPDATED = ("starts_at", "ends_at", "reason", "description", "sequence", "updated_at")

_INSERT_BOOKINGS = insert(BOOKINGS).returning(BOOKINGS.c.id, sort_by_parameter_order=True)
_UPDATE_BOOKING = update(BOOKINGS).where(BOOKINGS.c.id == bindparam("row_id"))
_INSERT_DOWNTIMES = insert(DOWNTIMES).returning(DOWNTIMES.c.id, sort_by_parameter_order=True)
_UPDATE_DOWNTIME = update(DOWNTIMES).where(DOWNTIMES.c.id == bindparam("row_id"))
_DELETE_DOWNTIME = delete(DOWNTIMES).where(DOWNTIMES.c.id == bindparam("row_id"))
_INSERT_AUDITS = insert(AUDIT_EVENTS)


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
            ids = connection.execute(_INSERT_BOOKINGS, [row.values for row in new]).scalars()
            for row, row_id in zip(new, ids, strict=True):
                row.id = row_id


def write_downtimes(
    session: Session, updates: list[dict[str, Any]], new: list[Row], gone: list[Row]
) -> None:
    """Apply `updates`, insert `new` (setting their ids), then delete `gone`."""
    connection = session.connection()
    if updates:
        connection.execute(_UPDATE_DOWNTIME, updates)
    if new:
        ids = connection.execute(_INSERT_DOWNTIMES, [row.values for row in new]).scalars()
        for row, row_id in zip(new, ids, strict=True):
            row.id = row_id
    if gone:
        connection.execute(_DELETE_DOWNTIME, [{"row_id": row.id} for row in gone])


def insert_audits(session: Session, audits: list[dict[str, Any]]) -> None:
    """Write audit events (each from `audit_values`), in order, in one executemany."""
    if audits:
        session.connection().execute(_INSERT_AUDITS, audits)

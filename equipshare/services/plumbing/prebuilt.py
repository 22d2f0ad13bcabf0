"""Core statements built once, for the hot paths: booking creation above all.

Building an ORM select per call costs far more than running it (coercion, cache keys,
ORM loading). The statements on these paths are built at import over the tables, with
bind parameters, and run on the session's connection: SQLAlchemy compiles each once per
engine, and a call only binds values and reads plain rows. No ORM objects enter the
session, so callers build frozen records straight from the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Connection, Executable, Table
from sqlalchemy.orm import Session

from equipshare.db import direct
from equipshare.db.direct_plans import Rows
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import (
    Facility,
    FacilityStaff,
    Institution,
    Instrument,
    OpeningHours,
    User,
)
from equipshare.db.models.charging import RateCard
from equipshare.db.models.queue import Notification
from equipshare.db.models.training import TrainingRecord

AUDIT_EVENTS = cast(Table, AuditEvent.__table__)
BOOKINGS = cast(Table, Booking.__table__)
DOWNTIMES = cast(Table, Downtime.__table__)
FACILITIES = cast(Table, Facility.__table__)
FACILITY_STAFF = cast(Table, FacilityStaff.__table__)
INSTITUTIONS = cast(Table, Institution.__table__)
INSTRUMENTS = cast(Table, Instrument.__table__)
NOTIFICATIONS = cast(Table, Notification.__table__)
OPENING_HOURS = cast(Table, OpeningHours.__table__)
RATE_CARDS = cast(Table, RateCard.__table__)
TRAINING_RECORDS = cast(Table, TrainingRecord.__table__)
USERS = cast(Table, User.__table__)

# The instrument's own descriptive columns, in every instrument record query. Record
# builders read them by name, so a statement that adds a column with one of these names
# (another table's `code` or `name`) labels it: `FACILITIES.c.name.label("facility_name")`.
INSTRUMENT_DESCRIPTION = (
    INSTRUMENTS.c.id,
    INSTRUMENTS.c.code,
    INSTRUMENTS.c.name,
    INSTRUMENTS.c.category,
    INSTRUMENTS.c.manufacturer,
    INSTRUMENTS.c.model,
    INSTRUMENTS.c.status,
    INSTRUMENTS.c.status_reason,
    INSTRUMENTS.c.access_level,
    INSTRUMENTS.c.building,
    INSTRUMENTS.c.room,
)


def run(session: Session, statement: Executable, params: Mapping[str, Any]) -> Rows:
    """Run a prebuilt statement in the session's transaction, on the driver's cursor
    (db/direct.py: SQLAlchemy's execution of a statement cost more than the statement).

    Pending ORM changes are flushed first, as a query through the session would
    (autoflush), so a caller that added rows still reads them.
    """
    return direct.execute(connection_of(session), statement, params)


_CONNECTION = "equipshare.connection"


def run_later(session: Session, statement: Executable, params: Mapping[str, Any]) -> None:
    """Run a prebuilt write whose result nobody reads: on PostgreSQL it goes with the next
    round trip (db/direct.py's `defer`), on SQLite now."""
    direct.defer(connection_of(session), statement, params)


def connection_of(session: Session) -> Connection:
    """The session's connection, its pending ORM changes flushed first (as autoflush would).

    Kept for the session's transaction: asking the session each time cost more than most
    of the statements run on it.
    """
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    transaction = session.get_transaction()
    kept = session.info.get(_CONNECTION)
    if kept is not None and transaction is not None and kept[0] is transaction:
        return cast(Connection, kept[1])
    connection = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), connection)
    return connection

"""Keeping the booking roll-up right: every write that changes what it sums recomputes the
instrument-days it touched, in the same transaction, just before it commits.

The hook point is the one the change stamps use (db/change_stamps.py): one listener on
the engine sees every INSERT, UPDATE and DELETE, the ORM's flushes and the Core statements
of the hot paths alike, and notes what each touches:

- a booking: its instrument and start (a booking counts on the day its start falls in,
  as the reports count it); for an UPDATE or a DELETE, read by the statement's own WHERE
  just before it runs, and for an UPDATE that may move it, read again at commit, so both
  the old and the new day are recomputed;
- a user whose institution changes: the days of every booking they made or assisted
  (the roll-up is keyed by the booker's and the technician's institution);
- a facility whose zone changes, or an instrument that moves facility: all of those
  instruments' rows (their days begin at other instants now);
- anything it cannot read (raw SQL, a bulk INSERT ... SELECT, an UPDATE without WHERE):
  the whole roll-up, rebuilt at commit.

At commit each noted instrument-day is deleted and inserted again from its bookings (the
day's UTC bounds come from zoneinfo, so a 23- or 25-hour day is right). On PostgreSQL the
noted instruments' rows are locked first, in id order: two transactions writing the same
instrument-day then recompute one after the other, the second seeing the first's rows.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    TextClause,
    bindparam,
    delete,
    event,
    insert,
    inspect,
    or_,
    select,
)
from sqlalchemy.pool import Pool
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase

from equipshare.db import rollup_sql
from equipshare.db.change_stamps import (
    TEXT_DML,
    UNTRACKED_OPTION,
    given_values,
    ids_named,
)
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.rollups import BookingRollup
from equipshare.domain.zone_offsets import local_midnight, offset_spans_between

ROLLUPS = cast(Table, BookingRollup.__table__)
BOOKINGS = cast(Table, Booking.__table__)
_PENDING = "equipshare.rollups"
_CHUNK = 500
#: Per table, the columns whose change moves roll-up rows to other keys.
_MOVING = {
    "bookings": frozenset({"instrument_id", "starts_at"}),
    "users": frozenset({"institution_id"}),
    "facilities": frozenset({"timezone"}),
    "instruments": frozenset({"facility_id"}),
}
_WATCHED = frozenset(_MOVING)
#: Tables the roll-up's rows point at, by the column that names them.
_REFERENCED = {"instruments": "instrument_id", "institutions": "user_institution_id"}
_HAS_TABLE: weakref.WeakKeyDictionary[Pool, bool] = weakref.WeakKeyDictionary()


@dataclass
class Pending:
    """What one transaction has touched so far."""

    everything: bool = False
    starts: set[tuple[int, datetime]] = field(default_factory=set)
    moved_bookings: set[int] = field(default_factory=set)
    moved_users: set[int] = field(default_factory=set)
    moved_facilities: set[int] = field(default_factory=set)
    moved_instruments: set[int] = field(default_factory=set)

    def add_booking(self, row: Mapping[str, Any]) -> None:
        instrument, start = row.get("instrument_id"), row.get("starts_at")
        if isinstance(instrument, int) and isinstance(start, datetime) and start.tzinfo:
            self.starts.add((instrument, start))
        else:
            self.everything = True  # a value we cannot read: rebuild it all


def install(engine: Engine) -> None:
    """Keep the roll-up of the bookings written through `engine` (and its derivatives)."""
    event.listen(engine, "before_execute", _note)
    event.listen(engine, "begin", _forget)
    event.listen(engine, "rollback", _forget)
    event.listen(engine, "commit", _recompute)


def note_rows(conn: Connection, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Count rows written past the engine's statements (PostgreSQL's COPY, which the demo
    uses) as an INSERT of them would be counted."""
    if table == "bookings" and not conn.get_execution_options().get(UNTRACKED_OPTION):
        pending = _pending(conn)
        for row in rows:
            pending.add_booking(row)


def settle(conn: Connection) -> None:
    """Rebuild the whole roll-up now, in `conn`'s transaction, instead of the instrument-days
    noted so far: for bulk loads (the demo), where one set-based rebuild beats recomputing
    thousands of days one by one at commit. Writes after it are noted as usual."""
    conn.info.pop(_PENDING, None)
    if _has_table(conn):
        rebuild(conn)


def forget_schema(engine: Engine) -> None:
    """The schema may have changed (a migration ran): look for the roll-up table again."""
    _HAS_TABLE.pop(engine.pool, None)


def _forget(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)


def _pending(conn: Connection) -> Pending:
    pending = conn.info.get(_PENDING)
    if pending is None:
        pending = conn.info[_PENDING] = Pending()
    return cast(Pending, pending)


def _note(
    conn: Connection,
    clause: object,
    multiparams: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    execution_options: Mapping[str, Any],
) -> None:
    if not isinstance(clause, UpdateBase | TextClause):
        return
    if execution_options.get(UNTRACKED_OPTION) or conn.get_execution_options().get(
        UNTRACKED_OPTION
    ):
        return
    if isinstance(clause, TextClause):
        match = TEXT_DML.match(clause.text)
        if match and match.group(1).lower() in _WATCHED:
            _pending(conn).everything = True
        return
    table = clause.table
    name = getattr(table, "name", None)
    if name in _REFERENCED and isinstance(clause, Delete) and isinstance(table, Table):
        _let_go(conn, clause, table, list(multiparams) or [params])
        return
    if name not in _WATCHED or not isinstance(table, Table):
        return
    sets = list(multiparams) or [params]
    if name == "bookings" and isinstance(clause, Insert):
        _note_insert(_pending(conn), clause, sets)
    elif name == "bookings" and isinstance(clause, Update | Delete):
        _note_booking_change(conn, _pending(conn), clause, sets)
    elif isinstance(clause, Update):
        _note_move(conn, _pending(conn), clause, table, sets)


def _let_go(conn: Connection, clause: Delete, table: Table, sets: Sequence[Any]) -> None:
    """An instrument or institution about to be deleted (which their bookings would
    refuse, so theirs are gone already): delete its roll-up rows first, or the foreign
    key would refuse the DELETE before commit could recompute them."""
    if not _has_table(conn):
        return
    where = clause.whereclause
    if where is None:
        conn.execute(delete(BookingRollup))
        return
    ids = sorted(row.id for row in _rows_named(conn, table, (table.c.id,), where, sets))
    column = BookingRollup.__table__.c[_REFERENCED[table.name]]
    for chunk in _chunks(ids):
        conn.execute(delete(BookingRollup).where(column.in_(chunk)))


def _note_insert(pending: Pending, clause: Insert, sets: Sequence[Mapping[str, Any]]) -> None:
    if getattr(clause, "_multi_values", ()) or getattr(clause, "select", None) is not None:
        pending.everything = True
        return
    given = given_values(clause)
    for values in sets:
        pending.add_booking({**given, **values})


def _moves(clause: UpdateBase, table: str, sets: Sequence[Mapping[str, Any]]) -> bool:
    named = set(given_values(clause)) | {key for values in sets for key in values}
    return bool(_MOVING[table] & named)


def _note_booking_change(
    conn: Connection, pending: Pending, clause: Update | Delete, sets: Sequence[Mapping[str, Any]]
) -> None:
    where = clause.whereclause
    if where is None:
        pending.everything = True
        return
    columns = (BOOKINGS.c.id, BOOKINGS.c.instrument_id, BOOKINGS.c.starts_at)
    for row in _rows_named(conn, BOOKINGS, columns, where, sets):
        pending.add_booking(row._mapping)
        if isinstance(clause, Update) and _moves(clause, "bookings", sets):
            pending.moved_bookings.add(row.id)


def _note_move(
    conn: Connection, pending: Pending, clause: Update, table: Table, sets: Sequence[Any]
) -> None:
    """A user, facility or instrument UPDATE that changes what roll-up rows are keyed by."""
    if not _moves(clause, table.name, sets):
        return
    where = clause.whereclause
    if where is None:
        pending.everything = True
        return
    ids = {row.id for row in _rows_named(conn, table, (table.c.id,), where, sets)}
    {
        "users": pending.moved_users,
        "facilities": pending.moved_facilities,
        "instruments": pending.moved_instruments,
    }[table.name].update(ids)


def _rows_named(
    conn: Connection, table: Table, columns: Sequence[Any], where: Any, sets: Sequence[Any]
) -> list[Any]:
    ids = ids_named(where, table, sets)
    if ids is not None:
        return [
            row
            for chunk in _chunks(sorted(ids))
            for row in conn.execute(select(*columns).where(table.c.id.in_(chunk)))
        ]
    return [row for values in sets for row in conn.execute(select(*columns).where(where), values)]


def _chunks(ids: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _recompute(conn: Connection) -> None:
    pending = cast(Pending | None, conn.info.pop(_PENDING, None))
    if pending is None or conn.get_execution_options().get(UNTRACKED_OPTION):
        return
    if not _has_table(conn):
        return
    if pending.everything:
        rebuild(conn)
        return
    whole = _whole_instruments(conn, pending)
    starts = _starts(conn, pending)
    instruments = sorted(whole | {instrument for instrument, _ in starts})
    if not instruments:
        return
    zones = _locked_zones(conn, instruments)
    if whole:
        rebuild(conn, sorted(whole))
    days = sorted(
        {
            (instrument, start.astimezone(ZoneInfo(zones[instrument])).date())
            for instrument, start in starts
            if instrument not in whole and instrument in zones
        }
    )
    recompute_days(conn, [(i, day, zones[i]) for i, day in days])


def _whole_instruments(conn: Connection, pending: Pending) -> set[int]:
    """Instruments whose every row must be rebuilt: moved, or their facility's zone changed."""
    whole = set(pending.moved_instruments)
    for chunk in _chunks(sorted(pending.moved_facilities)):
        whole.update(
            conn.execute(select(Instrument.id).where(Instrument.facility_id.in_(chunk))).scalars()
        )
    return whole


def _starts(conn: Connection, pending: Pending) -> set[tuple[int, datetime]]:
    """The (instrument, start) of every booking noted, moved bookings read again now."""
    starts = set(pending.starts)
    columns = (Booking.instrument_id, Booking.starts_at)
    for chunk in _chunks(sorted(pending.moved_bookings)):
        starts.update(
            (row[0], row[1]) for row in conn.execute(select(*columns).where(Booking.id.in_(chunk)))
        )
    for chunk in _chunks(sorted(pending.moved_users)):
        starts.update(
            (row[0], row[1])
            for row in conn.execute(
                select(*columns).where(
                    or_(Booking.user_id.in_(chunk), Booking.technician_id.in_(chunk))
                )
            )
        )
    return starts


def _locked_zones(conn: Connection, instruments: Sequence[int]) -> dict[int, str]:
    """Each instrument's facility zone, in one query that on PostgreSQL also locks the
    instruments' rows in id order (SQLite's writers hold the whole database already)."""
    zones: dict[int, str] = {}
    for chunk in _chunks(instruments):
        statement = (
            select(Instrument.id, Facility.timezone)
            .join(Facility, Facility.id == Instrument.facility_id)
            .where(Instrument.id.in_(chunk))
            .order_by(Instrument.id)
        )
        if conn.dialect.name == "postgresql":
            statement = statement.with_for_update(of=Instrument)
        zones.update({row.id: row.timezone for row in conn.execute(statement)})
    return zones


def recompute_days(conn: Connection, days: Sequence[tuple[int, date, str]]) -> None:
    """Delete and insert again the rows of each (instrument, day, its facility's zone)."""
    if not days:
        return
    doomed, fill = _day_statements(conn.dialect.name)
    params = []
    for instrument, day, timezone in days:
        zone = ZoneInfo(timezone)
        params.append(
            {
                "instrument_id": instrument,
                "day": day,
                "starts": local_midnight(day, zone),
                "ends": local_midnight(day + timedelta(days=1), zone),
            }
        )
    conn.execute(doomed, [{"instrument_id": p["instrument_id"], "day": p["day"]} for p in params])
    conn.execute(fill, params)


@functools.cache
def _day_statements(dialect: str) -> tuple[Delete, Insert]:
    """The per-day DELETE and INSERT, built once: SQLAlchemy then finds them compiled."""
    doomed = delete(BookingRollup).where(
        BookingRollup.instrument_id == bindparam("instrument_id"),
        BookingRollup.day == bindparam("day"),
    )
    return doomed, insert(ROLLUPS).from_select(rollup_sql.COLUMNS, rollup_sql.one_day(dialect))


def rebuild(conn: Connection, instruments: Sequence[int] | None = None) -> None:
    """Rebuild the roll-up from the bookings: all of it, or the rows of `instruments`."""
    if instruments is None:
        conn.execute(delete(BookingRollup))
        for select_days in _zone_selects(conn):
            conn.execute(insert(ROLLUPS).from_select(rollup_sql.COLUMNS, select_days))
        return
    for chunk in _chunks(instruments):
        conn.execute(delete(BookingRollup).where(BookingRollup.instrument_id.in_(chunk)))
        for select_days in _zone_selects(conn, chunk):
            conn.execute(insert(ROLLUPS).from_select(rollup_sql.COLUMNS, select_days))


def _zone_selects(conn: Connection, instruments: Sequence[int] | None = None) -> list[Any]:
    """One SELECT of the roll-up's rows per facility zone, computed from the bookings."""
    first, last = conn.execute(rollup_sql.first_and_last_start()).one()
    if first is None or last is None:
        return []
    first, last = _instant(first), _instant(last)
    zones = conn.execute(select(Facility.timezone).distinct().order_by(Facility.timezone))
    dialect = conn.dialect.name
    return [
        rollup_sql.zone_days(
            dialect,
            zone,
            offset_spans_between(zone, first - timedelta(days=1), last + timedelta(days=1)),
            instruments,
        )
        for zone in zones.scalars()
    ]


def expected_rows(conn: Connection) -> list[Any]:
    """The SELECTs of what the roll-up should hold, one per facility zone (for `check`)."""
    return _zone_selects(conn)


def _instant(value: datetime | str) -> datetime:
    """min()/max() of a UTC column come back as text on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _has_table(conn: Connection) -> bool:
    pool = conn.engine.pool
    if _HAS_TABLE.get(pool):
        return True
    found = inspect(conn).has_table(ROLLUPS.name)
    if found:
        _HAS_TABLE[pool] = True
    return found

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
- a facility whose zone or institution changes, or an instrument that moves facility:
  all of those instruments' rows (their days begin at other instants now), and the host
  rows of the institutions they were in (read before the UPDATE runs) and are in;
- anything it cannot read (raw SQL, a bulk INSERT ... SELECT, an UPDATE without WHERE):
  the whole roll-up, rebuilt at commit.

At commit the noted instrument-days, their instrument-months and those months' host
rows are recomputed; a day whose only change is new bookings (noted by their unique iCal
UID) has those bookings' own rows added instead, the same sums at a fraction of the cost
(db/rollup_upkeep.py, imported then: this module, installed on every engine, needs no
ORM model, so a process that only reads never loads them for it).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, TextClause, event, inspect, select
from sqlalchemy import table as bare_table
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.pool import Pool
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase

from equipshare.db.change_stamps import (
    TEXT_DML,
    UNTRACKED_OPTION,
    given_values,
    ids_named,
)
from equipshare.db.rollup_pending import Pending, chunks

#: The roll-up tables: the days, the months summed from them, the months' held sums by
#: host institution, and their figures by instrument, year to date (the latest: a schema
#: that has it has all four).
DAYS, MONTHS, HOSTS = "booking_rollups", "booking_rollup_months", "booking_rollup_hosts"
YEARS = "booking_rollup_year_to_date"
#: The same as lightweight Core tables (no columns, no ORM), enough to count their rows.
ROLLUPS, ROLLUP_MONTHS = bare_table(DAYS), bare_table(MONTHS)
_PENDING = "equipshare.rollups"
#: Per table, the columns whose change moves roll-up rows to other keys.
_MOVING = {
    "bookings": frozenset({"instrument_id", "starts_at"}),
    "users": frozenset({"institution_id"}),
    "facilities": frozenset({"timezone", "institution_id"}),
    "instruments": frozenset({"facility_id"}),
}
_WATCHED = frozenset(_MOVING)
#: Tables the roll-up's rows point at, by the column that names them.
_REFERENCED = {"instruments": "instrument_id", "institutions": "user_institution_id"}
_HAS_TABLE: weakref.WeakKeyDictionary[Pool, bool] = weakref.WeakKeyDictionary()


def install(engine: Engine) -> None:
    """Keep the roll-up of the bookings written through `engine` (and its derivatives)."""
    event.listen(engine, "before_execute", _note)
    event.listen(engine, "begin", _forget)
    event.listen(engine, "rollback", _forget)
    event.listen(engine, "commit", _recompute)
    event.listen(engine, "handle_error", _failed)


def note_rows(conn: Connection, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Count rows written past the engine's statements (PostgreSQL's COPY, which the demo
    uses) as an INSERT of them would be counted."""
    if table == "bookings" and not conn.get_execution_options().get(UNTRACKED_OPTION):
        pending = _pending(conn)
        for row in rows:
            pending.add_booking(row)


def note_locked(conn: Connection, instrument_id: int, timezone: str) -> None:
    """`conn`'s transaction holds `instrument_id`'s row lock and read its facility's zone
    under it: the upkeep at commit takes both from here instead of a query of its own."""
    _pending(conn).locked_zones[instrument_id] = timezone


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


def _failed(context: ExceptionContext) -> None:
    """A statement failed (and someone may go on in the transaction, past a savepoint or
    on SQLite): its new bookings' days are recomputed in full, not added to."""
    conn = context.connection
    if conn is not None and not conn.closed and not conn.invalidated:
        _pending(conn).adding = False


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
    from equipshare.db import rollup_upkeep

    where = clause.whereclause
    if where is None:
        rollup_upkeep.let_go(conn, _REFERENCED[table.name], None)
        return
    ids = sorted(row.id for row in _rows_named(conn, table, (table.c.id,), where, sets))
    hosts = rollup_upkeep.let_go(conn, _REFERENCED[table.name], ids)
    _pending(conn).moved_hosts.update(hosts)


def _note_insert(pending: Pending, clause: Insert, sets: Sequence[Mapping[str, Any]]) -> None:
    if getattr(clause, "_multi_values", ()) or getattr(clause, "select", None) is not None:
        pending.everything = True
        return
    given = given_values(clause)
    for values in sets:
        pending.add_insert({**given, **values})


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
    table = cast(Table, clause.table)
    columns = (table.c.id, table.c.instrument_id, table.c.starts_at)
    for row in _rows_named(conn, table, columns, where, sets):
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
    if table.name != "users" and ids:
        pending.moved_hosts.update(_hosts_now(conn, table.name, sorted(ids)))
    {
        "users": pending.moved_users,
        "facilities": pending.moved_facilities,
        "instruments": pending.moved_instruments,
    }[table.name].update(ids)


def _hosts_now(conn: Connection, table: str, ids: Sequence[int]) -> set[int]:
    """The institutions the facilities or instruments `ids` are in, before they move."""
    from equipshare.db import rollup_upkeep

    if table == "instruments":
        return rollup_upkeep.hosts_of(conn, ids)
    return rollup_upkeep.hosts_of_facilities(conn, ids)


def _rows_named(
    conn: Connection, table: Table, columns: Sequence[Any], where: Any, sets: Sequence[Any]
) -> list[Any]:
    ids = ids_named(where, table, sets)
    if ids is not None:
        return [
            row
            for chunk in chunks(sorted(ids))
            for row in conn.execute(select(*columns).where(table.c.id.in_(chunk)))
        ]
    return [row for values in sets for row in conn.execute(select(*columns).where(where), values)]


def _recompute(conn: Connection) -> None:
    pending = cast(Pending | None, conn.info.pop(_PENDING, None))
    if pending is None or conn.get_execution_options().get(UNTRACKED_OPTION):
        return
    if not _has_table(conn):
        return
    from equipshare.db import rollup_upkeep

    rollup_upkeep.recompute(conn, pending)


def rebuild(conn: Connection, instruments: Sequence[int] | None = None) -> None:
    """Rebuild the roll-ups from the bookings: all of them, or the rows of `instruments`."""
    from equipshare.db import rollup_upkeep

    rollup_upkeep.rebuild(conn, instruments)


def _has_table(conn: Connection) -> bool:
    pool = conn.engine.pool
    if _HAS_TABLE.get(pool):
        return True
    found = inspect(conn).has_table(YEARS)
    if found:
        _HAS_TABLE[pool] = True
    return found

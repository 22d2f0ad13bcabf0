"""Change stamps: every committed write to what a calendar feed or a screen shows bumps a
counter.

A feed server keeps each feed's body and serves it again while the counters of the feed's
scope stand still, and an open screen of the terminal app reloads only when its counters
move (services/changes); that is only right if *every* write bumps them, whichever process
makes it and whichever way it is written. So the counting sits below the services: one
listener on the engine sees every INSERT, UPDATE and DELETE, the ORM's flushes and the Core
statements of the hot paths alike, and notes the scopes each one touches:

- a booking or series row: its user's and its instrument's counters (for an UPDATE or a
  DELETE, read by the statement's own WHERE just before it runs; a row whose user or
  instrument a statement may change is read again at commit, so both sides are counted);
- a downtime, opening hours or waitlist row: its instrument's "schedule" counter, and a
  training record: its instrument's "training" counter, the same way (no feed reads these:
  they are what an instrument's week and the training list show besides bookings);
- a user, instrument, facility, institution or facility staff row, or a raw SQL write to
  any of these tables: the one counter every feed reads ("all"), since names, places and
  who may see which calendar all live there.

At commit the noted counters are bumped by one sorted upsert in the same transaction: a
reader sees the rows and the counters move together, and writers take the counters' row
locks in one order at the very end, so they cannot deadlock on them. A write made outside
equipshare (by hand in psql or sqlite3) is not seen until the next write of the same scope.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    BinaryExpression,
    BindParameter,
    Column,
    Connection,
    Engine,
    Table,
    TextClause,
    bindparam,
    event,
    inspect,
    select,
)
from sqlalchemy.pool import Pool
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase

from equipshare.db import direct


@cache
def _stamps() -> Table:
    """The change_stamps table, loaded (with the ORM) at the first commit that writes: an
    app start that only reads never imports the models."""
    from equipshare.db.models.feeds import ChangeStamp

    return cast(Table, ChangeStamp.__table__)


#: A connection (or engine) execution option that turns the counting off: migrations.
UNTRACKED_OPTION = "equipshare_changes_untracked"
EVERYTHING = ("all", 0)
_BOOKED = (("user", "user_id"), ("instrument", "instrument_id"))
#: Rows that belong to scopes: the (kind, column) of each counter a row bumps, keyed by the
#: row's value in that column. Bookings and series are on the calendar feeds.
SCOPES: dict[str, tuple[tuple[str, str], ...]] = {
    "bookings": _BOOKED,
    "booking_series": _BOOKED,
    "downtimes": (("schedule", "instrument_id"),),
    "opening_hours": (("schedule", "instrument_id"),),
    "waitlist_entries": (("schedule", "instrument_id"),),
    "training_records": (("training", "instrument_id"),),
}
SCOPED_TABLES = frozenset(SCOPES)
#: Rows whose change may change any feed (names, places, rights): they bump "all".
WHOLE_TABLES = frozenset({"users", "instruments", "facilities", "institutions", "facility_staff"})
_PENDING = "equipshare.change_stamps"
_CHUNK = 500
TEXT_DML = re.compile(
    r"^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from)\s+\"?(\w+)", re.I
)
# Pools whose database is known to have the stamps table; migrations forget theirs.
_HAS_TABLE: weakref.WeakKeyDictionary[Pool, bool] = weakref.WeakKeyDictionary()


@dataclass
class Pending:
    """What one transaction has touched so far."""

    everything: bool = False
    keys: set[tuple[str, int]] = field(default_factory=set)
    # ids of rows, by table, that a statement may have moved to another scope
    moved: dict[Table, set[int]] = field(default_factory=dict)

    def stamps(self) -> list[tuple[str, int]]:
        return sorted(self.keys | {EVERYTHING} if self.everything else self.keys)

    def add(self, table: str, row: Mapping[Any, Any]) -> None:
        """Note a row of `table`, whose column values `row` holds."""
        keys = [(kind, row.get(column)) for kind, column in SCOPES[table]]
        if all(isinstance(key, int) for _, key in keys):
            self.keys.update(cast(list[tuple[str, int]], keys))
        else:
            self.everything = True  # a value we cannot read: count it everywhere


def install(engine: Engine) -> None:
    """Count the writes made through `engine` (and every engine derived from it)."""
    event.listen(engine, "before_execute", _note)
    event.listen(engine, "begin", _forget)
    event.listen(engine, "rollback", _forget)
    event.listen(engine, "commit", _bump)


def note_rows(conn: Connection, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Count rows written past the engine's statements (PostgreSQL's COPY, which the demo
    uses): the same stamps an INSERT of them would bump, at the same commit."""
    if conn.get_execution_options().get(UNTRACKED_OPTION):
        return
    if table in WHOLE_TABLES:
        _pending(conn).everything = True
    elif table in SCOPED_TABLES:
        pending = _pending(conn)
        for row in rows:
            pending.add(table, row)


def forget_schema(engine: Engine) -> None:
    """The schema may have changed (a migration ran): look for the stamps table again."""
    _HAS_TABLE.pop(engine.pool, None)


def untracked(engine: Engine) -> Engine:
    """`engine` with counting off, for migrations: their tables may not be the models'."""
    return engine.execution_options(**{UNTRACKED_OPTION: True})


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
        if match and match.group(1).lower() in SCOPED_TABLES | WHOLE_TABLES:
            _pending(conn).everything = True
        return
    table = clause.table
    name = getattr(table, "name", None)
    if name in WHOLE_TABLES:
        _pending(conn).everything = True
    elif name in SCOPED_TABLES and isinstance(table, Table):
        sets = list(multiparams) or [params]
        if isinstance(clause, Insert):
            _note_insert(_pending(conn), clause, name, sets)
        elif isinstance(clause, Update | Delete):
            _note_change(conn, _pending(conn), clause, table, sets)


def _note_insert(
    pending: Pending, clause: Insert, table: str, sets: Sequence[Mapping[str, Any]]
) -> None:
    given = given_values(clause)
    if getattr(clause, "_multi_values", ()) or getattr(clause, "select", None) is not None:
        pending.everything = True
        return
    for values in sets:
        pending.add(table, {**given, **values})


def _note_change(
    conn: Connection,
    pending: Pending,
    clause: Update | Delete,
    table: Table,
    sets: Sequence[Mapping[str, Any]],
) -> None:
    where = clause.whereclause
    if where is None:
        pending.everything = True
        return
    scoped = [column for _, column in SCOPES[table.name]]
    moves = isinstance(clause, Update) and bool(
        set(scoped) & (set(given_values(clause)) | {key for values in sets for key in values})
    )
    columns = (table.c.id, *(table.c[column] for column in scoped))
    ids = ids_named(where, table, sets)
    if ids is not None:
        found = [
            row
            for chunk in _chunks(sorted(ids))
            for row in conn.execute(select(*columns).where(table.c.id.in_(chunk)))
        ]
    else:
        found = [
            row for values in sets for row in conn.execute(select(*columns).where(where), values)
        ]
    for row in found:
        pending.add(table.name, row._mapping)
        if moves:
            pending.moved.setdefault(table, set()).add(row.id)


def ids_named(where: object, table: Table, sets: Sequence[Mapping[str, Any]]) -> set[int] | None:
    """The row ids of `WHERE id = :x` or `WHERE id IN (...)`, or None for any other filter."""
    if not isinstance(where, BinaryExpression):
        return None
    left, right = where.left, where.right
    if not (isinstance(left, Column) and left.name == "id"):
        return None
    if getattr(left.table, "name", None) != table.name:
        return None
    if not isinstance(right, BindParameter):
        return None
    values = [values.get(right.key, right.value) for values in sets]
    if where.operator is operators.eq and all(isinstance(v, int) for v in values):
        return set(values)
    if where.operator is operators.in_op and all(isinstance(v, list | tuple) for v in values):
        flat = [v for many in values for v in many]
        return set(flat) if all(isinstance(v, int) for v in flat) else None
    return None


def given_values(clause: UpdateBase) -> dict[str, Any]:
    """The statement's own .values(), by column name, as plain values where they are known."""
    given: dict[str, Any] = {}
    raw = getattr(clause, "_values", None) or {}
    ordered = getattr(clause, "_ordered_values", None) or ()
    for key, value in list(raw.items()) + list(ordered):
        name = getattr(key, "key", key)
        given[str(name)] = value.value if isinstance(value, BindParameter) else value
    return given


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _bump(conn: Connection) -> None:
    pending = cast(Pending | None, conn.info.pop(_PENDING, None))
    if pending is None or conn.get_execution_options().get(UNTRACKED_OPTION):
        return
    for table, ids in pending.moved.items():
        columns = [table.c[column] for _, column in SCOPES[table.name]]
        for chunk in _chunks(sorted(ids)):
            for row in conn.execute(select(*columns).where(table.c.id.in_(chunk))):
                pending.add(table.name, row._mapping)
    stamps = pending.stamps()
    if not stamps or not _has_table(conn):
        return
    direct.defer(conn, _upsert(conn.dialect.name), [{"kind": k, "key": key} for k, key in stamps])


def _has_table(conn: Connection) -> bool:
    pool = conn.engine.pool
    if _HAS_TABLE.get(pool):
        return True
    found = inspect(conn).has_table(_stamps().name)
    if found:  # an absent table is looked for again: a migration may be about to add it
        _HAS_TABLE[pool] = True
    return found


@cache
def _upsert(dialect: str) -> UpdateBase:
    """Add one to a stamp, creating it at 1: the same ON CONFLICT on both engines.

    Built once per dialect: every committing write runs it, and building the statement
    (and its cache key) each time cost more than running it.
    """
    # Imported here: the PostgreSQL dialect package alone costs a SQLite launch ~50 ms.
    stamps = _stamps()
    values = {"kind": bindparam("kind"), "key": bindparam("key"), "counter": 1}
    keys, bumped = [stamps.c.kind, stamps.c.key], {"counter": stamps.c.counter + 1}
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(stamps).values(values)
        return lite.on_conflict_do_update(index_elements=keys, set_=bumped)
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert

    pg = postgresql_insert(stamps).values(values)
    return pg.on_conflict_do_update(index_elements=keys, set_=bumped)

"""Change stamps: every committed write to what a calendar feed shows bumps a counter.

A feed server keeps each feed's body and serves it again while the counters of the feed's
scope stand still; that is only right if *every* write bumps them, whichever process makes
it and whichever way it is written. So the counting sits below the services: one listener on
the engine sees every INSERT, UPDATE and DELETE, the ORM's flushes and the Core statements of
the hot paths alike, and notes the scopes each one touches:

- a booking or series row: its user's and its instrument's counters (for an UPDATE or a
  DELETE, read by the statement's own WHERE just before it runs; a row whose user or
  instrument a statement may change is read again at commit, so both sides are counted);
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
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.pool import Pool
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase

from equipshare.db.models.feeds import ChangeStamp

STAMPS = cast(Table, ChangeStamp.__table__)
#: A connection (or engine) execution option that turns the counting off: migrations.
UNTRACKED_OPTION = "equipshare_changes_untracked"
EVERYTHING = ("all", 0)
#: Rows that are bookings on the calendar: each carries a user_id and an instrument_id.
SCOPED_TABLES = frozenset({"bookings", "booking_series"})
#: Rows whose change may change any feed (names, places, rights): they bump "all".
WHOLE_TABLES = frozenset({"users", "instruments", "facilities", "institutions", "facility_staff"})
_MOVERS = frozenset({"user_id", "instrument_id"})
_PENDING = "equipshare.change_stamps"
_CHUNK = 500
_TEXT_DML = re.compile(
    r"^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from)\s+\"?(\w+)", re.I
)
# Pools whose database is known to have the stamps table; migrations forget theirs.
_HAS_TABLE: weakref.WeakKeyDictionary[Pool, bool] = weakref.WeakKeyDictionary()


@dataclass
class Pending:
    """What one transaction has touched so far."""

    everything: bool = False
    users: set[int] = field(default_factory=set)
    instruments: set[int] = field(default_factory=set)
    # ids of rows, by table, that a statement may have moved to another user or instrument
    moved: dict[Table, set[int]] = field(default_factory=dict)

    def stamps(self) -> list[tuple[str, int]]:
        keys = [("user", user) for user in self.users]
        keys += [("instrument", instrument) for instrument in self.instruments]
        if self.everything:
            keys.append(EVERYTHING)
        return sorted(keys)

    def add(self, user_id: object, instrument_id: object) -> None:
        if isinstance(user_id, int) and isinstance(instrument_id, int):
            self.users.add(user_id)
            self.instruments.add(instrument_id)
        else:
            self.everything = True  # a value we cannot read: count it everywhere


def install(engine: Engine) -> None:
    """Count the writes made through `engine` (and every engine derived from it)."""
    event.listen(engine, "before_execute", _note)
    event.listen(engine, "begin", _forget)
    event.listen(engine, "rollback", _forget)
    event.listen(engine, "commit", _bump)


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
        match = _TEXT_DML.match(clause.text)
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
            _note_insert(_pending(conn), clause, sets)
        elif isinstance(clause, Update | Delete):
            _note_change(conn, _pending(conn), clause, table, sets)


def _note_insert(pending: Pending, clause: Insert, sets: Sequence[Mapping[str, Any]]) -> None:
    given = _given_values(clause)
    if getattr(clause, "_multi_values", ()) or getattr(clause, "select", None) is not None:
        pending.everything = True
        return
    for values in sets:
        pending.add(
            values.get("user_id", given.get("user_id")),
            values.get("instrument_id", given.get("instrument_id")),
        )


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
    moves = isinstance(clause, Update) and bool(
        _MOVERS & (set(_given_values(clause)) | {key for values in sets for key in values})
    )
    columns = (table.c.id, table.c.user_id, table.c.instrument_id)
    ids = _ids_named(where, table, sets)
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
    for row_id, user_id, instrument_id in found:
        pending.add(user_id, instrument_id)
        if moves:
            pending.moved.setdefault(table, set()).add(row_id)


def _ids_named(where: object, table: Table, sets: Sequence[Mapping[str, Any]]) -> set[int] | None:
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


def _given_values(clause: UpdateBase) -> dict[str, Any]:
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
        for chunk in _chunks(sorted(ids)):
            query = select(table.c.user_id, table.c.instrument_id).where(table.c.id.in_(chunk))
            for user_id, instrument_id in conn.execute(query):
                pending.add(user_id, instrument_id)
    stamps = pending.stamps()
    if not stamps or not _has_table(conn):
        return
    conn.execute(_upsert(conn.dialect.name), [{"kind": k, "key": key} for k, key in stamps])


def _has_table(conn: Connection) -> bool:
    pool = conn.engine.pool
    if _HAS_TABLE.get(pool):
        return True
    found = inspect(conn).has_table(STAMPS.name)
    if found:  # an absent table is looked for again: a migration may be about to add it
        _HAS_TABLE[pool] = True
    return found


def _upsert(dialect: str) -> UpdateBase:
    """Add one to a stamp, creating it at 1: the same ON CONFLICT on both engines."""
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = insert(STAMPS).values(kind=bindparam("kind"), key=bindparam("key"), counter=1)
    return statement.on_conflict_do_update(
        index_elements=[STAMPS.c.kind, STAMPS.c.key],
        set_={"counter": STAMPS.c.counter + 1},
    )

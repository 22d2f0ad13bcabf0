"""Statements compiled once for db/direct.py: each statement's SQL for one dialect and
one set of parameter names, with the types' bind and result processors, kept by the
statement's identity; and the rows it returns, as plain named tuples.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert

_Processor = Callable[[Any], Any]
_PLANS_KEPT = 256
_REQUIRED = object()


class Rows:
    """A statement's rows, fetched: the part of SQLAlchemy's result the hot paths use."""

    __slots__ = ("_rows", "inserted_primary_key", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int, inserted_primary_key: Any = None) -> None:
        self._rows = rows
        self.rowcount = rowcount
        #: An INSERT's new key, as a named tuple of the primary key columns (`.id`).
        self.inserted_primary_key = inserted_primary_key

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            if not self._rows:
                raise NoResultFound("No row was found when one was required")
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


class _Plan:
    """One statement compiled for one dialect and one set of parameter names."""

    __slots__ = (
        "binds",
        "compiled",
        "key",
        "key_returned",
        "positions",
        "results",
        "row",
        "sql",
        "statement",
    )

    def __init__(self, statement: Executable, compiled: SQLCompiler, dialect: Dialect) -> None:
        self.statement = statement  # kept alive: the plans are found by its id
        self.compiled = compiled
        self.sql = compiled.string
        self.positions = tuple(compiled.positiontup or ()) if compiled.positional else None
        processors: Mapping[str, Any] = compiled._bind_processors
        escaped: Mapping[str, str] = compiled.escaped_bind_names or {}
        #: Per bind: its name in the SQL, its key, its value when none is given, its processor.
        self.binds = tuple(
            (
                name if self.positions is not None else escaped.get(name, name),
                bind.key,
                _REQUIRED if bind.required else bind.value,
                processors.get(name),
            )
            for bind, name in compiled.bind_names.items()
        )
        columns = compiled._result_columns
        self.row: Any = (
            namedtuple("Row", [c.keyname for c in columns], rename=True) if columns else None
        )
        self.results: tuple[_Processor | None, ...] | None = None  # from the first cursor
        self.key: Any = None
        self.key_returned = False
        inserted = compiled.statement if compiled.isinsert else None
        if isinstance(inserted, Insert) and inserted.select is None:
            self.key_returned = bool(compiled.implicit_returning)
            columns = inserted.table.primary_key.columns  # type: ignore[attr-defined]
            lastrowid = getattr(dialect, "postfetch_lastrowid", False)
            if self.key_returned or (lastrowid and len(columns) == 1):
                self.key = namedtuple("Key", [c.key for c in columns])  # type: ignore[misc]

    def values(self, params: Mapping[str, Any]) -> Any:
        """The DBAPI parameters, as SQLAlchemy's execution context would build them
        (SQLCompiler.construct_params, then each type's bind processor)."""
        given: dict[str, Any] = {}
        for name, key, default, process in self.binds:
            if key in params:
                value = params[key]
            elif name in params:
                value = params[name]
            elif default is _REQUIRED:
                self.compiled.construct_params(params)  # raises SQLAlchemy's own error
                raise AssertionError(f"no value for {key}")
            else:
                value = default
            given[name] = value if process is None else process(value)
        if self.positions is not None:
            return tuple([given[name] for name in self.positions])
        return given

    def result_processors(self, description: Sequence[Any], dialect: Dialect) -> None:
        columns = self.compiled._result_columns
        self.results = tuple(
            column.type._cached_result_processor(dialect, described[1])
            for column, described in zip(columns, description, strict=True)
        )


_PLANS: OrderedDict[tuple[int, str, tuple[str, ...]], _Plan | None] = OrderedDict()


def plan_for(conn: Connection, statement: Executable, params: Mapping[str, Any]) -> _Plan | None:
    dialect = conn.dialect
    keys = tuple(sorted(params))
    found = (id(statement), dialect.name, keys)
    try:
        plan = _PLANS[found]
    except KeyError:
        plan = _compile(statement, dialect, keys)
        _PLANS[found] = plan
        if len(_PLANS) > _PLANS_KEPT:
            _PLANS.popitem(last=False)
        return plan
    if plan is not None and plan.statement is not statement:  # an id reused
        plan = _PLANS[found] = _compile(statement, dialect, keys)
    return plan


def one_off_plan(statement: Executable, dialect: Dialect) -> _Plan | None:
    """`statement` compiled for a single run with its own values (a report's read built
    for one call): not kept, so it never pushes a hot path's plan out."""
    return _compile(statement, dialect, ())


def _compile(statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Plan | None:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    if not isinstance(compiled, SQLCompiler):
        return None
    if (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.schema_translate_map
        or any(bind.callable for bind in compiled.bind_names)
        or (isinstance(compiled.statement, Insert) and compiled.statement._returning)
    ):
        return None
    return _Plan(statement, compiled, dialect)


def converted(rows: list[Any], row: Any, processors: tuple[_Processor | None, ...]) -> list[Any]:
    if not any(processors):
        return [row._make(values) for values in rows]
    return [
        row._make(
            [
                value if process is None else process(value)
                for process, value in zip(processors, values, strict=True)
            ]
        )
        for values in rows
    ]

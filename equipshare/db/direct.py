"""Running prebuilt Core statements on the driver's cursor itself, for the hot paths.

A booking is a dozen short statements, and SQLAlchemy's execution of each one (the
compiled cache's key, an execution context, a cursor result and its metadata) cost more
than the database's work: about 0.05 ms a statement on SQLite and 0.08 ms on PostgreSQL,
against 0.02-0.05 ms for the driver's own round trip. Here a statement is compiled once per
dialect and shape (db/direct_plans.py), and a call only converts its values with the types' own bind
processors, runs the SQL on the cursor and converts the rows with the types' result
processors: the same SQL, the same values, the same rows, as plain named tuples.

What SQLAlchemy would still have done is kept: the engine's `before_execute` listeners see
every INSERT, UPDATE and DELETE (the change stamps and roll-ups count them so); driver
errors are wrapped and handled as SQLAlchemy's own (`IntegrityError`, a lost connection).
A statement this cannot run as SQLAlchemy would (expanding IN lists, Python-side column
defaults, several rows at once), or a connection someone watches statement by statement
(cursor events: the tests' statement counters), goes through `Connection.execute`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Engine, Executable, event
from sqlalchemy.sql.dml import Insert, UpdateBase

from equipshare.db.direct_plans import Rows, converted, one_off_plan, plan_for

_QUEUE = "equipshare.direct.queue"
_HOLD = "equipshare.direct.hold"


def _watched(conn: Connection) -> bool:
    """Someone listens to each statement as SQLAlchemy runs it, so let SQLAlchemy run it."""
    dispatch = conn.dispatch
    return bool(
        dispatch.before_cursor_execute or dispatch.after_cursor_execute or dispatch.after_execute
    )


def install(engine: Engine) -> None:
    """Send the writes `defer` queued before anything else runs on the connection, and at
    commit with the COMMIT (after the other commit listeners, which queue theirs); drop
    them on rollback.
    Installed after the change stamps and roll-ups."""
    event.listen(engine, "before_execute", _flush_before)
    event.listen(engine, "commit", _flush_with_commit)
    event.listen(engine, "begin", _drop)
    event.listen(engine, "rollback", _drop)


def defer(
    conn: Connection,
    statement: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> None:
    """Run a write whose result nobody reads (an audit event, an outbox message, the
    roll-ups' and stamps' upkeep at commit) in `conn`'s transaction.

    On PostgreSQL it is queued and sent with the other queued writes in one round trip
    (psycopg's pipeline mode) before the next statement or the commit: a booking's audit
    event, outbox message, roll-up and stamps are one round trip, not four. Its listeners
    see it now, and an error surfaces when it is sent, still inside the transaction.
    Elsewhere (SQLite, where a round trip is a function call) it runs now.
    """
    many = [] if isinstance(params, Mapping) else list(params)
    first = many[0] if many else params
    assert isinstance(first, Mapping)
    if len(many) == 1:  # one set of values: an execute, not an executemany
        many = []
    plan = None
    if conn.dialect.name == "postgresql" and first and not _watched(conn):
        plan = plan_for(conn, statement, first)
    if plan is None or plan.row is not None or plan.key is not None:
        execute(conn, statement, params)
        return
    conn.info[_HOLD] = True  # the listeners see it; the queue waits for it
    try:
        _before_execute(conn, statement, many, first)
    finally:
        conn.info.pop(_HOLD, None)
    queue = conn.info.get(_QUEUE)
    if queue is None:
        queue = conn.info[_QUEUE] = []
    # One execute each: psycopg's executemany inside a pipeline syncs, a round trip more.
    queue.extend((plan.sql, plan.values(each), False) for each in many or [first])


def flush(conn: Connection, *, commit: bool = False) -> None:
    """Send the queued writes now, in one round trip; with `commit`, the COMMIT too (the
    driver's own commit then finds the transaction ended and sends nothing)."""
    queue = conn.info.pop(_QUEUE, None)
    if not queue:
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    sql, values = "", None
    try:
        with raw.pipeline():
            for sql, values, many in queue:
                if many:
                    cursor.executemany(sql, values)
                else:
                    cursor.execute(sql, values)
            if commit:
                sql, values = "COMMIT", None
                cursor.execute(sql)
    except Exception as error:
        conn._handle_dbapi_exception(error, sql, values, cursor, None)
    finally:
        cursor.close()


def _flush_with_commit(conn: Connection) -> None:
    flush(conn, commit=True)


def _flush_before(conn: Connection, *_: Any) -> None:
    info = conn.info
    if info.get(_QUEUE) and not info.get(_HOLD):
        flush(conn)


def _drop(conn: Connection) -> None:
    conn.info.pop(_QUEUE, None)


def _before_execute(
    conn: Connection,
    statement: Executable,
    many: Sequence[Mapping[str, Any]],
    first: Mapping[str, Any],
) -> None:
    """What SQLAlchemy's execution would tell the engine's listeners of a write."""
    if isinstance(statement, UpdateBase) and conn.dispatch.before_execute:
        own = statement.get_execution_options()
        options = {**conn.get_execution_options(), **own} if own else conn.get_execution_options()
        conn.dispatch.before_execute(conn, statement, list(many), {} if many else first, options)


def together(conn: Connection, *statements: tuple[Executable, Mapping[str, Any]]) -> list[Rows]:
    """Run reads whose parameters do not depend on each other's rows, in order: on
    PostgreSQL in one round trip (psycopg's pipeline mode, which also takes the BEGIN of
    a transaction not yet begun along), elsewhere one after the other."""
    plans = []
    if conn.dialect.name == "postgresql" and not _watched(conn):
        plans = [plan_for(conn, statement, params) for statement, params in statements]
    if not plans or any(plan is None or plan.row is None for plan in plans):
        return [execute(conn, statement, params) for statement, params in statements]
    if conn.info.get(_QUEUE):
        flush(conn)
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursors, sql, values = [], "", None
    try:
        with raw.pipeline():
            for plan, (_, params) in zip(plans, statements, strict=True):
                assert plan is not None
                sql, values = plan.sql, plan.values(params)
                cursor = raw.cursor()
                cursors.append(cursor)
                cursor.execute(sql, values)
        found = []
        for plan, cursor in zip(plans, cursors, strict=True):
            assert plan is not None
            rows = cast(list[Any], cursor.fetchall())
            if rows and plan.results is None:
                plan.result_processors(cursor.description, conn.dialect)
            found.append(Rows(converted(rows, plan.row, plan.results or ()), cursor.rowcount))
    except Exception as error:
        conn._handle_dbapi_exception(error, sql, values, None, None)
    finally:
        for cursor in cursors:
            cursor.close()
    return found


def execute(
    conn: Connection,
    statement: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> Rows:
    """Run `statement` with `params` in `conn`'s transaction; its rows, fetched.

    A list of parameter sets runs a write once for each (the driver's executemany).
    """
    many: Sequence[Mapping[str, Any]] = []
    if not isinstance(params, Mapping):
        if len(params) != 1:
            many = params
        else:
            params = params[0]
    first = many[0] if many else params
    assert isinstance(first, Mapping)
    plan = None if _watched(conn) or not first else plan_for(conn, statement, first)
    if plan is None or (many and (plan.row is not None or plan.key_returned)):
        return _through_sqlalchemy(conn, statement, many or params)
    if conn.info.get(_QUEUE):
        flush(conn)
    _before_execute(conn, statement, many, first)
    values = [plan.values(each) for each in many] if many else plan.values(first)
    cursor = conn.connection.cursor()
    try:
        if many:
            cursor.executemany(plan.sql, values)
        else:
            cursor.execute(plan.sql, values)
        description = cursor.description
        rows = cast(list[Any], cursor.fetchall()) if description is not None else []
        rowcount = cursor.rowcount
        lastrowid = cursor.lastrowid if plan.key is not None and not plan.key_returned else None
    except Exception as error:
        conn._handle_dbapi_exception(error, plan.sql, values, cursor, None)
    finally:
        cursor.close()
    key = None
    if plan.key is not None:
        if plan.key_returned:
            key = plan.key(*rows[0])
            rows = []
        else:
            key = plan.key(lastrowid)
    if rows and plan.row is not None:
        if plan.results is None:
            plan.result_processors(description, conn.dialect)
        rows = converted(rows, plan.row, plan.results or ())
    return Rows(rows, rowcount, key)


def execute_sql(conn: Connection, sql: str) -> None:
    """Run a statement without parameters or rows (BEGIN IMMEDIATE) on the cursor."""
    if _watched(conn):
        conn.exec_driver_sql(sql)
        return
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
    except Exception as error:
        conn._handle_dbapi_exception(error, sql, (), cursor, None)
    finally:
        cursor.close()


def _through_sqlalchemy(
    conn: Connection,
    statement: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> Rows:
    result = conn.execute(statement, params)
    single = isinstance(params, Mapping) or len(params) == 1
    plain_insert = isinstance(statement, Insert) and not statement._returning and single
    key = result.inserted_primary_key if plain_insert else None
    rows = list(result) if result.returns_rows else []
    return Rows(rows, result.rowcount, key)


def read_tuples(conn: Connection, statement: Executable) -> list[tuple[Any, ...]]:
    """The rows of a one-off read (a report's grouped rows, built for one call) as the
    driver's own tuples: compiled each time and never kept among the plans, and no
    result processing, so only for columns the driver returns as wanted (integers,
    text); tens of thousands of rows cost SQLAlchemy's row objects more than the query.
    A statement the cursor cannot take as it stands (expanding IN lists), or a watched
    connection, goes through SQLAlchemy."""
    plan = None if _watched(conn) else one_off_plan(statement, conn.dialect)
    if plan is None:
        return [tuple(row) for row in conn.execute(statement)]
    if conn.info.get(_QUEUE):
        flush(conn)
    values = plan.values({})
    cursor = conn.connection.cursor()
    try:
        cursor.execute(plan.sql, values)
        return cast(list[tuple[Any, ...]], cursor.fetchall())
    except Exception as error:
        conn._handle_dbapi_exception(error, plan.sql, values, cursor, None)
        raise  # pragma: no cover - the handler always raises
    finally:
        cursor.close()

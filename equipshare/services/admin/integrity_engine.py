"""The storage engine's own integrity checks, as `equipshare check` runs them first.

SQLite: `PRAGMA integrity_check` (pages, indexes, NOT NULL and CHECK constraints) and
`PRAGMA foreign_key_check` (rows naming a missing parent, reported as orphan rows).

PostgreSQL has no single equivalent. When the `amcheck` extension is installed in the
database, every B-tree index of the schema is verified with `bt_index_check`, which takes
only the lock a reader takes. `check` never installs it (that needs rights a checking
job should not have): `CREATE EXTENSION amcheck` once as the database owner turns it on.
Always, and as the lighter check when amcheck is absent, it asks the catalogue for
constraints left NOT VALID (`pg_constraint.convalidated`), indexes left invalid by a
failed concurrent build (`pg_index.indisvalid`), and the audit trail's append-only trigger
being present and enabled.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from equipshare.domain.records.operations.maintenance import IntegrityProblem


def engine_check(conn: Connection) -> tuple[str, list[IntegrityProblem]]:
    """What the engine's checks were, in words, and what they found."""
    if conn.dialect.name == "sqlite":
        return "SQLite integrity_check and foreign_key_check", _sqlite(conn)
    return _postgres(conn)


def _sqlite(conn: Connection) -> list[IntegrityProblem]:
    problems = [
        IntegrityProblem("engine", "sqlite", f"integrity_check: {message}")
        for (message,) in conn.exec_driver_sql("PRAGMA integrity_check").all()
        if message != "ok"
    ]
    for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
        problems.append(
            IntegrityProblem(
                "orphan rows",
                f"{table} {rowid}",
                f"{table} {rowid} names a missing {parent} row",
            )
        )
    return problems


def _postgres(conn: Connection) -> tuple[str, list[IntegrityProblem]]:
    problems = [
        IntegrityProblem(
            "engine", f"constraint {name}", f"constraint {name} on {table} is not validated"
        )
        for table, name in conn.execute(
            text(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE NOT convalidated AND connamespace = current_schema()::regnamespace "
                "ORDER BY 1, 2"
            )
        ).all()
    ]
    problems += [
        IntegrityProblem("engine", f"index {name}", f"index {name} is invalid: rebuild it")
        for (name,) in conn.execute(
            text(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE NOT (i.indisvalid AND i.indisready) "
                "AND c.relnamespace = current_schema()::regnamespace ORDER BY 1"
            )
        ).all()
    ]
    trigger = conn.execute(
        text(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_events_no_update' "
            "AND tgrelid = to_regclass('audit_events')"
        )
    ).scalar()
    if trigger != "O":
        state = "missing" if trigger is None else "disabled"
        problems.append(
            IntegrityProblem(
                "engine",
                "trigger audit_events_no_update",
                f"the audit trail's append-only trigger is {state}",
            )
        )
    has_amcheck = conn.execute(
        text("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")
    ).scalar()
    if not has_amcheck:
        return "PostgreSQL catalogue (amcheck not installed)", problems
    indexes = conn.execute(
        text(
            "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'btree' AND i.indisvalid "
            "AND c.relnamespace = current_schema()::regnamespace ORDER BY c.relname"
        )
    ).all()
    for oid, name in indexes:
        try:
            with conn.begin_nested():
                conn.execute(text("SELECT bt_index_check(CAST(:oid AS oid))"), {"oid": oid})
        except DBAPIError as exc:
            detail = " ".join(str(exc.orig).split())
            problems.append(IntegrityProblem("engine", f"index {name}", f"amcheck: {detail}"))
    return f"PostgreSQL catalogue and amcheck ({len(indexes)} indexes)", problems

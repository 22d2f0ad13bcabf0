"""PostgreSQL test databases emptied back to the migrated template rather than dropped.

A copy of the template costs the server about 0.35 s of CPU a test (most of a new
database's 10 MB are its own system catalogues), about as long as a whole service test
takes; emptying the few tables a test filled costs a tenth of that. So each worker keeps
one spare: after a test its database is renamed (which refuses while anything is still
connected, and leaves nothing able to reach it by its old name), emptied with TRUNCATE
(fresh, empty files, as in a copy) and its sequences restarted. A test then gets a
database in the state a copy of the template would be in, under a name of its own.

Only a database whose schema and settings are exactly the template's is emptied: anything
else a test may have changed (a migration down, a table made, statistics gathered by an
autovacuum, a transaction left prepared) sends it to DROP, as every database used to go.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

#: Everything of a database's own that a test could change besides the rows of its tables,
#: by object ids (an object dropped and made again has a new one) and the attributes an
#: ALTER changes in place. Temporary schemas are left out: PostgreSQL keeps them, empty,
#: once a session has used one, and a new session starts with its own tables gone.
_SCHEMA = """
WITH own(ns) AS (
    SELECT oid FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
)
SELECT md5(string_agg(item, '|' ORDER BY item)) FROM (
    SELECT concat_ws(':', 'n', oid, nspname, nspowner, nspacl) FROM pg_namespace
    WHERE oid IN (SELECT ns FROM own)
    UNION ALL SELECT concat_ws(':', 'c', oid, relname, relkind, relnamespace, relowner,
                               relacl, reloptions, relpersistence, relrowsecurity)
    FROM pg_class WHERE relnamespace IN (SELECT ns FROM own)
    UNION ALL SELECT concat_ws(':', 'a', attrelid, attnum, attname, atttypid, atttypmod,
                               attnotnull, attisdropped, attidentity, attgenerated,
                               attcollation)
    FROM pg_attribute WHERE attnum > 0 AND attrelid IN (
        SELECT oid FROM pg_class WHERE relnamespace IN (SELECT ns FROM own))
    UNION ALL SELECT concat_ws(':', 'k', oid, convalidated, condeferrable, condeferred)
    FROM pg_constraint WHERE connamespace IN (SELECT ns FROM own)
    UNION ALL SELECT concat_ws(':', 'd', oid) FROM pg_attrdef
    UNION ALL SELECT concat_ws(':', 't', oid, tgenabled) FROM pg_trigger
    UNION ALL SELECT concat_ws(':', 'p', oid) FROM pg_proc
    WHERE pronamespace IN (SELECT ns FROM own)
    UNION ALL SELECT concat_ws(':', 'y', oid) FROM pg_type
    WHERE typnamespace IN (SELECT ns FROM own)
    UNION ALL SELECT concat_ws(':', 'e', oid) FROM pg_enum
    UNION ALL SELECT concat_ws(':', 'r', oid, ev_enabled) FROM pg_rewrite
    WHERE ev_class IN (SELECT oid FROM pg_class WHERE relnamespace IN (SELECT ns FROM own))
    UNION ALL SELECT concat_ws(':', 'o', oid) FROM pg_policy
    UNION ALL SELECT concat_ws(':', 'x', oid, extversion) FROM pg_extension
    UNION ALL SELECT concat_ws(':', 'q', seqrelid, seqtypid, seqstart, seqincrement,
                               seqmax, seqmin, seqcache, seqcycle) FROM pg_sequence
    UNION ALL SELECT concat_ws(':', 'i', oid) FROM pg_statistic_ext
    UNION ALL SELECT concat_ws(':', 'u', oid) FROM pg_publication
    UNION ALL SELECT concat_ws(':', 'v', oid) FROM pg_event_trigger
    UNION ALL SELECT concat_ws(':', 'g', oid) FROM pg_default_acl
    UNION ALL SELECT concat_ws(':', 'm', objoid, classoid, objsubid, md5(description))
    FROM pg_description WHERE objoid >= 16384
    UNION ALL SELECT concat_ws(':', 's', setrole, setconfig) FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
    UNION ALL SELECT concat_ws(':', 'b', datallowconn, datconnlimit, datacl, datcollate,
                               datctype) FROM pg_database
    WHERE datname = current_database()
    UNION ALL SELECT concat_ws(':', 'l', count(*)) FROM pg_largeobject_metadata
    UNION ALL SELECT concat_ws(':', 'z', count(*)) FROM pg_stats
    WHERE schemaname IN (SELECT nspname FROM pg_namespace WHERE oid IN (SELECT ns FROM own))
    UNION ALL SELECT concat_ws(':', 'w', count(*)) FROM pg_prepared_xacts
    WHERE database = current_database()
) AS items(item)
"""

_SIZES = """
SELECT oid, relpages, reltuples, relallvisible FROM pg_class
WHERE oid >= 16384 AND relkind IN ('r', 'i', 't', 'm', 'p', 'I')
"""

_TABLES = """
SELECT schemaname, tablename FROM pg_tables
WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY schemaname, tablename
"""


_VERSIONS = sql.Identifier("public", "alembic_version")


def _connect(url: URL) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


def _fresh_name() -> str:
    return f"equipshare_test_{uuid.uuid4().hex[:12]}"


class Recycler:
    """One worker's spare PostgreSQL database, copied from the migrated template once and
    emptied back to it after each test."""

    def __init__(self, admin: URL, template: str) -> None:
        self._admin = admin
        self._template = template
        self._spare: str | None = None
        self._known: tuple[str, str] | None = None  # the template's schema, its row count
        self._tables: list[sql.Identifier] = []
        self._probe: sql.Composed | None = None
        self._sizes: list[tuple[int, int, float, int]] = []  # pg_class sizes, as copied
        self._superuser = False

    def take(self) -> URL:
        """A database in the template's state, under a name no test has used."""
        name, self._spare = self._spare, None
        if name is None:
            name = _fresh_name()
            with _connect(self._admin) as conn:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(self._template)
                    )
                )
            if self._known is None:
                self._learn(name)
        return self._admin.set(database=name)

    def give_back(self, name: str) -> None:
        """Empty `name` to be the next test's database, or drop it if that cannot be done."""
        fresh = _fresh_name()
        with _connect(self._admin) as conn:
            if not self._rename(conn, name, fresh):
                self._drop(conn, name)
                return
            try:
                emptied = self._empty(fresh)
            except psycopg.Error:
                emptied = False
            if emptied:
                self._spare = fresh
            else:
                self._drop(conn, fresh)

    def close(self) -> None:
        if self._spare is not None:
            with _connect(self._admin) as conn:
                self._drop(conn, self._spare)
            self._spare = None

    def _learn(self, name: str) -> None:
        """Read the schema of a fresh copy of the template, and how to find filled tables."""
        with _connect(self._admin.set(database=name)) as conn:
            schema = self._schema(conn)
            tables = [
                sql.Identifier(schema_name, table)
                for schema_name, table in conn.execute(_TABLES).fetchall()
            ]
            self._sizes = [
                (int(oid), int(pages), float(tuples), int(visible))
                for oid, pages, tuples, visible in conn.execute(_SIZES).fetchall()
            ]
            role = conn.execute(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
            self._superuser = bool(role and role[0])
        self._known = schema
        probes = [
            sql.SQL("SELECT {} WHERE EXISTS (SELECT 1 FROM {})").format(sql.Literal(index), table)
            for index, table in enumerate(tables)
        ]
        self._tables = tables
        self._probe = sql.SQL(" UNION ALL ").join(probes)

    @staticmethod
    def _schema(conn: psycopg.Connection[Any]) -> tuple[str, str]:
        fingerprint = conn.execute(_SCHEMA).fetchone()
        versions = conn.execute(
            "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version"
        ).fetchone()
        assert fingerprint is not None and versions is not None
        return str(fingerprint[0]), str(versions[0])

    def _rename(self, conn: psycopg.Connection[Any], name: str, fresh: str) -> bool:
        """Rename `name` to `fresh`, ending whatever the test left connected to it."""
        statement = sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
            sql.Identifier(name), sql.Identifier(fresh)
        )
        for _ in range(2):
            try:
                conn.execute(statement)
                return True
            except psycopg.errors.ObjectInUse:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    row = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
                    ).fetchone()
                    if row is None or row[0] == 0:
                        break
                    time.sleep(0.01)
            except psycopg.Error:
                return False
        return False

    def _empty(self, name: str) -> bool:
        """Empty every table and restart every sequence, if the schema is the template's."""
        assert self._known is not None and self._probe is not None
        if not self._superuser:
            return False  # it could not put back the sizes the planner reads (below)
        with _connect(self._admin.set(database=name)) as conn:
            if self._schema(conn) != self._known:
                return False
            rows = conn.execute(self._probe).fetchall()
            # alembic_version's one row is the template's (the schema check read it).
            filled = [self._tables[row[0]] for row in rows if self._tables[row[0]] != _VERSIONS]
            if filled:
                conn.execute(
                    sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                        sql.SQL(", ").join(filled)
                    )
                )
            # TRUNCATE leaves an index's recorded size as "never counted" where a copy has
            # its metapage counted: the planner reads them for partial indexes. Put the
            # copy's sizes back, so plans are those of a copy.
            conn.execute(
                "UPDATE pg_class AS c SET relpages = s.pages, reltuples = s.tuples,"
                " relallvisible = s.visible"
                " FROM unnest(%s::oid[], %s::int[], %s::real[], %s::int[])"
                " AS s(oid, pages, tuples, visible)"
                " WHERE c.oid = s.oid AND (c.relpages, c.reltuples, c.relallvisible)"
                " IS DISTINCT FROM (s.pages, s.tuples, s.visible)",
                [list(column) for column in zip(*self._sizes, strict=True)],
            )
            # A sequence also moves for a row rolled back or deleted since.
            for schema_name, sequence in conn.execute(
                "SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL"
            ).fetchall():
                conn.execute(
                    sql.SQL("ALTER SEQUENCE {} RESTART").format(
                        sql.Identifier(schema_name, sequence)
                    )
                )
        return True

    @staticmethod
    def _drop(conn: psycopg.Connection[Any], name: str) -> None:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

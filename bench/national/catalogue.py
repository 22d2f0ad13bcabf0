"""Databases for the TUI benchmarks: the demo consortium, optionally grown to a national catalogue.

The demo is seeded exactly as `equipshare demo` seeds it. `grow_catalogue` then clones
the demo's own instruments (with their opening hours) into the demo's facilities, with
new codes, by bulk Core inserts, so 50,000 instruments take seconds rather than the
minutes an ORM row-by-row insert would.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text

from equipshare.config import Settings
from equipshare.db import migrate
from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Instrument, OpeningHours
from equipshare.demo.calendar import DemoCalendar
from equipshare.demo.consortium import ConsortiumBuilder
from equipshare.demo.seeding import DemoService
from equipshare.domain.time.clock import Clock
from equipshare.services.plumbing.context import ServiceContext

SEED = 2026
CHUNK = 5_000
_NUMBERED = re.compile(r"^(?P<stem>.+)-(?P<number>\d+)$")


def seeded_context(url: str, clock: Clock, admin: str, *, bookings: bool = True) -> ServiceContext:
    """A context on `url`, wiped, migrated to head and seeded with the demo.

    Without `bookings` only the consortium (institutions, people, facilities,
    instruments, training, prices, downtime) is written: the catalogue never reads
    bookings, and skipping their planning saves seconds in the quick smoke runs.
    """
    database = Database.connect(url, create=True)
    migrate.downgrade(database.engine, "base")
    migrate.upgrade(database.engine)
    context = ServiceContext(database, clock, Settings().with_database_url(url))
    if bookings:
        DemoService(context).seed(seed=SEED, admin_username=admin)
        return context
    consortium = ConsortiumBuilder(
        random.Random(SEED), DemoCalendar.around(clock.now(), SEED), admin
    )
    with database.engine.begin() as conn:
        for model, rows in consortium.rows.items():
            table = model.__table__
            assert isinstance(table, Table)
            _insert_chunked(conn, table, rows)
        _after_bulk_load(conn, [t for t in consortium.rows])
    return context


def grow_catalogue(context: ServiceContext, instruments: int) -> int:
    """Clone the demo's instruments until the catalogue holds `instruments`; returns the count.

    Clones keep their template's facility, kind, policy and opening hours; each gets
    the next free number after its template's code stem (WAR-XPS-01 -> WAR-XPS-1000).
    """
    engine = context.database.engine
    instrument_table = Instrument.__table__
    hours_table = OpeningHours.__table__
    assert isinstance(instrument_table, Table) and isinstance(hours_table, Table)
    with engine.begin() as conn:
        templates = [dict(row) for row in conn.execute(select(instrument_table)).mappings()]
        hours: dict[int, list[dict[str, Any]]] = {}
        for row in conn.execute(select(hours_table)).mappings():
            hours.setdefault(row["instrument_id"], []).append(dict(row))
        missing = instruments - len(templates)
        if missing <= 0:
            return len(templates)
        next_id = (conn.scalar(select(func.max(instrument_table.c.id))) or 0) + 1
        next_hours_id = (conn.scalar(select(func.max(hours_table.c.id))) or 0) + 1
        numbers: dict[str, int] = {}
        clones: list[dict[str, Any]] = []
        clone_hours: list[dict[str, Any]] = []
        for n in range(missing):
            template = templates[n % len(templates)]
            matched = _NUMBERED.match(template["code"])
            stem = matched["stem"] if matched else template["code"]
            numbers[stem] = numbers.get(stem, 999) + 1
            code = f"{stem}-{numbers[stem]}"
            clone = dict(template, id=next_id + n, code=code)
            clone["uniquip_id"] = f"{template['uniquip_id']}-{numbers[stem]}"
            if template["web_address"]:
                clone["web_address"] = template["web_address"].rsplit("/", 1)[0] + f"/{code}"
            clones.append(clone)
            for interval in hours.get(template["id"], []):
                clone_hours.append(
                    dict(interval, id=next_hours_id + len(clone_hours), instrument_id=clone["id"])
                )
        _insert_chunked(conn, instrument_table, clones)
        _insert_chunked(conn, hours_table, clone_hours)
        _after_bulk_load(conn, [instrument_table, hours_table])
    return len(templates) + missing


def _insert_chunked(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Core executemany on SQLite; COPY on PostgreSQL, as the demo seed does (4x faster here)."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        for chunk in _chunks(rows, CHUNK):
            conn.execute(insert(table), chunk)
        return
    columns = list(rows[0])
    driver = conn.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            # Enum members read back through the ORM types go in as their stored values.
            copy.write_row([_stored(row[column]) for column in columns])


def _stored(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _after_bulk_load(conn: Connection, tables: Iterable[Any]) -> None:
    """On PostgreSQL, move id sequences past explicit ids and refresh the planner's statistics."""
    if conn.dialect.name != "postgresql":
        return
    for model_or_table in tables:
        table = getattr(model_or_table, "__table__", model_or_table)
        if "id" in table.c:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT MAX(id) FROM {table.name}))"
                )
            )
        conn.execute(text(f"ANALYZE {table.name}"))


def stamp() -> str:
    """When a benchmark ran, for its report header."""
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")

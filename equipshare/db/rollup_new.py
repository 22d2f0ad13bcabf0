"""Adding new bookings to the booking roll-ups: the commit of a transaction whose only
change to an instrument-day is bookings it inserted (booking creation, the hot path).

Each new booking's own rows (`rollup_sql.one_booking`: the recompute's sums over that one
booking) are added to its day, month and host rows by upsert, a key made where none is:
the same rows the recompute would write, without reading the instrument's other bookings
(the month's recompute read all of them, about 1 ms a booking on PostgreSQL). The
caller (rollup_upkeep.recompute) holds the instrument's row lock, as for a recompute, and
adds before it recomputes any other day: a recompute of the same month then reads the
added rows as they now are. The booking's figures are added to its year-to-date rows
too (`rollup_ytd_sql.add`): a later recompute of the instrument's months rewrites them
from the months, which already hold the booking.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert

from equipshare.db import direct, rollup_host_sql, rollup_sql, rollup_ytd_sql
from equipshare.db.models.rollups import BookingRollup, BookingRollupMonth

DAYS = cast(Table, BookingRollup.__table__)
MONTHS = cast(Table, BookingRollupMonth.__table__)


def add(conn: Connection, new: Sequence[tuple[str, int, date]]) -> None:
    """Add the rows of each new booking (its UID, instrument and local day) to the day,
    month and host roll-ups: on PostgreSQL one statement a booking, sent with the commit's
    other queued writes; on SQLite three statements for all of them."""
    if not new:
        return
    params = [
        {"uid": uid, "instrument_id": instrument, "day": day, "month": day.replace(day=1)}
        for uid, instrument, day in new
    ]
    dialect = conn.dialect.name
    if dialect == "postgresql":
        direct.defer(conn, _together(), params)
    else:
        for statement in _statements(dialect):
            direct.execute(conn, statement, params)
    rollup_ytd_sql.add(conn, new)  # on PostgreSQL in the same round trip


def _upsert(dialect: str, table: Table, columns: Sequence[str], rows: Any) -> Insert:
    """INSERT `rows` into `table`, adding their sums to those of a row already keyed so."""
    fill = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
    fill = fill.from_select(list(columns), rows)
    return fill.on_conflict_do_update(
        index_elements=[column.name for column in table.primary_key],
        set_={name: table.c[name] + fill.excluded[name] for name in rollup_sql.SUMS},
    )


def _columns(rows: Any, period: str) -> Select[Any]:
    names = (period, "instrument_id", *rollup_sql.KEYS, *rollup_sql.SUMS)
    return select(*(rows.c[name] for name in names))


@functools.cache
def _together() -> Insert:
    """PostgreSQL's: the day's and the month's upserts as CTEs of the host rows' one."""
    dialect = "postgresql"
    new = rollup_sql.one_booking(dialect, "day", "month").cte("new")
    days = _upsert(dialect, DAYS, rollup_sql.COLUMNS, _columns(new, "day"))
    months = _upsert(dialect, MONTHS, rollup_sql.MONTH_COLUMNS, _columns(new, "month"))
    hosts = rollup_host_sql.host_delta(dialect, new)
    return hosts.add_cte(
        days.returning(DAYS.c.day).cte("added_days"),
        months.returning(MONTHS.c.month).cte("added_months"),
    )


@functools.cache
def _statements(dialect: str) -> tuple[Insert, Insert, Insert]:
    """SQLite's: the day's, the month's and the host rows' upserts, each from the booking."""
    return (
        _upsert(dialect, DAYS, rollup_sql.COLUMNS, rollup_sql.one_booking(dialect, "day")),
        _upsert(
            dialect, MONTHS, rollup_sql.MONTH_COLUMNS, rollup_sql.one_booking(dialect, "month")
        ),
        rollup_host_sql.host_delta(
            dialect, rollup_sql.one_booking(dialect, "month").subquery("new")
        ),
    )

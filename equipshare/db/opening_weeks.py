"""The opening weeks (models: OpeningWeek) as their opening hours give them, for `check`
to compare with the rows the triggers keep and for `check --repair` to rebuild them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, delete, func, insert, select, text

from equipshare.db.models.catalogue import WEEKDAY_COLUMNS, OpeningHours, OpeningWeek

#: The triggers on opening_hours that keep opening_weeks (migration 0025).
TRIGGERS = tuple(f"opening_weeks_after_{event}" for event in ("insert", "delete", "update"))


def expected() -> Any:
    """(instrument_id, monday .. sunday): each instrument's open minutes per weekday from
    its opening hours, for the instruments that have any."""
    length = OpeningHours.closes_minute - OpeningHours.opens_minute
    sums = (
        func.sum(case((OpeningHours.weekday == n, length), else_=0)).label(name)
        for n, name in enumerate(WEEKDAY_COLUMNS)
    )
    return select(OpeningHours.instrument_id, *sums).group_by(OpeningHours.instrument_id)


def stored() -> Any:
    return select(OpeningWeek.instrument_id, *(getattr(OpeningWeek, n) for n in WEEKDAY_COLUMNS))


def rebuild(conn: Connection) -> None:
    """Every row again from the opening hours, in `conn`'s transaction."""
    conn.execute(delete(OpeningWeek))
    columns = ("instrument_id", *WEEKDAY_COLUMNS)
    conn.execute(insert(OpeningWeek).from_select(columns, expected()))


def missing_triggers(conn: Connection) -> list[str]:
    """The keeping triggers this database lacks (or, on PostgreSQL, has disabled)."""
    if conn.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('opening_hours') "
            "AND tgenabled = 'O'"
        )
    present = set(conn.execute(text(query)).scalars())
    return [name for name in TRIGGERS if name not in present]

"""Portable SQL expressions for the reports' time arithmetic, on SQLite and PostgreSQL alike.

SQLite keeps instants as ISO text and knows no time zones: lengths go through julianday
and local times through strftime with the UTC offset in force, picked by a CASE over the
offsets of the period (from zoneinfo). PostgreSQL has real timestamps and zones. Either
way, whole minutes come back, so totals add up exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, case, cast, func, literal, literal_column
from sqlalchemy.orm import QueryableAttribute

from equipshare.db.base import UTCDateTime
from equipshare.db.rollup_sql import later, minutes_between
from equipshare.domain.records.impact.reports import ReportPeriod
from equipshare.services.reports.period import month_boundaries, offset_spans

SQLITE = "sqlite"
__all__ = ["later", "minutes_between"]  # shared with the roll-up, so both round alike
# Any SELECT the reports build up step by step, and any column or expression they take.
AnySelect = Select[*tuple[Any, ...]]
Expr = ColumnElement[Any] | QueryableAttribute[Any]


def instant(value: datetime) -> ColumnElement[datetime]:
    """A bound UTC instant, stored as the column type stores it (text on SQLite)."""
    return literal(value, UTCDateTime())


def earlier(dialect: str, first: Expr, second: Expr) -> ColumnElement[Any]:
    """The earlier of two instants (or smaller of two numbers)."""
    if dialect == SQLITE:
        return func.min(first, second)
    return func.least(first, second)


def overlap_minutes(
    dialect: str, start: Expr, end: Expr, period: ReportPeriod
) -> ColumnElement[int]:
    """Minutes of [start, end) inside the period; the caller keeps rows that overlap it."""
    return minutes_between(
        dialect,
        later(dialect, start, instant(period.starts_at)),
        earlier(dialect, end, instant(period.ends_at)),
    )


def _sqlite_local(fmt: str, moment: Expr, period: ReportPeriod) -> ColumnElement[str]:
    """strftime(fmt) of `moment` shifted by the zone's offset in force at that moment."""
    spans = offset_spans(period)
    modifier: ColumnElement[Any] = literal_column(f"'{spans[-1].minutes:+d} minutes'")
    if len(spans) > 1:
        whens = [
            (moment < instant(after.starts_at), f"{span.minutes:+d} minutes")
            for span, after in pairwise(spans)
            if after.starts_at is not None
        ]
        modifier = case(*whens, else_=f"{spans[-1].minutes:+d} minutes")
    return func.strftime(fmt, moment, modifier)


def local_hour(dialect: str, moment: Expr, period: ReportPeriod) -> ColumnElement[int]:
    """The hour (0-23) on the reporting zone's clock at `moment`."""
    if dialect == SQLITE:
        return cast(_sqlite_local("%H", moment, period), Integer)
    return cast(func.extract("hour", func.timezone(period.timezone, moment)), Integer)


def local_weekday(dialect: str, moment: Expr, period: ReportPeriod) -> ColumnElement[int]:
    """The local day of the week at `moment`, Monday 0 to Sunday 6."""
    if dialect == SQLITE:
        sunday_first = cast(_sqlite_local("%w", moment, period), Integer)
        return (sunday_first + 6) % 7
    return cast(func.extract("isodow", func.timezone(period.timezone, moment)), Integer) - 1


def month_index(moment: Expr, period: ReportPeriod) -> ColumnElement[int]:
    """Which local month of the period `moment` falls in: 0 for the first (both engines)."""
    boundaries: Sequence[datetime] = month_boundaries(period)
    if not boundaries:
        return literal(0, Integer)
    whens = [(moment < instant(boundary), index) for index, boundary in enumerate(boundaries)]
    return case(*whens, else_=len(boundaries))

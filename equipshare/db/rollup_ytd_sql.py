"""The year-to-date level of the booking roll-ups as SQL: per instrument and month, the
utilisation figures of its month rows summed from January through that month.

`refresh` keeps it (one statement per recomputed instrument-month: that month's row and
every later one of its year, from the instrument's month rows of the year), `of_months`
is what a rebuild writes and what `check` expects, and `signed_months` is how a report
reads any run of whole months from it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert

from equipshare.db import direct, rollup_sql
from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.rollups import BookingRollupMonth, BookingRollupYearToDate

AnySelect = Select[*tuple[Any, ...]]
#: The figures, as the table orders them: the utilisation report's bookings' part.
FIGURES = (
    "held_bookings",
    "held_minutes",
    "used_minutes",
    "cancellations",
    "no_shows",
    "shared_bookings",
    "shared_minutes",
)
COLUMNS = ("month", "instrument_id", *FIGURES)
_TARGETS = 12  # a month and every later one of its year: twelve at most


def _month_figures(instrument_ids: Sequence[int] | None = None) -> AnySelect:
    """Each month row's figures, the shared ones those of users of another institution
    than the instrument's host (not grouped)."""
    m = BookingRollupMonth
    shared = m.user_institution_id != Facility.institution_id
    statement = (
        select(
            m.instrument_id,
            m.month,
            m.held_bookings,
            m.held_minutes,
            m.used_minutes,
            m.cancellations,
            m.no_shows,
            case((shared, m.held_bookings), else_=0).label("shared_bookings"),
            case((shared, m.held_minutes), else_=0).label("shared_minutes"),
        )
        .join(Instrument, Instrument.id == m.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
    )
    if instrument_ids is not None:
        statement = statement.where(m.instrument_id.in_(instrument_ids))
    return statement


def _upsert(dialect: str) -> Any:
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(
        BookingRollupYearToDate
    )


def _offsets() -> Any:
    """(n): 0 to 11, the months from a month to a later one of its year, as constants in
    the statement (binding twelve dates cost more than the statements' own work)."""
    numbers: list[Any] = [select(literal_column(str(k)).label("n")) for k in range(_TARGETS)]
    return union_all(*numbers).subquery("offsets")


def refresh(dialect: str) -> Insert:
    """Rewrite :instrument_id's rows of the month :month and the :count - 1 later ones of
    its year from its month rows of the year (:year, its January, to :last, its
    December), a row made where none is. The months are computed in SQL from constant
    offsets: binding twelve dates cost more than the statement's own work."""
    offsets = _offsets()
    later = _plus_months(dialect, bindparam("month", type_=Date), offsets.c.n)
    targets = (
        select(later.label("month"))
        .where(offsets.c.n < bindparam("count", type_=Integer))
        .subquery("targets")
    )
    m = BookingRollupMonth
    mine = (
        _month_figures()
        .where(
            m.instrument_id == bindparam("instrument_id", type_=Integer),
            m.month >= bindparam("year", type_=Date),
            m.month <= bindparam("last", type_=Date),
        )
        .subquery("mine")
    )
    month = targets.c.month
    rows = (
        select(
            month,
            bindparam("instrument_id", type_=Integer),
            *(func.coalesce(func.sum(mine.c[name]), 0) for name in FIGURES),
        )
        .select_from(targets)
        .outerjoin(mine, mine.c.month <= month)
        .where(month >= bindparam("year", type_=Date))  # SQLite's upsert wants a WHERE
        .group_by(month)
    )
    fill = _upsert(dialect).from_select(COLUMNS, rows)
    statement: Insert = fill.on_conflict_do_update(
        index_elements=["month", "instrument_id"],
        set_={name: getattr(fill.excluded, name) for name in FIGURES},
    )
    return statement


def keep(conn: Connection, months: Iterable[tuple[int, date]]) -> None:
    """Bring the year-to-date rows of each (instrument, month) up to date with its month
    rows (written just before): one `refresh` each, queued on PostgreSQL with the
    upkeep's other writes (db/direct.py), run now on SQLite."""
    params = [refresh_params(instrument, month) for instrument, month in sorted(set(months))]
    if params:
        direct.defer(conn, _refresh(conn.dialect.name), params)


def add(conn: Connection, new: Iterable[tuple[str, int, date]]) -> None:
    """Add each new booking's own figures (its UID, instrument and local day) to its
    month's year-to-date row and every later one of its year. A row missing there held
    nothing yet (rows run from an instrument's first month of a year to its December),
    so it is made with the booking's figures. Cheaper than `keep`, which rereads the
    instrument's months of the year and rewrites every later row from them."""
    params = [
        {"uid": uid, "instrument_id": instrument, "month": day.replace(day=1)}
        | {"count": 13 - day.month}
        for uid, instrument, day in new
    ]
    if params:
        direct.defer(conn, _addition(conn.dialect.name), params)


@functools.cache
def _addition(dialect: str) -> Insert:
    """`add`'s statement: the booking's figures (`rollup_sql.one_booking`, the same sums
    its month row gets; the shared part, those of another institution than the host's)
    upserted into :month and the :count - 1 later months, added to what they hold."""
    booking = rollup_sql.one_booking(dialect).subquery("booking")
    shared = booking.c.user_institution_id != Facility.institution_id
    own = ("held_bookings", "held_minutes", "used_minutes", "cancellations", "no_shows")
    figures = (
        select(
            booking.c.instrument_id,
            *(func.sum(booking.c[name]).label(name) for name in own),
            func.sum(case((shared, booking.c.held_bookings), else_=0)).label("shared_bookings"),
            func.sum(case((shared, booking.c.held_minutes), else_=0)).label("shared_minutes"),
        )
        .join(Instrument, Instrument.id == booking.c.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .group_by(booking.c.instrument_id)  # no booking, no row (not a row of NULLs)
        .subquery("figures")
    )
    offsets = _offsets()
    start = bindparam("month", type_=Date)
    month = _plus_months(dialect, start, offsets.c.n).label("month")
    rows = (
        select(month, figures.c.instrument_id, *(figures.c[name] for name in FIGURES))
        .select_from(offsets)
        .join(figures, literal(True))
        .where(offsets.c.n < bindparam("count", type_=Integer))
    )
    fill = _upsert(dialect).from_select(COLUMNS, rows)
    table = BookingRollupYearToDate.__table__
    statement: Insert = fill.on_conflict_do_update(
        index_elements=["month", "instrument_id"],
        set_={name: table.c[name] + fill.excluded[name] for name in FIGURES},
    )
    return statement


@functools.cache
def _refresh(dialect: str) -> Insert:
    """`refresh`, built once per dialect: SQLAlchemy then finds it compiled."""
    return refresh(dialect)


def refresh_params(instrument_id: int, month: date) -> dict[str, Any]:
    """`refresh`'s parameters for the instrument-month `month` (its first day)."""
    return {
        "instrument_id": instrument_id,
        "month": month,
        "count": 13 - month.month,
        "year": month.replace(month=1),
        "last": month.replace(month=12),
    }


def _plus_months(dialect: str, month: Any, count: Any) -> ColumnElement[date]:
    if dialect == "sqlite":
        return type_coerce(func.date(month, func.printf("+%d months", count)), Date)
    return cast(month + count * literal_column("interval '1 month'"), Date)


def _month_number(dialect: str, month: Any) -> ColumnElement[int]:
    if dialect == "sqlite":
        return cast(func.strftime("%m", month), Integer)
    return cast(func.extract("month", month), Integer)


def of_months(dialect: str, instrument_ids: Sequence[int] | None = None) -> AnySelect:
    """The rows the stored month rows give (of every instrument, or of `instrument_ids`):
    each instrument-month's figures added to it and to every later month of its year."""
    rows = _month_figures(instrument_ids).subquery("rows")
    sums = [func.sum(rows.c[name]).label(name) for name in FIGURES]
    grouped = (
        select(rows.c.instrument_id, rows.c.month, *sums)
        .group_by(rows.c.instrument_id, rows.c.month)
        .subquery("grouped")
    )
    offsets = _offsets()
    month = _plus_months(dialect, grouped.c.month, offsets.c.n).label("month")
    return (
        select(
            month,
            grouped.c.instrument_id,
            *(func.sum(grouped.c[name]).label(name) for name in FIGURES),
        )
        .select_from(grouped)
        .join(offsets, offsets.c.n <= 12 - _month_number(dialect, grouped.c.month))
        .group_by(month, grouped.c.instrument_id)
    )


def _holding(rows: Any) -> ColumnElement[bool]:
    return or_(*(rows.c[name] != 0 for name in FIGURES))


def expected(dialect: str) -> AnySelect:
    """What the stored rows should hold, rows of zeros left out (for `check`)."""
    rows = of_months(dialect).subquery("expected")
    return select(*(rows.c[name] for name in COLUMNS)).where(_holding(rows))


def stored() -> AnySelect:
    """The stored rows but those of zeros (which read as no row), in `expected`'s columns."""
    t = BookingRollupYearToDate.__table__
    return select(*(t.c[name] for name in COLUMNS)).where(_holding(t))


def signed_months(first: date, last: date) -> list[tuple[date, int]]:
    """The rows that sum to the whole months `first`..`last` (first days), each with its
    sign: each year's last month of the run added, the month before the run taken off."""
    terms = [(min(last, date(year, 12, 1)), 1) for year in range(first.year, last.year + 1)]
    if first.month > 1:
        terms.append((first.replace(month=first.month - 1), -1))
    return terms

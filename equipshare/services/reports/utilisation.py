"""The utilisation report in one statement: per instrument, facility or institution, its
labels LEFT JOINed to the bookings' figures, its opening minutes and its downtime, each
grouped by the key in a subquery, in code order.

The bookings' figures come from the roll-ups (whole months from the year-to-date rows,
the days at a period's edges from the day rows) and, for what they do not hold (today so
far, facilities keeping another zone), from the bookings, through the same expressions
as the direct computation the roll-ups must equal.
"""

from __future__ import annotations

from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from equipshare.db import direct
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Facility, Institution, Instrument, OpeningWeek, User
from equipshare.db.models.rollups import BookingRollupYearToDate
from equipshare.db.rollup_sql import booked_length, held, used_length
from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.impact.reports import (
    ReportPeriod,
    UtilisationLevel,
    UtilisationReport,
    UtilisationRow,
)
from equipshare.services.plumbing.collections_paused import collections_paused
from equipshare.services.reports import opening as opening_minutes
from equipshare.services.reports import rolled
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.sql_time import Expr, instant, overlap_minutes
from equipshare.services.reports.usage import by_key, in_period, of_instruments, shared


def _key(level: UtilisationLevel) -> Expr:
    if level is UtilisationLevel.INSTRUMENT:
        return Instrument.id
    if level is UtilisationLevel.FACILITY:
        return Facility.id
    return Facility.institution_id


def _labels(level: UtilisationLevel, scope: Scope) -> Any:
    """(key, code, name, institution code) of each facility or institution with
    instruments in the scope, as a subquery."""
    columns: tuple[Any, ...]
    if level is UtilisationLevel.FACILITY:
        columns = (Facility.id, Facility.code, Facility.name)
    else:
        columns = (Institution.id, Institution.code, Institution.name)
    statement = _of_labels(
        select(
            columns[0].label("key"),
            columns[1].label("code"),
            columns[2].label("name"),
            Institution.code.label("institution_code"),
        ).select_from(Instrument),
        scope,
    )
    return statement.distinct().subquery("labels")  # one row a key, not an instrument


#: The bookings' figures, in the order every part selects them after its key.
_FIGURES = (
    "booked",
    "used",
    "bookings",
    "cancellations",
    "no_shows",
    "shared_minutes",
    "shared_bookings",
)


#: The year-to-date column of each figure.
_TO_DATE = {
    "booked": "held_minutes",
    "used": "used_minutes",
    "bookings": "held_bookings",
    "cancellations": "cancellations",
    "no_shows": "no_shows",
    "shared_minutes": "shared_minutes",
    "shared_bookings": "shared_bookings",
}


def _of_labels(statement: Any, scope: Scope) -> Any:
    """`statement` over the instruments, joined to the facility and institution naming
    them, narrowed to the scope."""
    return (
        statement.join(Facility, Instrument.facility_id == Facility.id)
        .join(Institution, Facility.institution_id == Institution.id)
        .where(*scope.conditions())
    )


def _grouped(parts: list[Any], name: str) -> Any:
    """The parts' rows (key, then `_FIGURES`; each part's grouped by key) summed per
    key, as a subquery named `name`."""
    if len(parts) == 1:  # one row a key already
        columns = list(parts[0].subquery(f"{name}_rows").c)
        named = (c.label(n) for c, n in zip(columns, ("key", *_FIGURES), strict=True))
        return select(*named).subquery(name)
    columns = list(union_all(*parts).subquery(f"{name}_rows").c)
    return (
        select(
            columns[0].label("key"),
            *(func.sum(c).label(n) for c, n in zip(columns[1:], _FIGURES, strict=True)),
        )
        .group_by(columns[0])
        .subquery(name)
    )


def utilisation_report(
    session: Session,
    dialect: str,
    period: ReportPeriod,
    level: UtilisationLevel,
    scope: Scope,
    *,
    rollups: bool = True,
) -> UtilisationReport:
    """With `rollups`, whole days of the bookings' figures are read from the roll-ups and
    only the rest (today so far, facilities keeping another zone) from the bookings;
    without, everything from the bookings: the direct computation the roll-ups must equal.

    One statement: the labels, each LEFT JOINed to its figures, opening minutes and
    downtime grouped by the key in subqueries (and per instrument, to the few
    year-to-date rows that make its whole months), in code order."""
    key = _key(level)
    per_instrument = level is UtilisationLevel.INSTRUMENT
    terms: list[tuple[date, int]] = []
    if rollups:
        split = rolled.split(session, period, scope)
        parts, terms = rolled.utilisation(period, key, scope, split, joined=per_instrument)
        parts += [_booking_figures(dialect, period, key, scope, *c) for c in split.direct]
    else:
        parts = [_booking_figures(dialect, period, key, scope)]
    if per_instrument:
        code, name, institution_code = Instrument.code, Instrument.name, Institution.code
        label_key: Any = Instrument.id
        statement = _of_labels(select().select_from(Instrument), scope)
    else:
        labels = _labels(level, scope)
        code, name, institution_code = labels.c.code, labels.c.name, labels.c.institution_code
        label_key = labels.c.key
        statement = select().select_from(labels)
    figures = _grouped(parts, "figures") if parts else None
    if figures is not None:
        statement = statement.outerjoin(figures, figures.c.key == label_key)
    months = []
    for number, (month, sign) in enumerate(terms):
        rows = aliased(BookingRollupYearToDate, name=f"to_date_{number}")
        months.append((rows, sign))
        here = and_(rows.month == month, rows.instrument_id == Instrument.id)
        statement = statement.outerjoin(rows, and_(here, Facility.timezone == period.timezone))

    def figure(name: str) -> ColumnElement[Any]:
        total: ColumnElement[Any] = literal(0)
        if figures is not None:
            total = func.coalesce(figures.c[name], 0)
        for rows, sign in months:
            value = func.coalesce(getattr(rows, _TO_DATE[name]), 0)
            total = total + value if sign > 0 else total - value
        return total

    bare = per_instrument and scope == Scope()  # no join needed for the key or scope
    opening: ColumnElement[Any]
    if per_instrument:
        statement = statement.outerjoin(OpeningWeek, OpeningWeek.instrument_id == Instrument.id)
        opening = opening_minutes.of_instrument(period)
    else:
        weeks = opening_minutes.of_keys(period, key, scope)
        statement = statement.outerjoin(weeks, weeks.c.key == label_key)
        opening = func.coalesce(weeks.c.minutes, 0)
    partial = opening_minutes.of_partial_days(period, key, scope, bare)
    if partial is not None:
        statement = statement.outerjoin(partial, partial.c.key == label_key)
        opening = opening + func.coalesce(partial.c.minutes, 0)
    downtime = _downtime(dialect, period, key, scope, bare)
    statement = statement.outerjoin(downtime, downtime.c.key == label_key)
    numbers = (
        figure("booked"),
        figure("used"),
        opening,
        func.coalesce(downtime.c.minutes, 0),
        *(figure(name) for name in _FIGURES[2:]),
    )
    if dialect != "sqlite":  # PostgreSQL's sums of bigints are numeric: integers, please
        numbers = tuple(cast(n, BigInteger) for n in numbers)
    statement = statement.add_columns(code, name, institution_code, *numbers)
    # SQLite reads every instrument in its table's order, so that each year-to-date and
    # opening-week lookup lands beside the one before (in code order they scattered: 40 ms
    # of ~300 at scale 1), and Python sorts by code as SQLite's BINARY collation would.
    # PostgreSQL orders by its own collation, as ever.
    in_table_order = per_instrument and dialect == "sqlite"
    statement = statement.order_by(Instrument.id if in_table_order else code)
    with collections_paused():  # 50,000 rows of tuples and records, none in a cycle
        result = direct.read_tuples(session.connection(), statement)
        if in_table_order:
            result.sort(key=itemgetter(0))
        records = _rows(level, result)
        del result  # freed now, not walked by the collection the pause's end sets off
    return UtilisationReport(period=period, level=level, rows=records)


def _rows(level: UtilisationLevel, result: list[Any]) -> tuple[UtilisationRow, ...]:
    """The report's rows, each made from its database row in one step (the statement
    selects the fields after `level` in their order)."""
    if result and len(result[0]) != len(UtilisationRow._fields) - 1:
        raise AssertionError(f"a utilisation row of {len(result[0])} values")
    new = tuple.__new__
    return tuple([new(UtilisationRow, (level, *values)) for values in result])


def _booking_figures(
    dialect: str,
    period: ReportPeriod,
    key: Expr,
    scope: Scope,
    *conditions: ColumnElement[bool],
) -> Any:
    """The bookings' figures per key, straight from the bookings starting in the period
    (and meeting `conditions`): a SELECT."""
    length = booked_length(dialect)
    status = Booking.status
    bookings = of_instruments(
        select(
            key.label("key"),
            func.sum(case((held(), length), else_=0)).label("booked"),
            func.sum(used_length(dialect)).label("used"),
            func.sum(case((held(), 1), else_=0)).label("bookings"),
            func.sum(case((status == BookingStatus.CANCELLED, 1), else_=0)).label("cancellations"),
            func.sum(case((status == BookingStatus.NO_SHOW, 1), else_=0)).label("no_shows"),
            func.sum(case((shared(), length), else_=0)).label("shared_minutes"),
            func.sum(case((shared(), 1), else_=0)).label("shared_bookings"),
        )
        .select_from(Booking)
        .join(Instrument, Booking.instrument_id == Instrument.id)
        .join(User, Booking.user_id == User.id),
        scope,
    ).where(in_period(Booking.starts_at, period), *conditions)
    return bookings.group_by(key)


def _downtime(dialect: str, period: ReportPeriod, key: Expr, scope: Scope, bare: bool) -> Any:
    """Minutes of downtime inside the period per key, as a subquery."""
    key, statement = by_key(Downtime, key, scope, bare)
    minutes = overlap_minutes(dialect, Downtime.starts_at, Downtime.ends_at, period)
    statement = statement.add_columns(key.label("key"), func.sum(minutes).label("minutes")).where(
        Downtime.starts_at < instant(period.ends_at), Downtime.ends_at > instant(period.starts_at)
    )
    return statement.group_by(key).subquery("downtime")

"""Utilisation and sharing as SQL aggregates: one GROUP BY per figure, never a booking in Python.

Every query joins a booking (or downtime, or opening hours) to its instrument's facility,
so one Scope filters them all and one key expression rolls them up to the instrument,
facility or institution level. A booking counts in the period its start falls in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Facility, Institution, Instrument, OpeningHours, User
from equipshare.db.rollup_sql import booked_length, held, used_length
from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.impact.reports import (
    ReportPeriod,
    SharingCell,
    SharingMonth,
    SharingReport,
    UtilisationLevel,
    UtilisationReport,
    UtilisationRow,
)
from equipshare.services.reports import rolled
from equipshare.services.reports.period import (
    minutes_into_first_day,
    minutes_into_last_day,
    month_starts,
    period_minutes,
    weekday_counts,
)
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.sql_time import (
    AnySelect,
    Expr,
    instant,
    month_index,
    overlap_minutes,
)

DAY = 24 * 60  # minutes: opening hours are local wall-clock minutes of one day


def in_period(column: Any, period: ReportPeriod) -> ColumnElement[bool]:
    """`column` (a start) falls in [period.starts_at, period.ends_at)."""
    return and_(column >= instant(period.starts_at), column < instant(period.ends_at))


def shared() -> ColumnElement[bool]:
    """A held booking by a user of another institution than the instrument's."""
    return and_(held(), User.institution_id != Facility.institution_id)


def _key(level: UtilisationLevel) -> Expr:
    if level is UtilisationLevel.INSTRUMENT:
        return Instrument.id
    if level is UtilisationLevel.FACILITY:
        return Facility.id
    return Facility.institution_id


def _of_instruments(statement: AnySelect, scope: Scope) -> AnySelect:
    return statement.join(Facility, Instrument.facility_id == Facility.id).where(
        *scope.conditions()
    )


@dataclass
class _Figures:
    booked: int = 0
    used: int = 0
    opening: int = 0
    downtime: int = 0
    bookings: int = 0
    cancellations: int = 0
    no_shows: int = 0
    shared_minutes: int = 0
    shared_bookings: int = 0


def _labels(session: Session, level: UtilisationLevel, scope: Scope) -> list[Any]:
    """(key, code, name, institution code) of each instrument, facility or institution."""
    if level is UtilisationLevel.INSTRUMENT:
        columns: tuple[Any, ...] = (Instrument.id, Instrument.code, Instrument.name)
    elif level is UtilisationLevel.FACILITY:
        columns = (Facility.id, Facility.code, Facility.name)
    else:
        columns = (Institution.id, Institution.code, Institution.name)
    statement = (
        select(*columns, Institution.code)
        .distinct()
        .select_from(Instrument)
        .join(Facility, Instrument.facility_id == Facility.id)
        .join(Institution, Facility.institution_id == Institution.id)
        .where(*scope.conditions())
        .order_by(columns[1])
    )
    return list(session.execute(statement))


def utilisation_report(
    session: Session,
    dialect: str,
    period: ReportPeriod,
    level: UtilisationLevel,
    scope: Scope,
    *,
    rollups: bool = True,
) -> UtilisationReport:
    """With `rollups`, whole days of the bookings' figures are read from the roll-up and
    only the rest (today so far, facilities keeping another zone) from the bookings;
    without, everything from the bookings: the direct computation the roll-up must equal."""
    key = _key(level)
    figures: dict[int, _Figures] = defaultdict(_Figures)
    if rollups:
        split = rolled.split(session, period, scope)
        parts: list[Any] = [rolled.utilisation(session, period, key, scope, split)]
        parts += [_booking_figures(session, dialect, period, key, scope, *c) for c in split.direct]
    else:
        parts = [_booking_figures(session, dialect, period, key, scope)]
    for part in parts:
        for row_key, booked, used, bookings, cancellations, no_shows, s_min, s_count in part:
            f = figures[row_key]
            f.booked += int(booked)
            f.used += int(used)
            f.bookings += int(bookings)
            f.cancellations += int(cancellations)
            f.no_shows += int(no_shows)
            f.shared_minutes += int(s_min)
            f.shared_bookings += int(s_count)
    for row_key, minutes in _downtime(session, dialect, period, key, scope):
        figures[row_key].downtime = int(minutes)
    for row_key, minutes in _opening(session, period, key, scope):
        figures[row_key].opening += int(minutes)
    rows = []
    for row_key, code, name, institution_code in _labels(session, level, scope):
        f = figures.get(row_key, _Figures())
        rows.append(
            UtilisationRow(
                level=level,
                code=code,
                name=name,
                institution_code=institution_code,
                booked_minutes=f.booked,
                used_minutes=f.used,
                opening_minutes=f.opening,
                downtime_minutes=f.downtime,
                bookings=f.bookings,
                cancellations=f.cancellations,
                no_shows=f.no_shows,
                shared_minutes=f.shared_minutes,
                shared_bookings=f.shared_bookings,
            )
        )
    return UtilisationReport(period=period, level=level, rows=tuple(rows))


def _booking_figures(
    session: Session,
    dialect: str,
    period: ReportPeriod,
    key: Expr,
    scope: Scope,
    *conditions: ColumnElement[bool],
) -> list[Any]:
    """The bookings' figures per key, straight from the bookings starting in the period
    (and meeting `conditions`)."""
    length = booked_length(dialect)
    status = Booking.status
    bookings = _of_instruments(
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
    return list(session.execute(bookings.group_by(key)))


def _downtime(
    session: Session, dialect: str, period: ReportPeriod, key: Expr, scope: Scope
) -> Iterable[Any]:
    """Minutes of downtime inside the period, per key."""
    statement = _of_instruments(
        select(
            key, func.sum(overlap_minutes(dialect, Downtime.starts_at, Downtime.ends_at, period))
        )
        .select_from(Downtime)
        .join(Instrument, Downtime.instrument_id == Instrument.id),
        scope,
    ).where(
        Downtime.starts_at < instant(period.ends_at), Downtime.ends_at > instant(period.starts_at)
    )
    return session.execute(statement.group_by(key))


def _partial_days(period: ReportPeriod) -> list[tuple[date, int, int]]:
    """The first and last days the period covers only part of, each with the local minutes
    [since, until) it covers: a period to date, or one given from or to a time."""
    since, until = minutes_into_first_day(period), minutes_into_last_day(period)
    if period.first_day == period.last_day and (since is not None or until is not None):
        return [(period.first_day, since or 0, DAY if until is None else until)]
    days = [] if since is None else [(period.first_day, since, DAY)]
    return days + ([] if until is None else [(period.last_day, 0, until)])


def _opening(session: Session, period: ReportPeriod, key: Expr, scope: Scope) -> Iterable[Any]:
    """Opening minutes per key: each weekly interval times the weekday's count of whole days
    in the period, and the parts of its first and last days' intervals inside it when it
    covers only part of them; an instrument with no opening hours is open for every real
    minute of the period."""
    counts = weekday_counts(period)
    opens, closes = OpeningHours.opens_minute, OpeningHours.closes_minute
    times = case(*((OpeningHours.weekday == day, n) for day, n in enumerate(counts)), else_=0)
    minutes: ColumnElement[int] = (closes - opens) * times
    for day, since, until in _partial_days(period):  # open inside [since, until) that day
        start = case((opens < since, since), else_=opens)
        end = case((closes > until, until), else_=closes)
        minutes = minutes + case(
            (OpeningHours.weekday != day.weekday(), 0), (end <= start, 0), else_=end - start
        )
    weekly = _of_instruments(
        select(key, func.sum(minutes))
        .select_from(OpeningHours)
        .join(Instrument, OpeningHours.instrument_id == Instrument.id),
        scope,
    )
    yield from session.execute(weekly.group_by(key))
    has_hours = exists().where(OpeningHours.instrument_id == Instrument.id)
    always = _of_instruments(
        select(key, func.count(Instrument.id) * period_minutes(period)).select_from(Instrument),
        scope,
    ).where(~has_hours)
    yield from session.execute(always.group_by(key))


def sharing_report(
    session: Session, dialect: str, period: ReportPeriod, scope: Scope, *, rollups: bool = True
) -> SharingReport:
    """The held bookings grouped by host, user institution and local month (whole days
    from the roll-up with `rollups`); the matrix and the months are both sums of those
    few groups."""
    cells, by_month = held_totals(
        session, dialect, period, scope, "host", sharing_groups, rollups=rollups
    )
    return sharing_from(period, cells, by_month)


def sharing_from(
    period: ReportPeriod, cells: list[tuple[str, str, int, int]], by_month: dict[int, list[int]]
) -> SharingReport:
    """The report of the host side's totals (see `held_totals`)."""
    return SharingReport(
        period=period,
        institutions=tuple(sorted({row[0] for row in cells} | {row[1] for row in cells})),
        cells=tuple(SharingCell(*row) for row in cells),
        months=months_of(period, by_month),
    )


def months_of(period: ReportPeriod, by_month: dict[int, list[int]]) -> tuple[SharingMonth, ...]:
    """Every local month of the period with its [minutes, bookings] across institutions."""
    return tuple(
        SharingMonth(month, *by_month.get(index, (0, 0)))
        for index, month in enumerate(month_starts(period))
    )


Totals = tuple[list[tuple[str, str, int, int]], dict[int, list[int]]]


def held_totals(
    session: Session,
    dialect: str,
    period: ReportPeriod,
    scope: Scope,
    who: str,
    direct: Callable[..., list[Any]],
    *,
    rollups: bool,
) -> Totals:
    """Cells (host's, or the technician's if `who` is "staff", institution code, user
    institution code, minutes, bookings) in code order, and [minutes, bookings] across
    institutions per month index: whole days from the roll-ups with `rollups`, the rest
    (or everything) from the bookings by `direct` (groups of first institution id, user
    institution id, month index, minutes and bookings)."""
    return held_totals_of(session, dialect, period, scope, {who: direct}, rollups=rollups)[who]


def held_totals_of(
    session: Session,
    dialect: str,
    period: ReportPeriod,
    scope: Scope,
    directs: Mapping[str, Callable[..., list[Any]]],
    *,
    rollups: bool,
) -> dict[str, Totals]:
    """`held_totals` for each side ("host", "staff") of `directs`, from one split of the
    period and one read of the host rows for all of them."""
    found: dict[str, Totals] = {}
    codes: dict[int, str] = {}
    split = rolled.split(session, period, scope) if rollups else None
    tallies = rolled.held_sides(session, period, scope, split, list(directs)) if split else {}
    for who, direct in directs.items():
        by_month: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        groups: list[Any] = []
        cells: list[tuple[str, str, int, int]] = []
        if split is not None:
            cells, months_of = tallies[who]
            for index, minutes, count in months_of:
                add_to(by_month[index], minutes, count)
            for conditions in split.direct:
                groups += direct(session, dialect, period, scope, *conditions)
        else:
            groups = direct(session, dialect, period, scope)
        if not groups:
            found[who] = (cells, by_month)
            continue
        if not codes:
            rows = session.connection().execute(select(Institution.id, Institution.code))
            codes = {row[0]: row[1] for row in rows}
        for first, user, index, minutes, count in groups:
            if first != user:
                add_to(by_month[int(index)], minutes, count)
        named = [(codes[first], codes[user], m, n) for first, user, _, m, n in groups]
        found[who] = (rolled.merged_cells([cells, sorted(named)]), by_month)
    return found


def add_to(total: list[int], minutes: Any, count: Any) -> None:
    """Add a group's minutes and bookings to a [minutes, bookings] total."""
    total[0] += int(minutes)
    total[1] += int(count)


def sharing_groups(
    session: Session,
    dialect: str,
    period: ReportPeriod,
    scope: Scope,
    *conditions: ColumnElement[bool],
) -> list[Any]:
    """(host, user institution, month index, minutes, bookings) of the held bookings
    starting in the period (and meeting `conditions`), straight from the bookings."""
    held_in_scope = (
        _of_instruments(
            select(
                Facility.institution_id.label("host"),
                User.institution_id.label("user"),
                month_index(Booking.starts_at, period).label("month"),
                booked_length(dialect).label("minutes"),
            )
            .select_from(Booking)
            .join(Instrument, Booking.instrument_id == Instrument.id),
            scope,
        )
        .join(User, Booking.user_id == User.id)
        .where(held(), in_period(Booking.starts_at, period), *conditions)
        .subquery()
    )
    h = held_in_scope.c
    return list(
        session.execute(
            select(h.host, h.user, h.month, func.sum(h.minutes), func.count()).group_by(
                h.host, h.user, h.month
            )
        )
    )

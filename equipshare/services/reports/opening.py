"""Opening minutes of a report's period per instrument, facility or institution.

Whole days come from each instrument's opening week (`opening_weeks`: its open minutes
per weekday, one row an instrument, kept by the database from its intervals) times how
many of each weekday the period holds; the days the period covers only in part (today so
far, or a period from or to a time) from the intervals of those weekdays, clipped. An
instrument without opening hours is open for every real minute of the period.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select

from equipshare.db.models.catalogue import WEEKDAY_COLUMNS, Instrument, OpeningHours, OpeningWeek
from equipshare.domain.records.impact.reports import ReportPeriod
from equipshare.services.reports.period import (
    minutes_into_first_day,
    minutes_into_last_day,
    period_minutes,
    weekday_counts,
)
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.sql_time import Expr
from equipshare.services.reports.usage import by_key, of_instruments

DAY = 24 * 60  # minutes: opening hours are local wall-clock minutes of one day


def of_instrument(period: ReportPeriod) -> ColumnElement[int]:
    """An instrument's opening minutes of the period's whole days, in a statement that
    outer-joins its OpeningWeek row (none: open around the clock)."""
    total: ColumnElement[int] = literal(0)
    for column, count in zip(WEEKDAY_COLUMNS, weekday_counts(period), strict=True):
        if count:
            total = total + getattr(OpeningWeek, column) * count
    return case((OpeningWeek.instrument_id.is_(None), period_minutes(period)), else_=total)


def of_keys(period: ReportPeriod, key: Expr, scope: Scope) -> Any:
    """(key, minutes): the whole days' opening minutes of the scope's instruments summed
    per facility or institution, as a subquery."""
    statement = select(key.label("key"), func.sum(of_instrument(period)).label("minutes"))
    statement = statement.select_from(Instrument).outerjoin(
        OpeningWeek, OpeningWeek.instrument_id == Instrument.id
    )
    return of_instruments(statement, scope).group_by(key).subquery("opening")


def partial_days(period: ReportPeriod) -> list[tuple[date, int, int]]:
    """The first and last days the period covers only part of, each with the local minutes
    [since, until) it covers: a period to date, or one given from or to a time."""
    since, until = minutes_into_first_day(period), minutes_into_last_day(period)
    if period.first_day == period.last_day and (since is not None or until is not None):
        return [(period.first_day, since or 0, DAY if until is None else until)]
    days = [] if since is None else [(period.first_day, since, DAY)]
    return days + ([] if until is None else [(period.last_day, 0, until)])


def of_partial_days(period: ReportPeriod, key: Expr, scope: Scope, bare: bool) -> Any | None:
    """(key, minutes): the opening minutes inside the days the period covers in part, from
    the intervals of their weekdays, as a subquery; None when it covers only whole days."""
    days = partial_days(period)
    if not days:
        return None
    opens, closes = OpeningHours.opens_minute, OpeningHours.closes_minute
    minutes: ColumnElement[int] = literal(0)
    for day, since, until in days:  # open inside [since, until) that day
        start = case((opens < since, since), else_=opens)
        end = case((closes > until, until), else_=closes)
        minutes = minutes + case(
            (OpeningHours.weekday != day.weekday(), 0), (end <= start, 0), else_=end - start
        )
    hours_key, statement = by_key(OpeningHours, key, scope, bare)
    statement = statement.add_columns(hours_key.label("key"), func.sum(minutes).label("minutes"))
    weekdays = sorted({day.weekday() for day, _since, _until in days})
    statement = statement.where(OpeningHours.weekday.in_(weekdays))
    return statement.group_by(hours_key).subquery("partial_opening")

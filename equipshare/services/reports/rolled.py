"""The utilisation and sharing figures of whole days, read from the booking roll-ups.

The roll-ups (db/rollups.py) hold each instrument's bookings by the local day of its
facility's zone on which they start, which is where the reports count a booking, and the
same sums by local month. A period's whole months are read from the month rows and the
whole days at its edges (never more than two part-months) from the day rows, for the
facilities that keep the period's zone; what is left, today so far in a period to date
and any facility keeping another zone, comes from the bookings (`Split.direct`), so the
sum is always the bookings' own.

Each part is one GROUP BY, joined to its instrument and facility only for the scope, the
zone and the host (per instrument, not per row); the month of a row is a column of the
month rows and a constant of a part-month, so no query computes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, case, func, literal, select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.rollups import NO_STAFF, BookingRollup, BookingRollupMonth
from equipshare.domain.records.reports import ReportPeriod
from equipshare.domain.zone_offsets import local_midnight
from equipshare.services.reports.period import month_starts
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.sql_time import Expr, instant

Rows = type[BookingRollup] | type[BookingRollupMonth]


@dataclass(frozen=True)
class Part:
    """Rolled-up rows of the period: whole months `first`..`last` (first days) of the
    month rows, or days `first`..`last` of the day rows, all in the month `month`."""

    months: bool
    first: date
    last: date
    month: date | None = None

    @property
    def table(self) -> Rows:
        return BookingRollupMonth if self.months else BookingRollup

    def conditions(self) -> list[ColumnElement[bool]]:
        if self.months:
            m = BookingRollupMonth.month
            return [m >= self.first, m <= self.last]
        return [BookingRollup.day >= self.first, BookingRollup.day <= self.last]

    def month_column(self) -> ColumnElement[Any]:
        if self.months:
            return BookingRollupMonth.month.expression
        return literal(self.month, Date)


@dataclass(frozen=True)
class Split:
    """Which rolled-up rows answer the period (for facilities in the period's zone), and
    the conditions on bookings of the period that are read directly instead, one query
    each."""

    parts: tuple[Part, ...]
    direct: tuple[tuple[ColumnElement[bool], ...], ...]


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def parts(first: date, last: date) -> tuple[Part, ...]:
    """The whole months of first..last from the month rows, the rest from the day rows."""
    if last < first:
        return ()
    after = last + timedelta(days=1)
    low = first if first.day == 1 else _next_month(first)
    high = after if after.day == 1 else last.replace(day=1)  # the day after the whole months
    if low >= high:  # no whole month: the days of at most two months
        cut = max(first, last.replace(day=1))
        edges = [(first, cut - timedelta(days=1)), (cut, last)]
        return tuple(Part(False, a, b, a.replace(day=1)) for a, b in edges if a <= b)
    whole = Part(True, low, (high - timedelta(days=1)).replace(day=1))
    edges = [(first, low - timedelta(days=1)), (high, last)]
    days = [Part(False, a, b, a.replace(day=1)) for a, b in edges if a <= b]
    return (whole, *days)


def split(session: Session, period: ReportPeriod, scope: Scope) -> Split:
    zone = period.timezone
    last_whole = period.last_day - timedelta(days=1) if period.to_date else period.last_day
    direct: list[tuple[ColumnElement[bool], ...]] = []
    if period.to_date:  # today so far: the day is not over, so not rolled up for the period
        today = local_midnight(period.last_day, ZoneInfo(zone))
        direct.append((Facility.timezone == zone, Booking.starts_at >= instant(today)))
    others = session.scalars(
        select(Facility.id).where(Facility.timezone != zone, *scope.conditions())
    ).all()
    if others:  # their days begin at other instants than the period's
        elsewhere = select(Instrument.id).where(Instrument.facility_id.in_(others))
        direct.append((Booking.instrument_id.in_(elsewhere),))
    return Split(parts(period.first_day, last_whole), tuple(direct))


def _of_instruments(statement: Any, part: Part, scope: Scope, period: ReportPeriod) -> Any:
    rows = part.table
    return (
        statement.select_from(rows)
        .join(Instrument, Instrument.id == rows.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .where(Facility.timezone == period.timezone, *part.conditions(), *scope.conditions())
    )


def utilisation(
    session: Session, period: ReportPeriod, key: Expr, scope: Scope, split: Split
) -> list[tuple[Any, ...]]:
    """Per key: booked, used, bookings, cancellations, no-shows, shared minutes and
    bookings (those of users of another institution than the instrument's)."""
    totals: dict[Any, list[int]] = {}
    for part in split.parts:
        r = part.table
        shared = r.user_institution_id != Facility.institution_id
        statement = _of_instruments(
            select(
                key,
                func.sum(r.held_minutes),
                func.sum(r.used_minutes),
                func.sum(r.held_bookings),
                func.sum(r.cancellations),
                func.sum(r.no_shows),
                func.sum(case((shared, r.held_minutes), else_=0)),
                func.sum(case((shared, r.held_bookings), else_=0)),
            ),
            part,
            scope,
            period,
        ).group_by(key)
        rows = session.execute(statement)
        if not totals:
            totals = {row[0]: list(row[1:]) for row in rows}
            continue
        for row_key, *sums in rows:
            found = totals.setdefault(row_key, [0] * 7)
            for index, value in enumerate(sums):
                found[index] += value
    return [(row_key, *sums) for row_key, sums in totals.items()]


def _held_groups(session: Session, period: ReportPeriod, scope: Scope, split: Split) -> list[Any]:
    """(host, user institution, staff institution, month index, held minutes, held
    bookings): one pass over the period's rows serves both sides of the sharing report,
    so it is kept for the rest of the session (a read transaction)."""
    memo = session.info.setdefault("equipshare.rolled_sharing", {})
    memo_key = (period, scope, split.parts)
    if memo_key not in memo:
        index = {month: number for number, month in enumerate(month_starts(period))}
        groups: list[tuple[int, int, int, int, int, int]] = []
        for part in split.parts:
            r = part.table
            month = part.month_column()
            statement = _of_instruments(
                select(
                    Facility.institution_id,
                    r.user_institution_id,
                    r.staff_institution_id,
                    month,
                    func.sum(r.held_minutes),
                    func.sum(r.held_bookings),
                ),
                part,
                scope,
                period,
            ).where(r.held_bookings > 0)
            if part.months:
                statement = statement.group_by(
                    Facility.institution_id, r.user_institution_id, r.staff_institution_id, month
                )
            else:  # one month: the month is a constant
                statement = statement.group_by(
                    Facility.institution_id, r.user_institution_id, r.staff_institution_id
                )
            groups += [
                (host, user, staff, index[_day(month_of)], minutes, count)
                for host, user, staff, month_of, minutes, count in session.execute(statement)
            ]
        memo[memo_key] = groups
    return cast(list[Any], memo[memo_key])


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _summed(rows: Iterable[tuple[int, int, int, int, int]]) -> list[tuple[int, int, int, int, int]]:
    totals: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for first, second, month, minutes, count in rows:
        total = totals[first, second, month]
        total[0] += int(minutes)
        total[1] += int(count)
    return [(*key, minutes, count) for key, (minutes, count) in totals.items()]


def sharing(session: Session, period: ReportPeriod, scope: Scope, split: Split) -> list[Any]:
    """(host institution, user institution, month index, held minutes, held bookings)."""
    groups = _held_groups(session, period, scope, split)
    return _summed((host, user, month, m, n) for host, user, _, month, m, n in groups)


def technician_sharing(
    session: Session, period: ReportPeriod, scope: Scope, split: Split
) -> list[Any]:
    """(staff institution, user institution, month index, minutes, sessions) of the held
    bookings another person assisted."""
    groups = _held_groups(session, period, scope, split)
    return _summed(
        (staff, user, month, m, n) for _, user, staff, month, m, n in groups if staff != NO_STAFF
    )

"""The utilisation and sharing figures of whole days, read from the booking roll-up.

The roll-up (db/rollups.py) holds each instrument's bookings by the local day of its
facility's zone on which they start, which is where the reports count a booking. A
period's whole days are read from it for the facilities that keep the period's zone;
what is left, today so far in a period to date and any facility keeping another zone,
comes from the bookings (`Split.direct`), so the sum is always the bookings' own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, case, func, literal, select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.rollups import NO_STAFF, BookingRollup
from equipshare.domain.records.reports import ReportPeriod
from equipshare.domain.zone_offsets import local_midnight
from equipshare.services.reports.period import month_starts
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.sql_time import Expr, instant

R = BookingRollup


@dataclass(frozen=True)
class Split:
    """Which days the roll-up answers (`first_day`..`last_day`, for facilities in the
    period's zone; none when `last_day` is before `first_day`), and the conditions on
    bookings of the period that are read directly instead, one query each."""

    first_day: date
    last_day: date
    direct: tuple[tuple[ColumnElement[bool], ...], ...]


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
    return Split(period.first_day, last_whole, tuple(direct))


def _rolled(split: Split, scope: Scope) -> list[ColumnElement[bool]]:
    return [
        R.day >= split.first_day,
        R.day <= split.last_day,
        *scope.conditions(),
    ]


def _of_instruments(statement: Any, split: Split, scope: Scope, period: ReportPeriod) -> Any:
    return (
        statement.select_from(R)
        .join(Instrument, Instrument.id == R.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .where(Facility.timezone == period.timezone, *_rolled(split, scope))
    )


def utilisation(
    session: Session, period: ReportPeriod, key: Expr, scope: Scope, split: Split
) -> list[Any]:
    """Per key: booked, used, bookings, cancellations, no-shows, shared minutes and
    bookings (those of users of another institution than the instrument's)."""
    if split.last_day < split.first_day:
        return []
    shared = R.user_institution_id != Facility.institution_id
    statement = _of_instruments(
        select(
            key.label("key"),
            func.sum(R.held_minutes).label("booked"),
            func.sum(R.used_minutes).label("used"),
            func.sum(R.held_bookings).label("bookings"),
            func.sum(R.cancellations).label("cancellations"),
            func.sum(R.no_shows).label("no_shows"),
            func.sum(case((shared, R.held_minutes), else_=0)).label("shared_minutes"),
            func.sum(case((shared, R.held_bookings), else_=0)).label("shared_bookings"),
        ),
        split,
        scope,
        period,
    )
    return list(session.execute(statement.group_by(key)))


def month_of_day(period: ReportPeriod) -> ColumnElement[int]:
    """Which local month of the period a roll-up day falls in: 0 for the first."""
    later_months = month_starts(period)[1:]
    if not later_months:
        return literal(0, Integer)
    return case(
        *((R.day < month, index) for index, month in enumerate(later_months)),
        else_=len(later_months),
    )


def _held_groups(session: Session, period: ReportPeriod, scope: Scope, split: Split) -> list[Any]:
    """(host, user institution, staff institution, month index, held minutes, held
    bookings): one pass over the period's rows serves both sides of the sharing report,
    so it is kept for the rest of the session (a read transaction)."""
    memo = session.info.setdefault("equipshare.rolled_sharing", {})
    key = (period, scope, split.first_day, split.last_day)
    if key not in memo:
        month = month_of_day(period).label("month")
        statement = _of_instruments(
            select(
                Facility.institution_id.label("host"),
                R.user_institution_id.label("user"),
                R.staff_institution_id.label("staff"),
                month,
                func.sum(R.held_minutes),
                func.sum(R.held_bookings),
            ),
            split,
            scope,
            period,
        ).where(R.held_bookings > 0)
        groups = statement.group_by(
            Facility.institution_id, R.user_institution_id, R.staff_institution_id, month
        )
        memo[key] = [tuple(row) for row in session.execute(groups)]
    return cast(list[Any], memo[key])


def _summed(rows: Iterable[tuple[int, int, int, int, int]]) -> list[tuple[int, int, int, int, int]]:
    totals: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for first, second, month, minutes, count in rows:
        total = totals[first, second, month]
        total[0] += int(minutes)
        total[1] += int(count)
    return [(*key, minutes, count) for key, (minutes, count) in totals.items()]


def sharing(session: Session, period: ReportPeriod, scope: Scope, split: Split) -> list[Any]:
    """(host institution, user institution, month index, held minutes, held bookings)."""
    if split.last_day < split.first_day:
        return []
    groups = _held_groups(session, period, scope, split)
    return _summed((host, user, month, m, n) for host, user, _, month, m, n in groups)


def technician_sharing(
    session: Session, period: ReportPeriod, scope: Scope, split: Split
) -> list[Any]:
    """(staff institution, user institution, month index, minutes, sessions) of the held
    bookings another person assisted."""
    if split.last_day < split.first_day:
        return []
    groups = _held_groups(session, period, scope, split)
    return _summed(
        (staff, user, month, m, n) for _, user, staff, month, m, n in groups if staff != NO_STAFF
    )

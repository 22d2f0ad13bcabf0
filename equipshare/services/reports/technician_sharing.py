"""The technician side of sharing: hours of technician time one institution's staff gave to
another institution's researchers (whole days from the booking roll-up, the rest from the
bookings).

Technician time is assisted sessions: held bookings (confirmed, completed, no-show) with a
technician other than the booker, counted by their booked length where their start falls.
The staff member's institution is their own (a user's), not the host's: a Warwick
technician assisting on an Aston instrument counts as Warwick's time. Filters pick the host
instruments, as for the rest of the sharing report.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.rollup_sql import booked_length, held
from equipshare.domain.records.reports import ReportPeriod, SharingCell, SharingMonth
from equipshare.services.reports import rolled
from equipshare.services.reports.period import month_starts
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.sql_time import month_index
from equipshare.services.reports.usage import add_to, in_period


def technician_sharing(
    session: Session, dialect: str, period: ReportPeriod, scope: Scope, *, rollups: bool = True
) -> tuple[tuple[SharingCell, ...], tuple[SharingMonth, ...]]:
    """Cells of (staff institution, user institution, minutes, sessions), and the
    cross-institution part by local month (whole days from the roll-up with `rollups`)."""
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    by_month: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    groups = []
    if rollups:
        split = rolled.split(session, period, scope)
        tallied, months_of = rolled.held(session, period, scope, split, "staff")
        for staff_id, user_id, minutes, count in tallied:
            add_to(cells[staff_id, user_id], minutes, count)
        for index, minutes, count in months_of:
            add_to(by_month[index], minutes, count)
        for conditions in split.direct:
            groups += _assisted(session, dialect, period, scope, *conditions)
    else:
        groups = _assisted(session, dialect, period, scope)
    for staff_id, user_id, index, minutes, count in groups:
        add_to(cells[staff_id, user_id], minutes, count)
        if staff_id != user_id:
            add_to(by_month[int(index)], minutes, count)
    codes = {row.id: row.code for row in session.execute(select(Institution.id, Institution.code))}
    coded = {(codes[staff], codes[user]): sums for (staff, user), sums in cells.items()}
    months = tuple(
        SharingMonth(month, *by_month.get(index, (0, 0)))
        for index, month in enumerate(month_starts(period))
    )
    return tuple(SharingCell(*pair, *coded[pair]) for pair in sorted(coded)), months


def _assisted(
    session: Session,
    dialect: str,
    period: ReportPeriod,
    scope: Scope,
    *conditions: ColumnElement[bool],
) -> list[Any]:
    """(staff institution, user institution, month index, minutes, sessions) of the
    assisted sessions starting in the period (and meeting `conditions`), from the bookings."""
    booker, technician = aliased(User), aliased(User)
    assisted = (
        select(
            technician.institution_id.label("staff"),
            booker.institution_id.label("user"),
            month_index(Booking.starts_at, period).label("month"),
            booked_length(dialect).label("minutes"),
        )
        .select_from(Booking)
        .join(Instrument, Booking.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .join(booker, Booking.user_id == booker.id)
        .join(technician, Booking.technician_id == technician.id)
        .where(
            held(),
            in_period(Booking.starts_at, period),
            Booking.technician_id != Booking.user_id,
            *scope.conditions(),
            *conditions,
        )
        .subquery()
    )
    a = assisted.c
    return list(
        session.execute(
            select(a.staff, a.user, a.month, func.sum(a.minutes), func.count()).group_by(
                a.staff, a.user, a.month
            )
        )
    )

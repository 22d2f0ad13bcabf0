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

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument, User
from equipshare.db.rollup_sql import booked_length, held
from equipshare.domain.records.impact.reports import ReportPeriod, SharingCell, SharingMonth
from equipshare.services.reports.period import month_starts
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.sql_time import month_index
from equipshare.services.reports.usage import held_totals, in_period


def technician_sharing(
    session: Session, dialect: str, period: ReportPeriod, scope: Scope, *, rollups: bool = True
) -> tuple[tuple[SharingCell, ...], tuple[SharingMonth, ...]]:
    """Cells of (staff institution, user institution, minutes, sessions), and the
    cross-institution part by local month (whole days from the roll-up with `rollups`)."""
    cells, by_month = held_totals(
        session, dialect, period, scope, "staff", _assisted, rollups=rollups
    )
    months = tuple(
        SharingMonth(month, *by_month.get(index, (0, 0)))
        for index, month in enumerate(month_starts(period))
    )
    return tuple(SharingCell(*row) for row in cells), months


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

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

from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument, User
from equipshare.db.rollup_sql import booked_length, held
from equipshare.domain.records.impact.reports import (
    ReportPeriod,
    SharingCell,
    SharingMonth,
    SharingReport,
)
from equipshare.services.plumbing.collections_paused import collections_paused
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.sql_time import month_index
from equipshare.services.reports.usage import (
    held_totals,
    held_totals_of,
    in_period,
    months_of,
    sharing_from,
    sharing_groups,
)


def technician_sharing(
    session: Session, dialect: str, period: ReportPeriod, scope: Scope, *, rollups: bool = True
) -> tuple[tuple[SharingCell, ...], tuple[SharingMonth, ...]]:
    """Cells of (staff institution, user institution, minutes, sessions), and the
    cross-institution part by local month (whole days from the roll-up with `rollups`)."""
    cells, by_month = held_totals(
        session, dialect, period, scope, "staff", _assisted, rollups=rollups
    )
    return tuple(SharingCell(*row) for row in cells), months_of(period, by_month)


def sharing_with_technicians(
    session: Session, dialect: str, period: ReportPeriod, scope: Scope, *, rollups: bool = True
) -> SharingReport:
    """The sharing report with its technician side: `sharing_report` and
    `technician_sharing` together, the period split once and its host rows read once
    for both sides."""
    directs = {"host": sharing_groups, "staff": _assisted}
    with collections_paused():
        totals = held_totals_of(session, dialect, period, scope, directs, rollups=rollups)
        cells, by_month = totals["staff"]
        return replace(
            sharing_from(period, *totals["host"]),
            technician_cells=tuple(SharingCell(*row) for row in cells),
            technician_months=months_of(period, by_month),
        )


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

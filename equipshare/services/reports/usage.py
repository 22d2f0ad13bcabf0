"""The sharing matrix as SQL aggregates, and the terms every report's SQL shares.

Every query joins a booking (or downtime, or opening hours) to its instrument's facility,
so one Scope filters them all (`of_instruments`); a booking counts in the period its start
falls in (`in_period`). Utilisation, built on the same terms, is in utilisation.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.rollup_sql import booked_length, held
from equipshare.domain.records.impact.reports import (
    ReportPeriod,
    SharingCell,
    SharingMonth,
    SharingReport,
)
from equipshare.services.reports import rolled
from equipshare.services.reports.period import (
    month_starts,
)
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.sql_time import (
    AnySelect,
    Expr,
    instant,
    month_index,
)


def in_period(column: Any, period: ReportPeriod) -> ColumnElement[bool]:
    """`column` (a start) falls in [period.starts_at, period.ends_at)."""
    return and_(column >= instant(period.starts_at), column < instant(period.ends_at))


def shared() -> ColumnElement[bool]:
    """A held booking by a user of another institution than the instrument's."""
    return and_(held(), User.institution_id != Facility.institution_id)


def of_instruments(statement: AnySelect, scope: Scope) -> AnySelect:
    return statement.join(Facility, Instrument.facility_id == Facility.id).where(
        *scope.conditions()
    )


def by_key(table: Any, key: Expr, scope: Scope, bare: bool) -> tuple[Any, Any]:
    """The key of `table`'s rows (which name their instrument), and a SELECT from it
    joined as far as the key and the scope need: not at all per instrument over the
    whole consortium (`bare`), where the key is the row's own instrument."""
    if bare:
        return table.instrument_id, select().select_from(table)
    joined = select().select_from(table).join(Instrument, table.instrument_id == Instrument.id)
    return key, of_instruments(joined, scope)


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
        of_instruments(
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

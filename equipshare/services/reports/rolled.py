"""The utilisation and sharing figures of whole days, read from the booking roll-ups.

The roll-ups (db/rollups.py) hold each instrument's bookings by the local day of its
facility's zone on which they start, which is where the reports count a booking, and the
same sums by local month. A period's whole months are read from the month rows and the
whole days at its edges (never more than two part-months) from the day rows, for the
facilities that keep the period's zone; what is left, today so far in a period to date
and any facility keeping another zone, comes from the bookings (`Split.direct`), so the
sum is always the bookings' own. The sharing reports read whole months from the host
rows instead (the held sums by host institution), unless narrowed to one facility.

Each part is one GROUP BY, joined to its instrument and facility only for the scope, the
zone and the host (per instrument, not per row); the month of a row is a column of the
month rows and a constant of a part-month, so no query computes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, and_, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from equipshare.db import direct, rollup_ytd_sql
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument
from equipshare.db.models.rollups import (
    NO_STAFF,
    BookingRollup,
    BookingRollupHost,
    BookingRollupMonth,
    BookingRollupYearToDate,
)
from equipshare.domain.records.impact.reports import ReportPeriod
from equipshare.domain.time.zone_offsets import local_midnight
from equipshare.services.reports.period import (
    minutes_into_first_day,
    minutes_into_last_day,
    month_starts,
)
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
    #: Institutions with a facility in the report that keeps another zone than the
    #: period's: their host rows mix both zones' months, so are not read.
    mixed_hosts: tuple[int, ...] = ()


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
    # A day the period covers only part of (today so far, or a day given from or to a time)
    # is read from the bookings: the roll-up holds whole days only.
    partly_first = minutes_into_first_day(period) is not None
    partly_last = minutes_into_last_day(period) is not None
    first_whole = period.first_day + timedelta(days=1) if partly_first else period.first_day
    last_whole = period.last_day - timedelta(days=1) if partly_last else period.last_day
    direct: list[tuple[ColumnElement[bool], ...]] = []
    if partly_last:
        last = local_midnight(period.last_day, ZoneInfo(zone))
        direct.append((Facility.timezone == zone, Booking.starts_at >= instant(last)))
    if partly_first and not (partly_last and period.first_day == period.last_day):
        after_first = local_midnight(first_whole, ZoneInfo(zone))
        direct.append((Facility.timezone == zone, Booking.starts_at < instant(after_first)))
    others = session.execute(
        select(Facility.id, Facility.institution_id).where(
            Facility.timezone != zone, *scope.conditions()
        )
    ).all()
    if others:  # their days begin at other instants than the period's
        ids = [facility for facility, _ in others]
        elsewhere = select(Instrument.id).where(Instrument.facility_id.in_(ids))
        direct.append((Booking.instrument_id.in_(elsewhere),))
    mixed = tuple(sorted({host for _, host in others}))
    return Split(parts(first_whole, last_whole), tuple(direct), mixed)


def _of_instruments(statement: Any, part: Part, scope: Scope, period: ReportPeriod) -> Any:
    rows = part.table
    return (
        statement.select_from(rows)
        .join(Instrument, Instrument.id == rows.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .where(Facility.timezone == period.timezone, *part.conditions(), *scope.conditions())
    )


def utilisation(
    period: ReportPeriod, key: Expr, scope: Scope, split: Split, *, joined: bool = False
) -> tuple[list[Any], list[tuple[date, int]]]:
    """SELECTs of (key, booked, used, bookings, cancellations, no-shows, shared minutes
    and bookings: those of users of another institution than the instrument's), whose
    rows add up to the rolled-up part of the period: whole months from the year-to-date
    rows (each year's last month of the run, less the month before it), the days at the
    edges from the day rows. With `joined` (a report per instrument), the whole months
    are instead returned as the year-to-date rows' (month, sign) for the caller to join
    to each instrument of the period's zone: a key lookup each, no GROUP BY."""
    selects: list[Any] = []
    terms: list[tuple[date, int]] = []
    for part in split.parts:
        if part.months and joined:
            terms += rollup_ytd_sql.signed_months(part.first, part.last)
            continue
        if part.months:
            selects.append(_year_to_date(part, key, scope, period))
            continue
        r = BookingRollup
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
        )
        selects.append(statement.group_by(key))
    return selects, terms


def _year_to_date(part: Part, key: Expr, scope: Scope, period: ReportPeriod) -> Any:
    """The whole months of `part` per key from the year-to-date rows, signed."""
    y = BookingRollupYearToDate
    terms = rollup_ytd_sql.signed_months(part.first, part.last)
    taken_off = [month for month, sign in terms if sign < 0]
    sign = case((y.month.in_(taken_off), -1), else_=1) if taken_off else literal(1)
    return (
        select(
            key,
            *(
                func.sum(sign * getattr(y, name))
                for name in (
                    "held_minutes",
                    "used_minutes",
                    "held_bookings",
                    "cancellations",
                    "no_shows",
                    "shared_minutes",
                    "shared_bookings",
                )
            ),
        )
        .select_from(y)
        .join(Instrument, Instrument.id == y.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .where(
            Facility.timezone == period.timezone,
            y.month.in_([month for month, _ in terms]),
            *scope.conditions(),
        )
        .group_by(key)
    )


#: Cells (first institution's code, user institution's code, minutes, bookings) in code
#: order, and the cross-institution part by month index (index, minutes, bookings).
Tally = tuple[list[tuple[str, str, int, int]], list[tuple[int, int, int]]]


def _held_sums(
    session: Session, statement: Any, first: Any, month: Any | None, rows: Any
) -> tuple[Sequence[Any], Sequence[Any]]:
    """The cells (named by the institutions' codes, in order) of the held rows
    `statement` selects from, by `first` (the host's or the technician's institution)
    and the user's, and their cross-institution part by month."""
    user = rows.user_institution_id
    minutes, count = func.sum(rows.held_minutes), func.sum(rows.held_bookings)
    grouped = (
        statement.add_columns(first.label("first"), user.label("user"), minutes, count)
        .group_by(first, user)
        .subquery()
    )
    a, b = aliased(Institution), aliased(Institution)
    cells = (
        select(a.code, b.code, *list(grouped.c)[2:])
        .join(a, a.id == grouped.c.first)
        .join(b, b.id == grouped.c.user)
    )
    if session.get_bind().dialect.name == "postgresql":  # in code points, as Python orders
        cells = cells.order_by(a.code.collate("C"), b.code.collate("C"))
    else:
        cells = cells.order_by(a.code, b.code)
    if month is None:  # a part-month: its one month is a constant, not a column
        by_month = statement.add_columns(literal(0), minutes, count).where(first != user)
    else:
        by_month = statement.add_columns(month, minutes, count).where(first != user)
        by_month = by_month.group_by(month)
    conn = session.connection()  # Core rows: no ORM loading for thousands of tuples
    return conn.execute(cells).all(), conn.execute(by_month).all()


def _host_rows(part: Part, scope: Scope, split: Split) -> Any:
    """The part's whole months of the host rows, but for hosts keeping another zone too."""
    h = BookingRollupHost
    statement = (
        select()
        .select_from(h)
        .where(h.month >= part.first, h.month <= part.last, h.held_bookings > 0)
    )
    if scope.institution_id is not None:
        statement = statement.where(h.host_institution_id == scope.institution_id)
    if split.mixed_hosts:
        statement = statement.where(h.host_institution_id.not_in(split.mixed_hosts))
    return statement


def _host_sums(
    session: Session, part: Part, scope: Scope, split: Split, sides: Sequence[str]
) -> dict[str, tuple[Sequence[Any], Sequence[Any]]]:
    """For each side ("host" or "staff"), the cells (named by the institutions' codes)
    and the cross-institution part by month of the part's host rows: a GROUP BY per
    side for the cells and one pass for every side's months, read as the driver's
    tuples and named in Python (a few hundred institutions, where a year's cells are
    tens of thousands)."""
    h = BookingRollupHost
    rows = _host_rows(part, scope, split)
    conn = session.connection()
    user, minutes, count = h.user_institution_id, h.held_minutes, h.held_bookings
    cells: dict[str, Sequence[Any]] = {}
    crossing: list[Any] = []
    for who in sides:
        first = h.host_institution_id if who == "host" else h.staff_institution_id
        grouped = rows.add_columns(first, user, func.sum(minutes), func.sum(count))
        across = first != user
        if who == "staff":
            grouped = grouped.where(first != NO_STAFF)
            across = and_(across, first != NO_STAFF)
        cells[who] = direct.read_tuples(conn, grouped.group_by(first, user))
        crossing += [func.sum(case((across, c), else_=0)) for c in (minutes, count)]
    by_month = direct.read_tuples(conn, rows.add_columns(h.month, *crossing).group_by(h.month))
    codes = dict(direct.read_tuples(conn, select(Institution.id, Institution.code)))
    rank = {key: place for place, key in enumerate(sorted(codes, key=codes.__getitem__))}
    step = len(rank) + 1
    found: dict[str, tuple[Sequence[Any], Sequence[Any]]] = {}
    for number, who in enumerate(sides):
        # in code order by the codes' ranks: integers compare faster than pairs of text
        ordered = sorted(cells[who], key=lambda row: rank[row[0]] * step + rank[row[1]])
        named = [(codes[a], codes[b], m, n) for a, b, m, n in ordered]
        months = [(row[0], row[1 + 2 * number], row[2 + 2 * number]) for row in by_month]
        found[who] = (named, months)
    return found


def held(session: Session, period: ReportPeriod, scope: Scope, split: Split, who: str) -> Tally:
    """Cells of (the host institution's code if `who` is "host", else the assisting
    technician's, the user institution's, held minutes, held bookings) in code order,
    and the cross-institution part by month index (month index, minutes, bookings)."""
    return held_sides(session, period, scope, split, (who,))[who]


def held_sides(
    session: Session, period: ReportPeriod, scope: Scope, split: Split, sides: Sequence[str]
) -> dict[str, Tally]:
    """`held` for each of `sides` ("host", "staff"), reading the host rows once for all.

    Whole months of a report not narrowed to one facility come from the host rows (a
    few rows per institution pair and month); the instruments of hosts keeping another
    zone too, and the days at the edges, from the instrument rows."""
    index = {month: number for number, month in enumerate(month_starts(period))}
    parts: dict[str, list[Sequence[Any]]] = {who: [] for who in sides}
    months: dict[str, list[tuple[int, int, int]]] = {who: [] for who in sides}

    def add(
        who: str, tally: tuple[Sequence[Any], Sequence[Any]], month: date | None = None
    ) -> None:
        parts[who].append(tally[0])
        months[who].extend(
            (index[month or _day(of)], int(m or 0), int(n or 0)) for of, m, n in tally[1]
        )

    parts_from_hosts_only = scope.facility_id is None and not split.mixed_hosts
    for part in split.parts:
        hosts_too = part.months and scope.facility_id is None
        if hosts_too:
            for who, tally in _host_sums(session, part, scope, split, sides).items():
                add(who, tally)
            if not split.mixed_hosts:
                continue
        r = part.table
        for who in sides:
            first = Facility.institution_id if who == "host" else r.staff_institution_id
            statement = _of_instruments(select(), part, scope, period).where(r.held_bookings > 0)
            if who == "staff":
                statement = statement.where(r.staff_institution_id != NO_STAFF)
            if hosts_too:
                statement = statement.where(Facility.institution_id.in_(split.mixed_hosts))
            month = part.month_column() if part.months else None
            add(who, _held_sums(session, statement, first, month, r), part.month)
    if [part.months for part in split.parts] == [True] and parts_from_hosts_only:
        # whole months from the host rows alone: in code order already (`_host_sums`)
        return {who: (list(parts[who][0]), months[who]) for who in sides}
    return {who: (merged_cells(parts[who]), months[who]) for who in sides}


def merged_cells(parts: Sequence[Iterable[Sequence[Any]]]) -> list[tuple[str, str, int, int]]:
    """Cells of several parts as one list in code order (Python's, which PostgreSQL's
    collation may not share), each pair once with its sums added up."""
    if len(parts) == 1:  # a year of whole months: each pair once already, sums ints
        return sorted(tuple(row) for row in parts[0])
    totals: dict[tuple[str, str], list[int]] = {}
    for rows in parts:
        for a, b, m, n in rows:
            total = totals.setdefault((a, b), [0, 0])
            total[0] += int(m)
            total[1] += int(n)
    return sorted((a, b, m, n) for (a, b), (m, n) in totals.items())


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value

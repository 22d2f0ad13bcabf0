"""Issued statements in the database: a month's lines stored whole, and read back as stored.

Nothing here updates or deletes a stored line: an issued month is a financial record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, insert, or_, select
from sqlalchemy.orm import Session

from equipshare.db.models.charging import IssuedLine, IssuedStatement
from equipshare.domain.enums import BookingStatus, UserClass
from equipshare.domain.records.money.statements import StatementLine, StatementMonth
from equipshare.services.charging.billed_lines import BilledLine, IssuedMonth, Scope

CHUNK = 1000
# The UTC instants a local month starts and ends, in a zone.
MonthBounds = Callable[[date, str], tuple[datetime, datetime]]


def find(session: Session, month: date) -> IssuedStatement | None:
    return session.scalar(select(IssuedStatement).where(IssuedStatement.month == month))


def store(
    session: Session,
    month: date,
    timezone: str,
    issued_at: datetime,
    issued_by: str,
    lines: Sequence[BilledLine],
) -> None:
    """Store the month's statement and its lines, in the order it prints them."""
    statement = IssuedStatement(
        month=month,
        timezone=timezone,
        issued_at=issued_at,
        issued_by=issued_by,
        line_count=len(lines),
        total_pence=sum(billed.line.total_pence for billed in lines),
    )
    session.add(statement)
    session.flush()
    rows = [_row(statement.id, position, billed) for position, billed in enumerate(lines)]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(IssuedLine), rows[start : start + CHUNK])


def _row(statement_id: int, position: int, billed: BilledLine) -> dict[str, object]:
    line = billed.line
    return {
        "statement_id": statement_id,
        "position": position,
        "booking_id": line.booking_id,
        "adjusts_month": line.adjusts_month,
        "payer_institution_id": billed.payer_institution_id,
        "host_institution_id": billed.host_institution_id,
        "facility_id": billed.facility_id,
        "payer_code": line.payer_code,
        "host_code": line.host_code,
        "project_code": line.project_code,
        "instrument_code": line.instrument_code,
        "facility_code": line.facility_code,
        "username": line.username,
        "starts_at": line.starts_at,
        "ends_at": line.ends_at,
        "status": line.status.value,
        "user_class": None if line.user_class is None else line.user_class.value,
        "minutes": line.minutes,
        "hourly_rate_pence": line.hourly_rate_pence,
        "technician_minutes": line.technician_minutes,
        "technician_rate_pence": line.technician_rate_pence,
        "instrument_pence": line.instrument_pence,
        "technician_pence": line.technician_pence,
        "note": line.note,
    }


def _scoped(scope: Scope) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if scope.facility_ids is not None:
        where.append(IssuedLine.facility_id.in_(sorted(scope.facility_ids)))
    if scope.institution_id is not None:
        where.append(
            or_(
                IssuedLine.payer_institution_id == scope.institution_id,
                IssuedLine.host_institution_id == scope.institution_id,
            )
        )
    return where


def lines(session: Session, statement_id: int, scope: Scope) -> list[StatementLine]:
    """The stored lines the reader may see, in their stored order."""
    query = (
        select(IssuedLine)
        .where(IssuedLine.statement_id == statement_id, *_scoped(scope))
        .order_by(IssuedLine.position)
    )
    return [_line(row) for row in session.scalars(query)]


def _line(row: IssuedLine) -> StatementLine:
    return StatementLine(
        booking_id=row.booking_id,
        payer_code=row.payer_code,
        host_code=row.host_code,
        project_code=row.project_code,
        instrument_code=row.instrument_code,
        facility_code=row.facility_code,
        username=row.username,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=BookingStatus(row.status),
        user_class=None if row.user_class is None else UserClass(row.user_class),
        minutes=row.minutes,
        hourly_rate_pence=row.hourly_rate_pence,
        technician_minutes=row.technician_minutes,
        technician_rate_pence=row.technician_rate_pence,
        instrument_pence=row.instrument_pence,
        technician_pence=row.technician_pence,
        note=row.note,
        adjusts_month=row.adjusts_month,
    )


def issued_months(session: Session) -> list[IssuedStatement]:
    """Every issued statement, oldest first."""
    return list(session.scalars(select(IssuedStatement).order_by(IssuedStatement.month)))


def chain_before(
    statements: Sequence[IssuedStatement], month: date, bounds: MonthBounds
) -> list[IssuedMonth]:
    """The issued months running without a gap up to the one before `month`: the months
    whose later changes the open `month` bills, since it is the first open one after them."""
    issued = {statement.month: statement for statement in statements}
    chain: list[IssuedMonth] = []
    current = previous_month(month)
    while current in issued:
        statement = issued[current]
        starts, ends = bounds(current, statement.timezone)
        chain.append(IssuedMonth(current, starts, ends, statement.issued_at))
        current = previous_month(current)
    return chain


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_list(
    session: Session, recent: Sequence[date], scope: Scope
) -> tuple[StatementMonth, ...]:
    """Each issued month with what the reader may see of it, and the `recent` months not
    issued (open), newest first."""
    sums = (
        select(
            IssuedLine.statement_id,
            func.count(IssuedLine.id).label("lines"),
            func.coalesce(
                func.sum(IssuedLine.instrument_pence + IssuedLine.technician_pence), 0
            ).label("total"),
        )
        .where(*_scoped(scope))
        .group_by(IssuedLine.statement_id)
        .subquery()
    )
    rows = session.execute(
        select(IssuedStatement, sums.c.lines, sums.c.total).outerjoin(
            sums, sums.c.statement_id == IssuedStatement.id
        )
    ).all()
    months = {
        statement.month: StatementMonth(
            statement.month,
            statement.issued_at,
            statement.issued_by,
            int(count or 0),
            int(total or 0),
        )
        for statement, count, total in rows
    }
    for month in recent:
        months.setdefault(month, StatementMonth(month, None, None, None, None))
    return tuple(months[month] for month in sorted(months, reverse=True))

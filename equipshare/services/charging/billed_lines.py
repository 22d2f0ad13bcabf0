"""What a month bills now: its chargeable bookings, and adjustments to issued months.

A booking is billed in the local month its start falls in, once it is chargeable:
completed, a no-show, confirmed and over (close-past has not run yet), or cancelled late
with a fee. The amounts are the integer pence the booking service froze on the row, so a
statement never re-prices anything.

A booking in an issued month that changed since (a corrected check-out, a fee waived, a
cancellation) is billed again on the first open month after it, as an adjustment: what it
would bill now less what the issued statements billed for it so far. Only bookings
written since their month was issued (`updated_at`), or not over when it was, can differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.models.charging import IssuedLine, IssuedStatement
from equipshare.domain.enums import BookingStatus, ChargeBasis
from equipshare.domain.money.charging import billable_minutes, gbp
from equipshare.domain.records.money.statements import StatementLine

Payer = aliased(Institution, name="payer")
Host = aliased(Institution, name="host")


@dataclass(frozen=True)
class Scope:
    """Whose lines a reader sees: None means no limit on that side."""

    facility_ids: frozenset[int] | None = None
    institution_id: int | None = None


@dataclass(frozen=True)
class BilledLine:
    """A statement line with the ids that decide who may read it, as stored when issued."""

    line: StatementLine
    facility_id: int
    payer_institution_id: int
    host_institution_id: int


@dataclass(frozen=True)
class IssuedMonth:
    """An issued month's bounds in UTC and when it was issued."""

    month: date
    starts: datetime
    ends: datetime
    issued_at: datetime


def chargeable(now: datetime) -> ColumnElement[bool]:
    """The statuses (and, for confirmed bookings, the end) that make a booking billable."""
    return or_(
        Booking.status.in_((BookingStatus.COMPLETED, BookingStatus.NO_SHOW)),
        and_(Booking.status == BookingStatus.CONFIRMED, Booking.ends_at <= now),
        Booking.status == BookingStatus.CANCELLED,
    )


def charged() -> ColumnElement[bool]:
    return Booking.instrument_charge_pence + Booking.technician_charge_pence > 0


def _columns() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Booking.id,
            Payer.id.label("payer_id"),
            Host.id.label("host_id"),
            Facility.id.label("facility_id"),
            Payer.code.label("payer_code"),
            Host.code.label("host_code"),
            Booking.project_code,
            Instrument.code.label("instrument_code"),
            Facility.code.label("facility_code"),
            Facility.charge_basis,
            User.username,
            Booking.starts_at,
            Booking.ends_at,
            Booking.status,
            Booking.user_class,
            Booking.technician_id,
            Booking.checked_in_at,
            Booking.checked_out_at,
            Booking.hourly_rate_pence,
            Booking.technician_rate_pence,
            Booking.instrument_charge_pence,
            Booking.technician_charge_pence,
        )
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .join(Host, Host.id == Facility.institution_id)
        .join(User, User.id == Booking.user_id)
        .join(Payer, Payer.id == User.institution_id)
    )


def _scoped(query: Select[*tuple[Any, ...]], scope: Scope) -> Select[*tuple[Any, ...]]:
    if scope.facility_ids is not None:
        query = query.where(Instrument.facility_id.in_(sorted(scope.facility_ids)))
    if scope.institution_id is not None:
        query = query.where(or_(Payer.id == scope.institution_id, Host.id == scope.institution_id))
    return query


def month_lines(
    session: Session, starts: datetime, ends: datetime, now: datetime, scope: Scope
) -> list[BilledLine]:
    """The month's chargeable bookings as lines, in statement order."""
    query = (
        _scoped(_columns(), scope)
        .where(Booking.starts_at >= starts, Booking.starts_at < ends, charged(), chargeable(now))
        .order_by(
            Payer.code,
            Host.code,
            Booking.project_code.is_(None),
            Booking.project_code,
            Instrument.code,
            Booking.starts_at,
            Booking.id,
        )
    )
    return [_billed(row) for row in session.execute(query)]


def project_lines(
    session: Session,
    project_code: str,
    payer_institution_id: int,
    starts: datetime,
    ends: datetime,
    now: datetime,
) -> tuple[list[BilledLine], list[BilledLine]]:
    """A project code's bookings by one institution's users starting in [starts, ends):
    those billable now, as statements bill them (free ones too, whose hours were used,
    but not free cancellations), and those booked ahead (pending or confirmed, not yet
    over), at their frozen prices. Grant plans compare themselves with these."""
    query = _columns().where(
        Booking.project_code == project_code,
        Payer.id == payer_institution_id,
        Booking.starts_at >= starts,
        Booking.starts_at < ends,
    )
    billable = and_(chargeable(now), or_(Booking.status != BookingStatus.CANCELLED, charged()))
    ahead = and_(
        Booking.status.in_((BookingStatus.PENDING, BookingStatus.CONFIRMED)), Booking.ends_at > now
    )
    order = (Booking.starts_at, Booking.id)
    return (
        [_billed(row) for row in session.execute(query.where(billable).order_by(*order))],
        [_billed(row) for row in session.execute(query.where(ahead).order_by(*order))],
    )


def adjustments(
    session: Session, chain: Sequence[IssuedMonth], now: datetime, scope: Scope, timezone: str
) -> list[BilledLine]:
    """Adjustment lines for bookings of the issued months in `chain`, whose billing changed
    since the statements that billed them."""
    if not chain:
        return []
    maybe_changed = or_(
        *(
            and_(
                Booking.starts_at >= month.starts,
                Booking.starts_at < month.ends,
                or_(Booking.updated_at >= month.issued_at, Booking.ends_at > month.issued_at),
            )
            for month in chain
        )
    )
    rows = list(session.execute(_scoped(_columns(), scope).where(maybe_changed)))
    if not rows:
        return []
    billed = _billed_so_far(session, [row.id for row in rows])
    months = {month.month: month for month in chain}
    found: list[BilledLine] = []
    for row in rows:
        now_line = _billed(row) if _chargeable_now(row, now) else None
        so_far = billed.get(row.id)
        was_pence = so_far.total_pence if so_far else 0
        now_pence = now_line.line.total_pence if now_line else 0
        if now_pence == was_pence:
            continue
        original = so_far.month if so_far else _month_of(row.starts_at, months)
        found.append(_adjustment(now_line or _billed(row), so_far, now_line is not None, original))
    return sorted(found, key=lambda billed_line: _order(billed_line.line))


@dataclass(frozen=True)
class _SoFar:
    month: date
    minutes: int
    technician_minutes: int
    instrument_pence: int
    technician_pence: int

    @property
    def total_pence(self) -> int:
        return self.instrument_pence + self.technician_pence


def _billed_so_far(session: Session, booking_ids: Sequence[int]) -> dict[int, _SoFar]:
    """What the issued statements billed for each booking: its line plus any adjustments."""
    found: dict[int, _SoFar] = {}
    for start in range(0, len(booking_ids), 500):
        chunk = booking_ids[start : start + 500]
        query = (
            select(
                IssuedLine.booking_id,
                func.min(func.coalesce(IssuedLine.adjusts_month, IssuedStatement.month)),
                func.sum(IssuedLine.minutes),
                func.sum(IssuedLine.technician_minutes),
                func.sum(IssuedLine.instrument_pence),
                func.sum(IssuedLine.technician_pence),
            )
            .join(IssuedStatement, IssuedStatement.id == IssuedLine.statement_id)
            .where(IssuedLine.booking_id.in_(chunk))
            .group_by(IssuedLine.booking_id)
        )
        for booking_id, month, *sums in session.execute(query):
            found[booking_id] = _SoFar(month, *(int(s) for s in sums))
    return found


def _month_of(starts_at: datetime, months: dict[date, IssuedMonth]) -> date:
    return next(m.month for m in months.values() if m.starts <= starts_at < m.ends)


def _chargeable_now(row: Row[Any], now: datetime) -> bool:
    status = BookingStatus(row.status)
    if row.instrument_charge_pence + row.technician_charge_pence <= 0:
        return False
    if status is BookingStatus.CONFIRMED:
        return bool(row.ends_at <= now)
    return status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED)


def _adjustment(
    current: BilledLine, so_far: _SoFar | None, billable: bool, original: date
) -> BilledLine:
    """`current` less what was billed: the difference, naming the month it corrects."""
    line = current.line
    now_minutes = line.minutes if billable else 0
    now_tech_minutes = line.technician_minutes if billable else 0
    now_instrument = line.instrument_pence if billable else 0
    now_technician = line.technician_pence if billable else 0
    was = so_far or _SoFar(original, 0, 0, 0, 0)
    status = line.status.value.replace("_", " ")
    note = (
        f"adjusts {original:%Y-%m}: billed {gbp(was.total_pence)}, "
        f"now {gbp(now_instrument + now_technician)} ({status})"
    )
    return replace(
        current,
        line=replace(
            line,
            minutes=now_minutes - was.minutes,
            technician_minutes=now_tech_minutes - was.technician_minutes,
            instrument_pence=now_instrument - was.instrument_pence,
            technician_pence=now_technician - was.technician_pence,
            note=note,
            adjusts_month=original,
        ),
    )


def _order(line: StatementLine) -> tuple[object, ...]:
    """Payer, host, project (none last), instrument, start, booking: as the month's own
    lines, which the database orders; the statement nests adjustments into their groups."""
    return (
        line.payer_code,
        line.host_code,
        line.project_code is None,
        line.project_code or "",
        line.instrument_code,
        line.starts_at,
        line.booking_id,
        line.adjusts_month is not None,
    )


def _billed(r: Row[Any]) -> BilledLine:
    status = BookingStatus(r.status)
    actual = (
        r.charge_basis is ChargeBasis.ACTUAL
        and r.checked_in_at is not None
        and status is not BookingStatus.CANCELLED
    )
    if actual:
        minutes = billable_minutes(r.checked_in_at, r.checked_out_at or r.ends_at)
    else:
        minutes = billable_minutes(r.starts_at, r.ends_at)
    assisted = r.technician_id is not None
    line = StatementLine(
        booking_id=r.id,
        payer_code=r.payer_code,
        host_code=r.host_code,
        project_code=r.project_code,
        instrument_code=r.instrument_code,
        facility_code=r.facility_code,
        username=r.username,
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        status=status,
        user_class=r.user_class,
        minutes=minutes,
        hourly_rate_pence=r.hourly_rate_pence,
        technician_minutes=minutes if assisted else 0,
        technician_rate_pence=r.technician_rate_pence,
        instrument_pence=r.instrument_charge_pence,
        technician_pence=r.technician_charge_pence,
        note=_note(status, actual, assisted),
    )
    return BilledLine(line, r.facility_id, r.payer_id, r.host_id)


def _note(status: BookingStatus, actual: bool, assisted: bool) -> str:
    words = []
    if status is BookingStatus.CANCELLED:
        words.append("late cancellation")
    elif status is BookingStatus.NO_SHOW:
        words.append("no-show, charged in full")
    elif actual:
        words.append("actual time")
    if assisted:
        words.append("assisted")
    return "; ".join(words)

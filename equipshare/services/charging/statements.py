"""Monthly recharge statements: what each institution's users owe each host institution.

A booking is billed in the local month its start falls in, once it is chargeable: completed,
a no-show, confirmed and over (close-past has not run yet), or cancelled late with a fee.
The amounts are the integer pence the booking service froze on the row, so a statement
never re-prices anything and adds up exactly; it only groups and totals them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Row, Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, FacilityStaff, Institution, Instrument, User
from equipshare.domain.charging import billable_minutes
from equipshare.domain.enums import BookingStatus, ChargeBasis, StaffRole
from equipshare.domain.errors import NotFound, PermissionDenied
from equipshare.domain.records.statements import (
    InstrumentTotal,
    PairTotal,
    ProjectTotal,
    Statement,
    StatementLine,
)
from equipshare.services.admin.retention import local_midnight
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext

BILLED_WHEN_OVER = (BookingStatus.COMPLETED, BookingStatus.NO_SHOW, BookingStatus.CONFIRMED)


def month_bounds(month: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants the local calendar month of `month` starts and ends."""
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return local_midnight(first, timezone), local_midnight(following, timezone)


class StatementService:
    """Builds statements for admins (everything) and facility managers (their facilities)."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._timezone = context.settings.organisation.timezone

    def statement(
        self, actor_username: str, month: date, institution_code: str | None = None
    ) -> Statement:
        """The month's billed bookings, nested payer/host -> project -> instrument -> line."""
        starts, ends = month_bounds(month, self._timezone)
        with self._db.readonly() as session:
            facility_ids = _visible_facilities(session, actor_username)
            query = _billed(starts, ends, self._clock.now())
            if facility_ids is not None:
                query = query.where(Instrument.facility_id.in_(facility_ids))
            if institution_code is not None:
                institution_id = _institution_id(session, institution_code)
                query = query.where(
                    or_(
                        User.institution_id == institution_id,
                        Facility.institution_id == institution_id,
                    )
                )
            lines = [_line(row) for row in session.execute(query)]
        pairs = tuple(_pairs(lines))
        return Statement(
            month=month.replace(day=1),
            timezone=self._timezone,
            institution_code=institution_code,
            pairs=pairs,
            total_pence=sum(pair.total_pence for pair in pairs),
        )


def _visible_facilities(session: Session, username: str) -> frozenset[int] | None:
    """None for admins (every facility); the facilities a manager manages; else refused."""
    actor = row_records.load_actor(session, username)
    if actor.user.is_admin and actor.user.active:
        return None
    managed = frozenset(
        session.scalars(
            select(FacilityStaff.facility_id).where(
                FacilityStaff.user_id == actor.id, FacilityStaff.role == StaffRole.MANAGER
            )
        )
    )
    if not managed or not actor.user.active:
        raise PermissionDenied(
            f"{username} may not see recharge statements: that needs a facility manager "
            "or an admin",
            "user",
        )
    return managed


def _institution_id(session: Session, code: str) -> int:
    found = session.scalar(select(Institution.id).where(Institution.code == code))
    if found is None:
        raise NotFound(f"--institution: no institution with code {code!r}", "--institution")
    return found


Payer = aliased(Institution, name="payer")
Host = aliased(Institution, name="host")


def _billed(starts: datetime, ends: datetime, now: datetime) -> Select[*tuple[Any, ...]]:
    charged = Booking.instrument_charge_pence + Booking.technician_charge_pence
    return (
        select(
            Booking.id,
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
        .where(
            Booking.starts_at >= starts,
            Booking.starts_at < ends,
            charged > 0,
            or_(
                Booking.status.in_((BookingStatus.COMPLETED, BookingStatus.NO_SHOW)),
                and_(Booking.status == BookingStatus.CONFIRMED, Booking.ends_at <= now),
                Booking.status == BookingStatus.CANCELLED,
            ),
        )
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


def _line(r: Row[Any]) -> StatementLine:
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
    return StatementLine(
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


def _pairs(lines: Sequence[StatementLine]) -> Iterable[PairTotal]:
    """Nest the ordered lines; each total is the sum of the totals below it."""
    for (payer, host), group in groupby(lines, key=lambda line: (line.payer_code, line.host_code)):
        projects = tuple(_projects(list(group)))
        yield PairTotal(payer, host, projects, sum(p.total_pence for p in projects))


def _projects(lines: Sequence[StatementLine]) -> Iterable[ProjectTotal]:
    for code, group in groupby(lines, key=lambda line: line.project_code):
        instruments = tuple(_instruments(list(group)))
        yield ProjectTotal(code, instruments, sum(i.total_pence for i in instruments))


def _instruments(lines: Sequence[StatementLine]) -> Iterable[InstrumentTotal]:
    for code, group in groupby(lines, key=lambda line: line.instrument_code):
        billed = tuple(group)
        yield InstrumentTotal(code, billed, sum(line.total_pence for line in billed))

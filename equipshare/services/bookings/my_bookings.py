"""MyBookingsService: the acting user's own bookings, upcoming or past, in two queries,
whole (up to a limit) or a keyset page at a time with search.

Each row also says whether its owner may check in or out now, by the rule CheckInService
applies to owners, so the screen offers only what will be accepted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, FacilityStaff, Instrument, User
from equipshare.domain.enums import BookingStatus, StaffRole
from equipshare.domain.records.pages import MyBookingsQuery, Page, PageAfter
from equipshare.domain.records.scheduling.bookings import MyBookingRow
from equipshare.domain.rules.check_in_rules import EARLY
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.keyset import SortKey, bounded, order_of, page_of, words_match
from equipshare.services.plumbing.keyset import after as keyset_after

MAX_LIMIT = 1000
SOONEST = MyBookingsQuery()
#: What a search looks in: the instrument, and what the booking was for.
SEARCHED = (Instrument.code, Instrument.name, Booking.purpose, Booking.project_code)
#: Upcoming soonest first, past latest first; the id breaks ties.
UPCOMING = (SortKey(Booking.starts_at), SortKey(Booking.id))
PAST = (SortKey(Booking.starts_at, descending=True), SortKey(Booking.id, descending=True))


class MyBookingsService:
    """Read-only lists of the bookings a user owns."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context  # screens build the companion write services from it
        self._db = context.database
        self._clock = context.clock

    def list(
        self,
        actor_username: str,
        *,
        upcoming: bool,
        instrument_code: str | None = None,
        limit: int = 200,
    ) -> tuple[MyBookingRow, ...]:
        """Upcoming (not yet ended, soonest first) or past (ended, latest first) bookings.

        With `instrument_code`, only those on that instrument.
        """
        limit = max(1, min(limit, MAX_LIMIT))
        now = self._clock.now()
        keys = UPCOMING if upcoming else PAST
        with self._db.readonly() as session:
            user = row_records.load_user(session, actor_username)
            statement = _owned(user.id, upcoming, now)
            if instrument_code is not None:
                instrument = row_records.load_instrument(session, instrument_code.strip())
                statement = statement.where(Booking.instrument_id == instrument.id)
            return _rows(session, statement.order_by(*order_of(keys)).limit(limit), now)

    def page(
        self,
        actor_username: str,
        query: MyBookingsQuery = SOONEST,
        *,
        after: PageAfter | None = None,
        limit: int = 200,
    ) -> Page[MyBookingRow]:
        """Up to `limit` of the user's bookings matching `query`, after `after`; every
        booking is reached once by passing each page's `next_after` back. No total: the
        list is one user's, read along their (user, start) index."""
        limit = bounded(limit)
        now = self._clock.now()
        keys = UPCOMING if query.upcoming else PAST
        with self._db.readonly() as session:
            user = row_records.load_user(session, actor_username)
            statement = _owned(user.id, query.upcoming, now).where(
                words_match(query.search, SEARCHED), keyset_after(keys, after)
            )
            fetched = _rows(session, statement.order_by(*order_of(keys)).limit(limit + 1), now)
        rows, resume = page_of(fetched, limit, lambda row: (row.starts_at, row.booking_id))
        return Page(rows, resume)


def _owned(user_id: int, upcoming: bool, now: datetime) -> Select[*tuple[Any, ...]]:
    """The user's bookings not yet ended (`upcoming`) or ended, with what a row shows."""
    ended = Booking.ends_at <= now
    return (
        select(
            Booking.id,
            Instrument.code,
            Instrument.name,
            Facility.id.label("facility_id"),
            Facility.name,
            Facility.timezone,
            Booking.starts_at,
            Booking.ends_at,
            Booking.status,
            Booking.purpose,
            Booking.checked_in_at,
            Booking.checked_out_at,
            Booking.hourly_rate_pence,
            Booking.instrument_charge_pence + Booking.technician_charge_pence,
        )
        .join(Instrument, Booking.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .where(Booking.user_id == user_id, ~ended if upcoming else ended)
    )


def _rows(
    session: Session, statement: Select[*tuple[Any, ...]], now: datetime
) -> tuple[MyBookingRow, ...]:
    """The bookings `statement` (from `_owned`) finds, pending ones with their approvers."""
    rows = session.execute(statement).all()
    pending_facilities = {row.facility_id for row in rows if row.status is BookingStatus.PENDING}
    approvers = _approvers(session, pending_facilities) if pending_facilities else {}
    return tuple(
        MyBookingRow(
            booking_id=booking_id,
            instrument_code=code,
            instrument_name=name,
            facility_name=facility_name,
            timezone=timezone,
            starts_at=starts_at,
            ends_at=ends_at,
            status=status,
            purpose=purpose,
            approvers=approvers.get(facility_id, ()) if status is BookingStatus.PENDING else (),
            checked_in_at=checked_in_at,
            checked_out_at=checked_out_at,
            charge_pence=None if hourly_rate is None else charge,
            may_check_in=_may_check_in(status, starts_at, ends_at, checked_in_at, now),
            may_check_out=status is BookingStatus.CONFIRMED
            and checked_in_at is not None
            and checked_out_at is None,
        )
        for (
            booking_id,
            code,
            name,
            facility_id,
            facility_name,
            timezone,
            starts_at,
            ends_at,
            status,
            purpose,
            checked_in_at,
            checked_out_at,
            hourly_rate,
            charge,
        ) in rows
    )


def _may_check_in(
    status: BookingStatus,
    starts_at: datetime,
    ends_at: datetime,
    checked_in_at: datetime | None,
    now: datetime,
) -> bool:
    """An owner checks in once, to a confirmed booking, from 15 minutes before it to its end."""
    return (
        status is BookingStatus.CONFIRMED
        and checked_in_at is None
        and starts_at - EARLY <= now < ends_at
    )


def _approvers(session: Session, facility_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """Per facility, its managers' display names, or its technicians' when it has none."""
    staff = session.execute(
        select(FacilityStaff.facility_id, FacilityStaff.role, User.display_name)
        .join(User, FacilityStaff.user_id == User.id)
        .where(FacilityStaff.facility_id.in_(facility_ids))
        .order_by(User.display_name)
    ).all()
    managers: dict[int, list[str]] = defaultdict(list)
    everyone: dict[int, list[str]] = defaultdict(list)
    for facility_id, role, display_name in staff:
        everyone[facility_id].append(display_name)
        if role is StaffRole.MANAGER:
            managers[facility_id].append(display_name)
    return {
        facility_id: tuple(managers.get(facility_id) or everyone[facility_id])
        for facility_id in everyone
    }

"""Telling a facility's staff when a user cancels a booking of theirs.

Staff plan around bookings (a sample prepared, a technician booked to assist, a slot that
someone on the phone asked about), so a booking its own user gives up is news to them.
A facility that finds it noise turns it off (`facilities edit CODE
--no-notify-staff-on-cancel`). Staff cancelling a user's booking tell the user instead,
and a downtime's cancellations are the staff's own doing, so neither comes here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, FacilityStaff, User
from equipshare.domain.enums import NotificationKind, StaffRole
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.rules.policy_rules import describe_range
from equipshare.services.notify.outbox import queue_notification


def staff_to_tell(session: Session, facility_id: int, technician_id: int | None) -> list[int]:
    """Active managers (its active technicians when it has none) and the assisting technician."""
    rows = session.execute(
        select(FacilityStaff.user_id, FacilityStaff.role)
        .join(User, User.id == FacilityStaff.user_id)
        .where(FacilityStaff.facility_id == facility_id, User.active.is_(True))
        .order_by(FacilityStaff.user_id)
    ).all()
    managers = [user for user, role in rows if role is StaffRole.MANAGER]
    chosen = managers or [user for user, _ in rows]
    if technician_id is not None and technician_id not in chosen:
        chosen.append(technician_id)
    return chosen


def tell_staff_of_user_cancellation(
    session: Session,
    booking: Booking,
    instrument: InstrumentRecord,
    *,
    reason: str,
    at: datetime,
) -> int:
    """Queue the notice to each of the facility's staff to tell; returns how many."""
    wants = session.scalar(
        select(Facility.notify_staff_on_cancel).where(Facility.id == instrument.facility_id)
    )
    if not wants:
        return 0
    owner = session.get_one(User, booking.user_id)
    when = describe_range(booking.starts_at, booking.ends_at, instrument.timezone)
    told = 0
    for user_id in staff_to_tell(session, instrument.facility_id, booking.technician_id):
        if user_id == booking.user_id:
            continue
        queue_notification(
            session,
            user_id=user_id,
            kind=NotificationKind.BOOKING_CANCELLED,
            subject=f"Booking cancelled by its user: {instrument.code} {when}",
            body=f"{owner.display_name} ({owner.username}) cancelled booking {booking.id} "
            f"on {instrument.code} {when}" + (f": {reason}" if reason else "."),
            at=at,
            booking_id=booking.id,
        )
        told += 1
    return told

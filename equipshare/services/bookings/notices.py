"""What a booking's people are told when it is made, moved, decided or cancelled: the
approvers, its owner, or the facility's staff. Rows go to the outbox in the caller's
transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus, NotificationKind
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.domain.rules.permissions import Actor
from equipshare.domain.rules.policy_rules import describe_range
from equipshare.domain.time.clock import Clock
from equipshare.services.notify.outbox import (
    insert_notification,
    notification_values,
    queue_notification,
)
from equipshare.services.notify.staff_notices import tell_staff_of_user_cancellation
from equipshare.services.notify.staleness import booking_state
from equipshare.services.plumbing import row_records

OWNER_NOTICES = {
    BookingStatus.CONFIRMED: (NotificationKind.BOOKING_APPROVED, "approved"),
    BookingStatus.REJECTED: (NotificationKind.BOOKING_REJECTED, "rejected"),
    BookingStatus.CANCELLED: (NotificationKind.BOOKING_CANCELLED, "cancelled"),
}


def announce(
    session: Session,
    clock: Clock,
    booking: BookingRecord,
    instrument: InstrumentRecord,
    status: BookingStatus,
) -> None:
    """Tell the approvers a new booking waits for them, or its owner that it is booked."""
    when = describe_range(booking.starts_at, booking.ends_at, instrument.timezone)
    now = clock.now()
    code = instrument.code
    state = booking_state(status, booking.starts_at, booking.ends_at, booking.sequence)
    if status is BookingStatus.PENDING:
        for approver in row_records.facility_approvers(session, instrument.facility_id):
            message = notification_values(
                user_id=approver,
                kind=NotificationKind.APPROVAL_NEEDED,
                subject=f"Approval needed: {code} {when}",
                body=f"Booking {booking.id} on {code} {when} waits for approval.",
                at=now,
                booking_id=booking.id,
                describes=state,
            )
            insert_notification(session, message)
    else:
        message = notification_values(
            user_id=booking.user_id,
            kind=NotificationKind.BOOKING_CONFIRMED,
            subject=f"Booked: {code} {when}",
            body=f"Your booking {booking.id} on {code} {when} is confirmed.",
            at=now,
            booking_id=booking.id,
            describes=state,
        )
        insert_notification(session, message)


def tell_owner(
    session: Session,
    clock: Clock,
    row: Booking,
    instrument: InstrumentRecord,
    status: BookingStatus,
    actor: Actor,
    reason: str,
    kind: NotificationKind | None,
) -> None:
    """Tell a booking's owner it was decided or cancelled by someone else; staff hear
    of a user's own cancellation."""
    if row.user_id == actor.id:
        if status is BookingStatus.CANCELLED and kind is None:
            tell_staff_of_user_cancellation(session, row, instrument, reason=reason, at=clock.now())
        return
    default_kind, verb = OWNER_NOTICES[status]
    when = describe_range(row.starts_at, row.ends_at, instrument.timezone)
    queue_notification(
        session,
        user_id=row.user_id,
        kind=kind or default_kind,
        subject=f"Booking {verb}: {instrument.code} {when}",
        body=f"Booking {row.id} on {instrument.code} {when} was {verb}"
        + (f": {reason}" if reason else "."),
        at=clock.now(),
        booking_id=row.id,
    )

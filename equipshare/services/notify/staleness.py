"""What state a queued message describes, recorded when it is queued and checked when it is sent.

A message reports a moment: "booking 12 waits for your approval", "your booking is
confirmed for Tue 10:00". By the time `equipshare notify` sends it, the booking may have
been approved, cancelled or moved, and the message would then mislead. So each message
keeps, in its payload under "state", what its subject was when it was queued (a booking's
status, times and sequence; a waitlist entry's status and offer time), and the claim that
sends it first asks `why_stale`. A stale message is skipped with that reason, never sent.

What each kind describes:

- a booking notice: the booking in the status its kind names (`DESCRIBED_STATUS`), and for
  the kinds that announce a time (`TIMED`) at the times it had when queued;
- any booking notice: no newer notice to the same person reports a later version of the
  booking (a higher sequence), which supersedes it; one to staff (not the booking's owner)
  needs its recipient still on the facility's staff;
- a waitlist offer: the entry still offered, by the same offer, its hold not run out;
- a training warning: the record unrevoked, expiring when it did, not renewed since.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import FacilityStaff, Instrument
from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.domain.enums import BookingStatus, NotificationKind, WaitlistStatus

STATE = "state"
DESCRIBED_STATUS = {
    NotificationKind.BOOKING_CONFIRMED: BookingStatus.CONFIRMED,
    NotificationKind.APPROVAL_NEEDED: BookingStatus.PENDING,
    NotificationKind.BOOKING_APPROVED: BookingStatus.CONFIRMED,
    NotificationKind.BOOKING_REJECTED: BookingStatus.REJECTED,
    NotificationKind.BOOKING_CANCELLED: BookingStatus.CANCELLED,
    NotificationKind.CANCELLED_BY_DOWNTIME: BookingStatus.CANCELLED,
    NotificationKind.BOOKING_REMINDER: BookingStatus.CONFIRMED,
}
TIMED = frozenset(
    {
        NotificationKind.BOOKING_CONFIRMED,
        NotificationKind.APPROVAL_NEEDED,
        NotificationKind.BOOKING_APPROVED,
        NotificationKind.BOOKING_REMINDER,
    }
)


def _instant(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def booking_state(
    status: BookingStatus, starts_at: datetime, ends_at: datetime, sequence: int
) -> dict[str, Any]:
    """A booking as a notice about it describes it, in JSON's terms."""
    return {
        "status": status.value,
        "starts_at": _instant(starts_at),
        "ends_at": _instant(ends_at),
        "sequence": sequence,
    }


def waitlist_state(status: WaitlistStatus, offered_at: datetime | None) -> dict[str, Any]:
    """A waitlist entry as an offer about it describes it."""
    return {"status": status.value, "offered_at": _instant(offered_at)}


def state_in_session(
    session: Session, booking_id: int | None, payload: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The subject's state as the caller's transaction has it now (rows it holds cost no query)."""
    if booking_id is not None:
        booking = session.get(Booking, booking_id)
        if booking is not None:
            return booking_state(
                booking.status, booking.starts_at, booking.ends_at, booking.sequence
            )
    entry_id = (payload or {}).get("waitlist_entry")
    if isinstance(entry_id, int):
        entry = session.get(WaitlistEntry, entry_id)
        if entry is not None:
            return waitlist_state(entry.status, entry.offered_at)
    return None


def with_state(
    payload: dict[str, Any] | None, state: dict[str, Any] | None
) -> dict[str, Any] | None:
    """`payload` carrying `state`, unless it already records one (the caller knows best)."""
    if state is None or (payload and STATE in payload):
        return payload
    return {**(payload or {}), STATE: state}


def _recorded(row: Notification) -> dict[str, Any]:
    state = (row.payload or {}).get(STATE)
    return state if isinstance(state, dict) else {}


def _booking_moved_on(session: Session, row: Notification, booking: Booking) -> str | None:
    recorded = _recorded(row)
    wanted = DESCRIBED_STATUS.get(row.kind)
    if wanted is None and "status" in recorded:
        wanted = BookingStatus(recorded["status"])
    if wanted is not None and booking.status is not wanted:
        return f"booking {booking.id} is {booking.status.value} now, no longer {wanted.value}"
    if row.kind is NotificationKind.BOOKING_REMINDER:
        if (row.payload or {}).get("sequence") != booking.sequence:
            return f"booking {booking.id} changed since this reminder was queued"
    elif row.kind in TIMED and "starts_at" in recorded:
        then = (recorded["starts_at"], recorded.get("ends_at"))
        if then != (_instant(booking.starts_at), _instant(booking.ends_at)):
            return f"booking {booking.id} was moved since this was queued"
    if row.user_id != booking.user_id and not (
        row.user_id is not None and _on_staff(session, row.user_id, booking)
    ):
        return f"the recipient is no longer on the staff of booking {booking.id}'s facility"
    return _superseded(session, row, booking, recorded)


def _on_staff(session: Session, user_id: int, booking: Booking) -> bool:
    """Whether someone told as staff (an approver, a cancellation's facility) still is."""
    found = session.scalar(
        select(FacilityStaff.user_id)
        .join(Instrument, Instrument.facility_id == FacilityStaff.facility_id)
        .where(Instrument.id == booking.instrument_id, FacilityStaff.user_id == user_id)
    )
    return found is not None


def _superseded(
    session: Session, row: Notification, booking: Booking, recorded: dict[str, Any]
) -> str | None:
    """A newer notice to the same person about a later version of the booking wins."""
    sequence = recorded.get("sequence")
    if not isinstance(sequence, int):
        return None
    newer = session.execute(
        select(Notification.id, Notification.payload)
        .where(
            Notification.booking_id == booking.id,
            Notification.user_id == row.user_id,
            Notification.id > row.id,
        )
        .order_by(Notification.id.desc())
    ).all()
    for newer_id, payload in newer:
        state = (payload or {}).get(STATE)
        later = state.get("sequence") if isinstance(state, dict) else None
        if isinstance(later, int) and later > sequence:
            return f"superseded by message {newer_id} about booking {booking.id}"
    return None


def _offer_moved_on(row: Notification, entry: WaitlistEntry | None, now: datetime) -> str | None:
    if entry is None:
        return "the waitlist entry no longer exists"
    recorded = _recorded(row)
    wanted = recorded.get("status", WaitlistStatus.OFFERED.value)
    if entry.status.value != wanted:
        return f"waitlist entry {entry.id} is {entry.status.value} now, no longer {wanted}"
    if "offered_at" in recorded and recorded["offered_at"] != _instant(entry.offered_at):
        return f"waitlist entry {entry.id} was offered again since this offer was queued"
    if entry.hold_expires_at is not None and entry.hold_expires_at <= now:
        held = entry.hold_expires_at.astimezone(UTC)
        return f"the hold of waitlist entry {entry.id} ran out at {held:%Y-%m-%d %H:%M} UTC"
    return None


def why_stale(session: Session, row: Notification, now: datetime) -> str | None:
    """Why `row`, sent at `now`, would not describe its subject as it stands; None if it would.

    Training warnings are judged where they are rendered (messages.py), from the record.
    """
    if row.booking_id is not None:
        booking = session.get(Booking, row.booking_id)
        if booking is None:  # pragma: no cover - a foreign key keeps it
            return "the booking no longer exists"
        return _booking_moved_on(session, row, booking)
    if row.kind is NotificationKind.WAITLIST_OFFER:
        entry_id = (row.payload or {}).get("waitlist_entry")
        if isinstance(entry_id, int):
            return _offer_moved_on(row, session.get(WaitlistEntry, entry_id), now)
    return None

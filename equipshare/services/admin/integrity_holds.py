"""`equipshare check`'s waitlist invariant: a range held off the waitlist is its holder's alone.

A hold (bookings/holds.py) keeps everyone but its holder off a freed range, and every
path that writes bookings or downtime keeps it so: bookings by others are refused over
it (the conflict check, the calendar import), the holder's own booking accepts it, and
downtime ends it. So an entry still `offered` whose range overlaps an active booking of
someone else, or a downtime, is a problem. A hold that ran out stays `offered` until the
next write on its instrument passes it on, and that write passes it on before anything
else, so this judges every offered entry, run out or not, and needs no clock.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, and_, select

from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Instrument
from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import ACTIVE_BOOKING_STATUSES, WaitlistStatus
from equipshare.domain.records.operations.maintenance import IntegrityProblem

CHECKS = ("waitlist hold",)
_ACTIVE = [status.value for status in ACTIVE_BOOKING_STATUSES]
_HELD = WaitlistEntry.status == WaitlistStatus.OFFERED.value


def _overlaps(model: type[Booking] | type[Downtime]) -> ColumnElement[bool]:
    return and_(
        model.instrument_id == WaitlistEntry.instrument_id,
        model.starts_at < WaitlistEntry.ends_at,
        WaitlistEntry.starts_at < model.ends_at,
    )


def holds_taken(conn: Connection) -> list[IntegrityProblem]:
    """Offered entries whose range an active booking of another user, or a downtime, overlaps."""
    booked = conn.execute(
        select(WaitlistEntry.id, WaitlistEntry.user_id, Booking.id, Instrument.code)
        .join(Booking, _overlaps(Booking))
        .join(Instrument, Instrument.id == WaitlistEntry.instrument_id)
        .where(_HELD, Booking.status.in_(_ACTIVE), Booking.user_id != WaitlistEntry.user_id)
        .order_by(WaitlistEntry.id, Booking.id)
    ).all()
    down = conn.execute(
        select(WaitlistEntry.id, Downtime.id, Instrument.code)
        .join(Downtime, _overlaps(Downtime))
        .join(Instrument, Instrument.id == WaitlistEntry.instrument_id)
        .where(_HELD)
        .order_by(WaitlistEntry.id, Downtime.id)
    ).all()
    return [
        IntegrityProblem(
            "waitlist hold",
            f"waitlist_entry {entry}, booking {booking}",
            f"waitlist entry {entry} holds a range on {code} for user {user}, which active "
            f"booking {booking} of another user overlaps",
        )
        for entry, user, booking, code in booked
    ] + [
        IntegrityProblem(
            "waitlist hold",
            f"waitlist_entry {entry}, downtime {downtime}",
            f"waitlist entry {entry} holds a range on {code} that downtime {downtime} takes",
        )
        for entry, downtime, code in down
    ]

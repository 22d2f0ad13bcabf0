"""When a booking's user may check in and out, and the words that say why not.

The check-in service enforces the rule; a screen uses these words to answer a key that
cannot act now ("check-in to booking 12 opens at 21:15 GMT Sun 6 Dec 2026"), with every
time in the facility's zone, named.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from equipshare.domain.enums import BookingStatus

#: The user checks in from this long before the start until the end.
EARLY = timedelta(minutes=15)


def moment_words(instant: datetime, timezone: str) -> str:
    """'21:15 GMT Sun 6 Dec 2026' in the facility's zone, naming the zone."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%H:%M} {local.tzname()} {local:%a} {local.day} {local:%b %Y}"


def check_in_refusal(
    booking_id: int,
    status: BookingStatus,
    starts_at: datetime,
    ends_at: datetime,
    checked_in_at: datetime | None,
    now: datetime,
    timezone: str,
) -> str | None:
    """Why the booking's user cannot check in now, or None when they can."""
    if checked_in_at is not None:
        return (
            f"Booking {booking_id} is already checked in, at "
            f"{moment_words(checked_in_at, timezone)}"
        )
    if status is not BookingStatus.CONFIRMED:
        return (
            f"Booking {booking_id} is {status.value.replace('_', ' ')}; only a confirmed "
            "booking can be checked in to"
        )
    opens = starts_at - EARLY
    if now < opens:
        return (
            f"Check-in to booking {booking_id} opens at {moment_words(opens, timezone)}, "
            "15 minutes before its start"
        )
    if now >= ends_at:
        return (
            f"Check-in to booking {booking_id} closed at its end, {moment_words(ends_at, timezone)}"
        )
    return None


def check_out_refusal(
    booking_id: int,
    status: BookingStatus,
    checked_in_at: datetime | None,
    checked_out_at: datetime | None,
    timezone: str,
) -> str | None:
    """Why the booking's user cannot check out now, or None when they can."""
    if checked_out_at is not None:
        return (
            f"Booking {booking_id} is already checked out, at "
            f"{moment_words(checked_out_at, timezone)}"
        )
    if checked_in_at is None:
        return f"Booking {booking_id} was never checked in; check in (n) before checking out"
    if status is not BookingStatus.CONFIRMED:
        return (
            f"Booking {booking_id} is {status.value.replace('_', ' ')}; only a confirmed "
            "booking can be checked out of"
        )
    return None

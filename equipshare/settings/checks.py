"""Checks across a whole Settings once it is built: ranges, time zones, opening hours."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from equipshare.domain.enums import LONGEST_BOOKING_MINUTES
from equipshare.settings.sections import SMTP_SECURITY, WEEKDAYS, Settings, parse_interval


def validate(settings: Settings) -> None:
    try:
        ZoneInfo(settings.organisation.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"[organisation] timezone: unknown time zone {settings.organisation.timezone!r}"
        ) from None
    if settings.calendar.refresh_minutes == 0:
        raise ValueError("[calendar] refresh_minutes: must be at least 1")
    booking = settings.booking
    if booking.slot_minutes == 0 or 1440 % booking.slot_minutes:
        raise ValueError("[booking] slot_minutes: must divide a day (e.g. 15, 30, 60, 120)")
    if not 0 < booking.min_minutes <= booking.max_minutes:
        raise ValueError("[booking] min_minutes: must be above 0 and at most max_minutes")
    if booking.max_minutes > LONGEST_BOOKING_MINUTES:
        raise ValueError(
            f"[booking] max_minutes: must be at most {LONGEST_BOOKING_MINUTES} (14 days), "
            "the longest any booking may last"
        )
    if booking.max_days_ahead == 0:
        raise ValueError("[booking] max_days_ahead: must be at least 1")
    if booking.waitlist_hold_minutes == 0:
        raise ValueError("[booking] waitlist_hold_minutes: must be at least 1")
    if settings.smtp.security not in SMTP_SECURITY:
        raise ValueError(f"[smtp] security: must be one of {', '.join(SMTP_SECURITY)}")
    if settings.notifications.max_attempts == 0:
        raise ValueError("[notifications] max_attempts: must be at least 1")
    if settings.retention.cancelled_days < settings.calendar.cancelled_grace_days:
        raise ValueError(
            "[retention] cancelled_days: must be at least [calendar] cancelled_grace_days "
            f"({settings.calendar.cancelled_grace_days})"
        )
    if settings.retention.financial_days < settings.retention.cancelled_days:
        raise ValueError("[retention] financial_days: must be at least cancelled_days")
    for day, intervals in booking.opening_hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"[booking.opening_hours] {day}: not one of {', '.join(WEEKDAYS)}")
        for interval in intervals:
            try:
                parse_interval(interval)
            except ValueError as exc:
                raise ValueError(f"[booking.opening_hours] {day}: {exc}") from None

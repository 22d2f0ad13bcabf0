"""Training rules without the database: states, expiry dates and the words for them.

Pure, so the TUI can word a record the same way the service does.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from equipshare.domain.enums import TrainingLevel, TrainingState
from equipshare.domain.errors import InputError
from equipshare.domain.records.users.people import UserTraining
from equipshare.domain.rules.policy_rules import as_utc


def state_at(
    revoked_at: datetime | None, expires_at: datetime | None, now: datetime
) -> TrainingState:
    if revoked_at is not None:
        return TrainingState.REVOKED
    if expires_at is not None and expires_at <= now:
        return TrainingState.EXPIRED
    return TrainingState.ACTIVE


def last_valid_day(expires_at: datetime, timezone: str) -> date:
    """The last local day the training is good for (an expiry at midnight ends the day before)."""
    return (expires_at - timedelta(microseconds=1)).astimezone(ZoneInfo(timezone)).date()


def day_words(day: date) -> str:
    """'Tue 16 Mar 2027'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


#: How long renewed training lasts when the record gives no period of its own.
DEFAULT_VALIDITY_MONTHS = 12


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter: 31 Jan -> 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(day.day, (following - timedelta(days=1)).day))


def renewal_day(
    trained_at: datetime, expires_at: datetime | None, timezone: str, now: datetime
) -> date:
    """The last valid day a renewal offers: as long from today as the record was given for
    (whole months when it was, as most are; else days), or a year when it had no expiry, so
    one Enter never makes training permanent."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    if expires_at is None:
        return add_months(today, DEFAULT_VALIDITY_MONTHS) - timedelta(days=1)
    given = trained_at.astimezone(zone).date()
    ends = last_valid_day(expires_at, timezone) + timedelta(days=1)  # the first day not valid
    if ends <= given:
        return add_months(today, DEFAULT_VALIDITY_MONTHS) - timedelta(days=1)
    months = (ends.year - given.year) * 12 + ends.month - given.month
    if add_months(given, months) == ends:
        return add_months(today, months) - timedelta(days=1)
    return today + (ends - given) - timedelta(days=1)


def parse_level(level: TrainingLevel | str) -> TrainingLevel:
    try:
        return TrainingLevel(str(level).strip().lower())
    except ValueError:
        choices = " or ".join(item.value for item in TrainingLevel)
        raise InputError(
            f"level: {level!r} is not a training level; use {choices}", "level"
        ) from None


def expiry_instant(
    expires: datetime | date | None, timezone: str, now: datetime
) -> datetime | None:
    """UTC expiry from an instant, or from a date meaning "through that day" in `timezone`."""
    if expires is None:
        return None
    if isinstance(expires, datetime):
        instant = as_utc(expires, "expires_at")
    else:
        zone = ZoneInfo(timezone)
        instant = as_utc(
            datetime.combine(expires + timedelta(days=1), time(0), tzinfo=zone), "expires_at"
        )
    if instant <= now:
        shown = day_words(last_valid_day(instant, timezone))
        raise InputError(
            f"expiry: training valid until {shown} would already have ended", "expires_at"
        )
    return instant


def training_words(training: UserTraining) -> str:
    """'trained (independent) until Tue 16 Mar 2027', 'expired', 'revoked', 'not trained'."""
    tz = training.timezone
    if training.state is None or training.level is None:
        return "not trained"
    if training.state is TrainingState.REVOKED and training.revoked_at is not None:
        return f"revoked on {day_words(training.revoked_at.astimezone(ZoneInfo(tz)).date())}"
    if training.expires_at is None:
        return f"trained ({training.level.value}), no expiry"
    until = day_words(last_valid_day(training.expires_at, tz))
    if training.state is TrainingState.EXPIRED:
        return f"expired (was valid until {until})"
    return f"trained ({training.level.value}) until {until}"

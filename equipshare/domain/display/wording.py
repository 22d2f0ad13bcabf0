"""Records in plain words, the same in the TUI and the CLI: access, statuses, policies, bookings.

The rules and money modules load in the functions that use them: the catalogue's first
screen needs only plural and status words (issue 22, start-up).
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from equipshare.domain.enums import (
    AccessLevel,
    BookingStatus,
    DowntimeReason,
    InstrumentStatus,
    TrainingStanding,
)

if TYPE_CHECKING:
    from datetime import datetime

    from equipshare.domain.records.consortium import StaffChange
    from equipshare.domain.records.instruments.catalogue import (
        BookingPolicy,
        InstrumentRecord,
        OpeningInterval,
    )
    from equipshare.domain.records.scheduling.bookings import MyBookingRow
    from equipshare.domain.records.users.people import TrainingStatus

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def plural(noun: str, count: int = 2, many: str | None = None) -> str:
    """`noun` as it reads for `count` of them: 'facility', 'facilities', 'searches', 'lines';
    `many` for a noun English does not make by rule ('person', 'people')."""
    if count == 1:
        return noun
    if many is not None:
        return many
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def count_words(count: int, noun: str, many: str | None = None) -> str:
    """'1 facility', '40 facilities', '1,132 bookings': a count and its noun, agreeing."""
    return f"{count:,} {plural(noun, count, many)}"


def duration(minutes: int) -> str:
    """'30 minutes', '1 hour', '8 hours', '1 h 30 min'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} minutes"
    if not rest:
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{hours} h {rest} min"


def slot_words(minutes: int) -> str:
    """'15-minute', '1-hour', '2-hour': the adjective form, as in '2-hour slots'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes}-minute"
    return f"{hours}-hour" if not rest else f"{minutes}-minute"


def status_words(status: InstrumentStatus) -> str:
    return status.value.replace("_", " ")


def access_words(level: AccessLevel, institution_name: str) -> str:
    return {
        AccessLevel.INSTITUTION: f"{institution_name} users only",
        AccessLevel.CONSORTIUM: "users of consortium partner institutions",
        AccessLevel.EXTERNAL_ACADEMIC: "academic users anywhere",
        AccessLevel.INDUSTRY: "everyone, including industry",
    }[level]


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def opening_words(hours: tuple[OpeningInterval, ...]) -> str:
    """'Mon-Fri 09:00-17:00', grouping consecutive days with the same hours."""
    if not hours:
        return "around the clock"
    by_day: dict[int, str] = {}
    for interval in hours:
        text = f"{_clock(interval.opens_minute)}-{_clock(interval.closes_minute)}"
        by_day[interval.weekday] = (
            f"{by_day[interval.weekday]}, {text}" if interval.weekday in by_day else text
        )
    runs: list[str] = []
    days = sorted(by_day)
    # Consecutive weekdays with identical hours form one run.
    keyed = [(day - index, by_day[day], day) for index, day in enumerate(days)]
    for (_, text), group in groupby(keyed, key=lambda item: (item[0], item[1])):
        members = [day for _, _, day in group]
        span = DAYS[members[0]] if len(members) == 1 else f"{DAYS[members[0]]}-{DAYS[members[-1]]}"
        runs.append(f"{span} {text}")
    return "; ".join(runs)


def policy_lines(instrument: InstrumentRecord) -> list[str]:
    """The booking policy as short sentences, in the order a booker needs them."""
    from equipshare.domain.rules.policy_rules import days_words

    policy: BookingPolicy = instrument.policy
    length = (
        f"every booking lasts {duration(policy.min_minutes)}"
        if policy.min_minutes == policy.max_minutes
        else f"bookings last {duration(policy.min_minutes)} to {duration(policy.max_minutes)}"
    )
    lines = [
        f"Booked in {slot_words(policy.slot_minutes)} slots; {length}.",
        f"Open {opening_words(policy.opening_hours)} ({instrument.timezone}).",
        f"Book at least {duration(policy.min_notice_minutes)} ahead"
        f" and at most {days_words(policy.max_days_ahead)} ahead."
        if policy.min_notice_minutes
        else f"Book up to {days_words(policy.max_days_ahead)} ahead.",
        "Training is required before you can book."
        if policy.requires_training
        else "No training is needed.",
        "Every booking needs the facility's approval."
        if policy.requires_approval
        else f"Bookings from outside {instrument.institution_name} need the facility's approval.",
    ]
    if policy.requires_project_code:
        lines.append("A project or grant code is required.")
    if policy.weekly_quota_minutes is not None:
        lines.append(f"Each user may book up to {duration(policy.weekly_quota_minutes)} a week.")
    lines.append(
        "Bookings may run overnight."
        if policy.allow_overnight
        else "Bookings must end by closing time."
    )
    return lines


def _day(instant: datetime, timezone: str) -> str:
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%b %Y}"


def training_words(status: TrainingStatus, timezone: str) -> str:
    """'trained until 3 Mar 2027', 'training expired 1 Feb 2026', 'not trained'..."""
    until = _day(status.until, timezone) if status.until is not None else None
    match status.standing:
        case TrainingStanding.NOT_REQUIRED:
            return "not required"
        case TrainingStanding.TRAINED:
            if status.until is None:
                return "trained, no expiry"
            # "until" names the last day it covers, as the instrument and training screens
            # do: an expiry at midnight ends the day before.
            from equipshare.domain.rules.training_rules import last_valid_day

            last = last_valid_day(status.until, timezone)
            return f"trained until {last.day} {last:%b %Y}"
        case TrainingStanding.LAPSES:
            return f"training lapses {until}"
        case TrainingStanding.EXPIRED:
            return f"training expired {until}"
        case TrainingStanding.SUPERVISED:
            return "supervised use only"
        case TrainingStanding.NOT_TRAINED:
            return "not trained"


def booking_status_words(status: BookingStatus) -> str:
    """'confirmed', 'no show': a booking's status as a person reads it."""
    return status.value.replace("_", " ")


def use_words(row: MyBookingRow) -> str:
    """'in 10:02 GMT' while checked in, '10:02-11:55 GMT' once out, in the facility's zone
    and naming it (the day is the booking's, on the same row), else ''."""
    from equipshare.domain.time.timewords import clock_words

    if row.checked_in_at is None:
        return ""
    if row.checked_out_at is None:
        return f"in {clock_words(row.checked_in_at, row.timezone)}"
    checked_in = row.checked_in_at.astimezone(ZoneInfo(row.timezone))
    return f"{checked_in:%H:%M}-{clock_words(row.checked_out_at, row.timezone)}"


def price_words(row: MyBookingRow) -> str:
    """What the booking costs now; '-' when the instrument has no price for the user."""
    from equipshare.domain.money.charging import gbp

    return "-" if row.charge_pence is None else gbp(row.charge_pence)


def reason_words(reason: DowntimeReason) -> str:
    """'maintenance', 'engineer visit': why an instrument is down, in words."""
    return reason.value.replace("_", " ")


def bookings_words(count: int) -> str:
    """'1 booking', '3 bookings'."""
    return count_words(count, "booking")


def staff_change_words(change: StaffChange, dry_run: bool = False) -> str:
    """'tech added to WAR-PRP as technician': what a staff add or remove did (or would do)."""
    # Imported here: the catalogue (TUI start-up, issue 22) needs none of the consortium records.
    from equipshare.domain.records.consortium import StaffOutcome

    member = change.member
    who, where, role = member.username, member.facility_code, member.role.value
    would = "would be " if dry_run else ""
    match change.outcome:
        case StaffOutcome.ALREADY:
            return f"{who} is already a {role} of {where}: nothing changed"
        case StaffOutcome.NOT_STAFF:
            return f"{who} is not on the staff of {where}: nothing removed"
        case StaffOutcome.ADDED:
            return f"{who} {would}added to {where} as {role}"
        case StaffOutcome.ROLE_CHANGED:
            previous = change.previous_role.value if change.previous_role else "?"
            return f"{who} {would}changed from {previous} to {role} of {where}"
        case _:
            return f"{who} {would}removed from {where} (was {role})"

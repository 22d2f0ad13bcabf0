"""The booking rules that need no database: status, access, policy, quota and approval.

Pure functions of records and instants, so property tests can hammer them. Every
refusal says what to change, in the facility's own time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from equipshare.domain.enums import AccessLevel, InstitutionSector
from equipshare.domain.errors import InputError, RefusedError, TooSoon
from equipshare.domain.records.instruments.catalogue import BookingPolicy, InstrumentRecord
from equipshare.domain.records.users.people import UserRecord

Interval = tuple[datetime, datetime]


def as_utc(instant: datetime, field: str) -> datetime:
    """Normalise an input instant to UTC; a naive one is ambiguous and refused."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InputError(f"{field}: {instant.isoformat()} has no time zone", field)
    return instant.astimezone(UTC)


def describe_time(instant: datetime, tz: str) -> str:
    """'10:00 Tue 3 Mar 2026 GMT': a time in the facility's zone, naming the zone (a refusal
    or a notice read away from the facility must not leave the clock to guess)."""
    local = instant.astimezone(ZoneInfo(tz))
    return f"{local:%H:%M} {local:%a} {local.day} {local:%b %Y} {local:%Z}"


def describe_zoned(instant: datetime, tz: str) -> str:
    """'09:00 Tue 8 Dec 2026 GMT': a time to act on, with the zone named."""
    return describe_time(instant, tz)


def describe_range(start: datetime, end: datetime, tz: str) -> str:
    """'10:00-12:00 Tue 3 Mar 2026 GMT', or both dates when the range crosses midnight;
    the zone named once, or at each end when the clocks change between them."""
    zone = ZoneInfo(tz)
    a, b = start.astimezone(zone), end.astimezone(zone)
    if a.date() == b.date() or (b - timedelta(microseconds=1)).date() == a.date():
        zones = a.tzname() if a.tzname() == b.tzname() else f"{a.tzname()}/{b.tzname()}"
        return f"{a:%H:%M}-{b:%H:%M} {a:%a} {a.day} {a:%b %Y} {zones}"
    return f"{describe_time(start, tz)} to {describe_time(end, tz)}"


def days_words(days: int) -> str:
    """'1 day', '90 days': a number of days as a sentence says it."""
    return f"{days} day" + ("s" if days != 1 else "")


def _hours(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{minutes} minutes"


def check_status(instrument: InstrumentRecord) -> None:
    """Rule 1: only available or limited instruments take bookings; the refusal says why."""
    if not instrument.status.bookable:
        state = instrument.status.value.replace("_", " ")
        why = f": {instrument.status_reason}" if instrument.status_reason else ""
        raise RefusedError(f"{instrument.code} is {state} and cannot be booked{why}", "instrument")


def may_access(user: UserRecord, instrument: InstrumentRecord) -> bool:
    """Rule 2: the user's institution passes the instrument's access level."""
    if user.institution_id == instrument.institution_id:
        return True
    level = instrument.access_level
    if level is AccessLevel.INSTITUTION:
        return False
    if level is AccessLevel.CONSORTIUM:
        return user.institution_is_partner
    if level is AccessLevel.EXTERNAL_ACADEMIC:
        return user.institution_is_partner or user.institution_sector is InstitutionSector.ACADEMIC
    return True


def check_access(user: UserRecord, instrument: InstrumentRecord) -> None:
    if may_access(user, instrument):
        return
    audience = {
        AccessLevel.INSTITUTION: f"{instrument.institution_name} users only",
        AccessLevel.CONSORTIUM: "users of consortium partner institutions",
        AccessLevel.EXTERNAL_ACADEMIC: "academic users",
        AccessLevel.INDUSTRY: "everyone",
    }[instrument.access_level]
    raise RefusedError(
        f"{instrument.code} is open to {audience}; {user.username} is from {user.institution_name}",
        "instrument",
    )


def _local(day: date, minute: int, zone: ZoneInfo, fold: int = 0) -> datetime:
    if minute == 1440:
        day, minute = day + timedelta(days=1), 0
    wall = datetime.combine(day, time(minute // 60, minute % 60, fold=fold), tzinfo=zone)
    return wall.astimezone(UTC)


def _reads_open(
    by_weekday: dict[int, list[tuple[int, int]]], instant: datetime, zone: ZoneInfo
) -> bool:
    local = instant.astimezone(zone)
    minute = local.hour * 60 + local.minute
    return any(a <= minute < b for a, b in by_weekday.get(local.weekday(), []))


def _clock_change(a: datetime, b: datetime, zone: ZoneInfo) -> datetime:
    """The first minute in (a, b] whose UTC offset differs from a's (b's offset differs)."""
    before = a.astimezone(zone).utcoffset()
    low, high = a, b
    while high - low > timedelta(minutes=1):
        mid = low + (high - low) // 2
        if mid.astimezone(zone).utcoffset() == before:
            low = mid
        else:
            high = mid
    return high


def open_intervals(
    policy: BookingPolicy, tz: str, start: datetime, end: datetime
) -> list[Interval]:
    """Merged UTC intervals when the wall clock reads open, covering [start, end] and a day around.

    Opening hours are wall-clock times in the facility's zone, so 09:00 stays 09:00 on
    both sides of a clock change. Openness can only change where the wall clock shows a
    boundary (both readings of a repeated time) or where the clocks change, so the
    timeline is cut there and each piece is read once. No opening hours: always open.
    """
    if not policy.opening_hours:
        return [(start - timedelta(days=1), end + timedelta(days=1))]
    zone = ZoneInfo(tz)
    by_weekday: dict[int, list[tuple[int, int]]] = {}
    for interval in policy.opening_hours:
        by_weekday.setdefault(interval.weekday, []).append(
            (interval.opens_minute, interval.closes_minute)
        )
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    cuts: set[datetime] = set()
    while day <= last + timedelta(days=1):
        minutes = {0} | {m for pair in by_weekday.get(day.weekday(), []) for m in pair}
        cuts |= {_local(day, m, zone, fold) for m in minutes for fold in (0, 1)}
        day += timedelta(days=1)
    points = sorted(cuts)
    for a, b in pairwise(points):
        if a.astimezone(zone).utcoffset() != b.astimezone(zone).utcoffset():
            cuts.add(_clock_change(a, b, zone))
    points = sorted(cuts)
    pieces = [(a, b) for a, b in pairwise(points) if _reads_open(by_weekday, a, zone)]
    return merge(pieces)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and join intervals that overlap or touch."""
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def within_opening_hours(policy: BookingPolicy, tz: str, start: datetime, end: datetime) -> bool:
    intervals = open_intervals(policy, tz, start, end)
    if policy.allow_overnight:
        return any(a <= start < b for a, b in intervals)
    return any(a <= start and end <= b for a, b in intervals)


def on_slot_grid(instant: datetime, tz: str, slot_minutes: int) -> bool:
    """Whether the wall-clock time is a whole multiple of the slot after local midnight."""
    local = instant.astimezone(ZoneInfo(tz))
    if local.second or local.microsecond:
        return False
    return (local.hour * 60 + local.minute) % slot_minutes == 0


def check_policy(
    instrument: InstrumentRecord,
    start: datetime,
    end: datetime,
    now: datetime,
    project_code: str | None,
) -> None:
    """Rule 4: grid, length, notice, horizon, opening hours and project code."""
    check_shape(instrument, start, end)
    check_timing(instrument, start, now, end - start)
    check_fit(instrument, start, end, project_code)


def check_held_policy(
    instrument: InstrumentRecord, start: datetime, end: datetime, project_code: str | None
) -> None:
    """Rule 4 without notice and horizon, which only a booking made now must meet.

    A booking brought in from elsewhere (a calendar import) was made when it was made:
    it may start tomorrow or have started already, but it still keeps to the grid, the
    lengths, the opening hours and the project code, as every booking held here does.
    """
    check_shape(instrument, start, end)
    check_fit(instrument, start, end, project_code)


def check_shape(instrument: InstrumentRecord, start: datetime, end: datetime) -> None:
    """Rule 4's grid and length."""
    policy, tz, code = instrument.policy, instrument.timezone, instrument.code
    if end <= start:
        raise RefusedError("the booking must end after it starts", "end")
    if not (
        on_slot_grid(start, tz, policy.slot_minutes) and on_slot_grid(end, tz, policy.slot_minutes)
    ):
        raise RefusedError(
            f"{code} is booked in {_hours(policy.slot_minutes)} slots: start and end on "
            f"multiples of {_hours(policy.slot_minutes)} after midnight",
            "start",
        )
    minutes = int((end - start).total_seconds() // 60)
    if minutes < policy.min_minutes:
        raise RefusedError(f"{code} bookings last at least {_hours(policy.min_minutes)}", "length")
    if minutes > policy.max_minutes:
        raise RefusedError(f"{code} bookings last at most {_hours(policy.max_minutes)}", "length")


def check_timing(
    instrument: InstrumentRecord,
    start: datetime,
    now: datetime,
    length: timedelta | None = None,
    blocked: Sequence[Interval] = (),
) -> None:
    """Rule 4's past, notice and horizon: what a booking made at `now` must meet.

    A start inside the notice is refused (TooSoon) naming the earliest start a booking of
    `length` (default the shortest) could have: past the notice, on the grid, within
    opening hours and clear of `blocked` (downtime, when the caller knows it).
    """
    policy, tz, code = instrument.policy, instrument.timezone, instrument.code
    if start < now:
        raise RefusedError(f"{describe_time(start, tz)} is in the past", "start")
    if start < now + timedelta(minutes=policy.min_notice_minutes):
        raise too_soon(instrument, now, length, blocked)
    latest = now + timedelta(days=policy.max_days_ahead)
    if start > latest:
        raise RefusedError(
            f"{code} takes bookings at most {days_words(policy.max_days_ahead)} ahead "
            f"(until {describe_time(latest, tz)})",
            "start",
        )


def too_soon(
    instrument: InstrumentRecord,
    now: datetime,
    length: timedelta | None = None,
    blocked: Sequence[Interval] = (),
) -> TooSoon:
    """The notice refusal, naming the earliest start that could be booked (see TooSoon)."""
    policy, tz, code = instrument.policy, instrument.timezone, instrument.code
    length = length or timedelta(minutes=policy.min_minutes)
    earliest = earliest_start(instrument, now, length, blocked)
    notice = f"{code} needs {_hours(policy.min_notice_minutes)} notice"
    if earliest is None:
        after = now + timedelta(minutes=policy.min_notice_minutes)
        return TooSoon(
            f"{notice}, and no booking of {_hours(int(length.total_seconds()) // 60)} from "
            f"{describe_zoned(after, tz)} fits its opening hours within "
            f"{days_words(policy.max_days_ahead)}",
            None,
        )
    return TooSoon(f"{notice}: the earliest start is {describe_zoned(earliest, tz)}", earliest)


def earliest_start(
    instrument: InstrumentRecord,
    now: datetime,
    length: timedelta,
    blocked: Sequence[Interval] = (),
) -> datetime | None:
    """The first start past the notice and within the horizon, on the slot grid, whose
    booking of `length` keeps to the opening hours (only its start must, where overnight
    use is allowed) and misses every `blocked` interval; None if there is none."""
    policy, tz = instrument.policy, instrument.timezone
    cursor = now + timedelta(minutes=policy.min_notice_minutes)
    horizon = now + timedelta(days=policy.max_days_ahead)
    busy = merge(blocked)
    while cursor <= horizon:
        upto = min(cursor + timedelta(days=7), horizon)
        for a, b in _outside(open_intervals(policy, tz, cursor, upto + length), busy):
            start = _grid_at_or_after(max(a, cursor), tz, policy.slot_minutes)
            while start < b and start <= upto:
                end = start + length
                if end <= b or (
                    policy.allow_overnight and not any(x < end and start < y for x, y in busy)
                ):
                    return start
                if not policy.allow_overnight:
                    break  # a later start in this open piece ends later still
                start = _grid_at_or_after(start + timedelta(minutes=1), tz, policy.slot_minutes)
        cursor = upto + timedelta(microseconds=1)
    return None


def _outside(intervals: Sequence[Interval], busy: Sequence[Interval]) -> list[Interval]:
    """The parts of sorted, merged `intervals` clear of the merged `busy` ones."""
    pieces: list[Interval] = []
    for a, b in intervals:
        cursor = a
        for x, y in busy:
            if y <= cursor or x >= b:
                continue
            if x > cursor:
                pieces.append((cursor, x))
            cursor = max(cursor, y)
        if cursor < b:
            pieces.append((cursor, b))
    return pieces


def _grid_at_or_after(instant: datetime, tz: str, slot_minutes: int) -> datetime:
    """The first instant at or after `instant` whose wall-clock time is on the slot grid."""
    zone = ZoneInfo(tz)
    day = instant.astimezone(zone).date()
    while True:
        points = sorted(
            {
                _local(day, minute, zone, fold)
                for minute in range(0, 1440, slot_minutes)
                for fold in (0, 1)
            }
        )
        for point in points:
            if point >= instant and on_slot_grid(point, tz, slot_minutes):
                return point
        day += timedelta(days=1)


def check_fit(
    instrument: InstrumentRecord, start: datetime, end: datetime, project_code: str | None
) -> None:
    """Rule 4's opening hours and project code."""
    policy, tz, code = instrument.policy, instrument.timezone, instrument.code
    if not within_opening_hours(policy, tz, start, end):
        raise RefusedError(
            f"{describe_range(start, end, tz)} is outside {code}'s opening hours"
            + ("" if policy.allow_overnight else " (overnight use is not allowed)"),
            "start",
        )
    if policy.requires_project_code and not (project_code or "").strip():
        raise RefusedError(f"{code} needs a project or grant code", "project_code")


def quota_week(start: datetime, tz: str) -> Interval:
    """The Monday-to-Monday week, in the facility's zone, that holds `start`."""
    zone = ZoneInfo(tz)
    monday = start.astimezone(zone).date()
    monday -= timedelta(days=monday.weekday())
    return _local(monday, 0, zone), _local(monday + timedelta(days=7), 0, zone)


def check_quota(instrument: InstrumentRecord, used_minutes: int, wanted_minutes: int) -> None:
    """Rule 5: the user's booked hours on the instrument in that week stay within the quota."""
    quota = instrument.policy.weekly_quota_minutes
    if quota is None or used_minutes + wanted_minutes <= quota:
        return
    left = max(quota - used_minutes, 0)
    raise RefusedError(
        f"{instrument.code} allows {_hours(quota)} a week per user; "
        f"{_hours(used_minutes)} already booked that week, "
        + (f"{_hours(left)} left" if left else "none left"),
        "length",
    )


def needs_approval(user: UserRecord, instrument: InstrumentRecord) -> bool:
    """Rule 7: cross-institution bookings and instruments that say so start pending."""
    return instrument.policy.requires_approval or user.institution_id != instrument.institution_id

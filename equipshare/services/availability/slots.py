"""The free slots of one instrument for one user: occupancy from the database, then intervals.

Each returned slot passes rules 1-6 for the asking user, as `booking_checks.check_all`
would judge them at the same instant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from equipshare.domain.enums import LONGEST_BOOKING
from equipshare.domain.records.instruments.catalogue import InstrumentRecord, SlotRecord
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules import policy_rules
from equipshare.domain.rules.policy_rules import Interval
from equipshare.domain.time.availability_intervals import (
    FOREVER,
    TICK,
    intersect,
    next_on_grid,
    opening,
    subtract,
)
from equipshare.services.availability import statements as sql
from equipshare.services.plumbing.prebuilt import run


@dataclass(frozen=True)
class Search:
    """One search's fixed inputs: who, how long, and the window of starts it may return."""

    user: UserRecord
    length: timedelta
    now: datetime
    window_start: datetime
    window_end: datetime

    @property
    def minutes(self) -> int:
        return int(self.length.total_seconds() // 60)

    def start_range(self, instrument: InstrumentRecord) -> Interval:
        """Starts allowed by the window, minimum notice and maximum days ahead (rule 4)."""
        policy = instrument.policy
        return self.starts_between(policy.min_notice_minutes, policy.max_days_ahead)

    def starts_between(self, min_notice_minutes: int, max_days_ahead: int) -> Interval:
        lo = max(self.window_start, self.now + timedelta(minutes=min_notice_minutes))
        hi = min(self.window_end, self.now + timedelta(days=max_days_ahead) + TICK)
        return lo, hi

    def fits_length(self, instrument: InstrumentRecord) -> bool:
        policy, minutes = instrument.policy, self.minutes
        quota = policy.weekly_quota_minutes
        return (
            policy.min_minutes <= minutes <= policy.max_minutes
            and minutes % policy.slot_minutes == 0
            and (quota is None or minutes <= quota)
        )


@dataclass
class Occupancy:
    """What the database said about the candidate instruments, grouped by instrument id."""

    busy: dict[int, list[Interval]]
    trained: dict[int, list[Interval]]
    quota_used: dict[tuple[int, datetime], int]


def free_slots(
    instrument: InstrumentRecord, search: Search, occupancy: Occupancy, count: int
) -> list[SlotRecord]:
    """The `count` earliest non-overlapping slots on `instrument` that pass every rule."""
    policy, tz, length = instrument.policy, instrument.timezone, search.length
    lo, hi = search.start_range(instrument)
    if lo >= hi or not search.fits_length(instrument):
        return []
    starts = allowed_starts(instrument, search, occupancy, lo, hi)
    found: list[SlotRecord] = []
    cursor = lo
    for a, b in starts:
        start = next_on_grid(max(a, cursor), tz, policy.slot_minutes)
        while start < b and len(found) < count:
            end = start + length
            if policy_rules.on_slot_grid(end, tz, policy.slot_minutes):
                found.append(slot_record(instrument, search.user, start, end))
                cursor = end
            start = next_on_grid(max(start + TICK, cursor), tz, policy.slot_minutes)
        if len(found) >= count:
            break
    return found


def allowed_starts(
    instrument: InstrumentRecord, search: Search, occupancy: Occupancy, lo: datetime, hi: datetime
) -> list[Interval]:
    """Half-open ranges of start instants whose slot is open, free, trained for and in quota."""
    policy, tz, length = instrument.policy, instrument.timezone, search.length
    open_ranges = opening(policy, tz, lo, hi + length)
    horizon = [(lo, hi + length)]
    room = horizon if policy.allow_overnight else intersect(open_ranges, horizon)
    free = subtract(room, occupancy.busy.get(instrument.id, []))
    # A slot fits a free gap when it ends by the gap's end, inclusive.
    starts = [(a, b - length + TICK) for a, b in free if b - a >= length]
    starts = intersect(starts, [(lo, hi)])
    if policy.allow_overnight:
        starts = intersect(starts, open_ranges)  # only the start need be inside opening hours
    if policy.requires_training:
        starts = intersect(starts, occupancy.trained.get(instrument.id, []))
    if policy.weekly_quota_minutes is not None:
        starts = subtract(starts, full_weeks(instrument, search, occupancy))
    return starts


def full_weeks(
    instrument: InstrumentRecord, search: Search, occupancy: Occupancy
) -> list[Interval]:
    """Quota weeks (rule 5) where the user has no room left for a slot of this length."""
    quota = instrument.policy.weekly_quota_minutes
    assert quota is not None
    weeks = [
        policy_rules.quota_week(week_start, instrument.timezone)
        for (instrument_id, week_start), used in occupancy.quota_used.items()
        if instrument_id == instrument.id and used + search.minutes > quota
    ]
    return policy_rules.merge(weeks)


def slot_record(
    instrument: InstrumentRecord, user: UserRecord, start: datetime, end: datetime
) -> SlotRecord:
    return SlotRecord(
        instrument_id=instrument.id,
        instrument_code=instrument.code,
        instrument_name=instrument.name,
        institution_code=instrument.institution_code,
        facility_name=instrument.facility_name,
        timezone=instrument.timezone,
        starts_at=start,
        ends_at=end,
        own_institution=instrument.institution_id == user.institution_id,
    )


SlotKey = tuple[datetime, bool, str, str]


def slot_order(slot: SlotRecord) -> SlotKey:
    """By start, then the user's own institution first, then institution and instrument code."""
    return (slot.starts_at, not slot.own_institution, slot.institution_code, slot.instrument_code)


def training_ranges(
    rows: Iterable[tuple[datetime, datetime | None]], length: timedelta
) -> list[Interval]:
    """Starts whose slot ends while a record holds: `holds_training` judges at the end."""
    return policy_rules.merge(
        (trained - length, (expires or FOREVER) - length) for trained, expires in rows
    )


def load_occupancy(
    session: Session, search: Search, instruments: Sequence[InstrumentRecord]
) -> Occupancy:
    """Bookings, downtime and others' waitlist holds (one query), training and quota usage
    for every candidate: one query each."""
    occupancy = Occupancy(busy={}, trained={}, quota_used={})
    ranges = [search.start_range(i) for i in instruments]
    ranges = [(lo, hi) for lo, hi in ranges if lo < hi]
    if not ranges:
        return occupancy
    lo = min(r[0] for r in ranges)
    hi = max(r[1] for r in ranges) + search.length
    ids = [i.id for i in instruments]
    busy: defaultdict[int, list[Interval]] = defaultdict(list)
    params = {
        "ids": ids,
        "lo": lo,
        "hi": hi,
        "earliest": lo - LONGEST_BOOKING,
        "user_id": search.user.id,
        "now": search.now,
    }
    for instrument_id, starts_at, ends_at in run(session, sql.BUSY, params):
        busy[instrument_id].append((starts_at, ends_at))
    occupancy.busy = {k: policy_rules.merge(v) for k, v in busy.items()}

    user_id = search.user.id
    trained_ids = [i.id for i in instruments if i.policy.requires_training]
    if trained_ids:
        records: defaultdict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
        for instrument_id, trained_at, expires_at in run(
            session, sql.TRAINING, {"user_id": user_id, "ids": trained_ids}
        ):
            records[instrument_id].append((trained_at, expires_at))
        occupancy.trained = {k: training_ranges(v, search.length) for k, v in records.items()}

    quota_zones = {
        i.id: i.timezone for i in instruments if i.policy.weekly_quota_minutes is not None
    }
    if quota_zones:
        # Quota weeks are local Monday-to-Monday; eight days either side covers any zone.
        week = timedelta(days=8)
        params = {"user_id": user_id, "ids": list(quota_zones), "lo": lo - week, "hi": hi + week}
        for instrument_id, starts_at, ends_at in run(session, sql.QUOTA_USE, params):
            week_start = policy_rules.quota_week(starts_at, quota_zones[instrument_id])[0]
            minutes = int((ends_at - starts_at).total_seconds() // 60)
            key = (instrument_id, week_start)
            occupancy.quota_used[key] = occupancy.quota_used.get(key, 0) + minutes
    return occupancy

"""Availability search: the earliest free slots a user could book, on one instrument or a category.

The database is read once per kind of row (instruments, bookings, downtime, training,
quota usage); the rest is interval arithmetic on free gaps, so a search over every
partner's instruments answers in milliseconds. Each returned slot passes rules 1-6 for
the asking user, as `booking_checks.check_all` would judge them at the same instant.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from equipshare.db.models import Booking, Downtime, Instrument, TrainingRecord
from equipshare.domain import ACTIVE_BOOKING_STATUSES, TrainingLevel
from equipshare.errors import InputError
from equipshare.permissions import Action, Actor, Target, require
from equipshare.records import InstrumentRecord, SlotRecord, UserRecord
from equipshare.services import booking_checks, directory, policy_rules
from equipshare.services.booking_checks import Proposal
from equipshare.services.context import ServiceContext
from equipshare.services.policy_rules import Interval

# Bounds are half-open; an inclusive bound (a slot may end exactly where a gap does)
# becomes half-open by adding one microsecond, finer than any grid.
TICK = timedelta(microseconds=1)
MAX_DAYS = 366
FOREVER = datetime.max.replace(tzinfo=UTC) - timedelta(days=800)


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Where two sorted lists of disjoint half-open intervals overlap."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The parts of sorted, disjoint `a` outside the merged intervals `b`."""
    out: list[Interval] = []
    j = 0
    for lo, hi in a:
        while j < len(b) and b[j][1] <= lo:
            j += 1
        k, cursor = j, lo
        while k < len(b) and b[k][0] < hi:
            if b[k][0] > cursor:
                out.append((cursor, b[k][0]))
            cursor = max(cursor, b[k][1])
            k += 1
        if cursor < hi:
            out.append((cursor, hi))
    return out


@lru_cache(maxsize=8192)
def day_grid(tz: str, slot_minutes: int, day: date) -> tuple[datetime, ...]:
    """Every instant of local `day` whose wall-clock time lies on the slot grid, in order."""
    zone = ZoneInfo(tz)
    midnight = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    following = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    step = timedelta(minutes=slot_minutes)
    if following - midnight == timedelta(days=1):
        return tuple(midnight + k * step for k in range(1440 // slot_minutes))
    # A DST change: wall times may be skipped or repeated, so try both readings of each.
    found: set[datetime] = set()
    for k in range(1440 // slot_minutes):
        wall = datetime.combine(day, time()) + k * step
        for fold in (0, 1):
            instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
            if instant.astimezone(zone).date() == day and policy_rules.on_slot_grid(
                instant, tz, slot_minutes
            ):
                found.add(instant)
    return tuple(sorted(found))


def next_on_grid(instant: datetime, tz: str, slot_minutes: int) -> datetime:
    """The first grid instant at or after `instant` (local dates never run backwards here)."""
    day = instant.astimezone(ZoneInfo(tz)).date()
    while True:
        points = day_grid(tz, slot_minutes, day)
        i = bisect.bisect_left(points, instant)
        if i < len(points):
            return points[i]
        day += timedelta(days=1)


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
        lo = max(self.window_start, self.now + timedelta(minutes=policy.min_notice_minutes))
        hi = min(self.window_end, self.now + timedelta(days=policy.max_days_ahead) + TICK)
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
    opening = policy_rules.open_intervals(policy, tz, lo, hi + length)
    horizon = [(lo, hi + length)]
    room = horizon if policy.allow_overnight else intersect(opening, horizon)
    free = subtract(room, occupancy.busy.get(instrument.id, []))
    # A slot fits a free gap when it ends by the gap's end, inclusive.
    starts = [(a, b - length + TICK) for a, b in free if b - a >= length]
    starts = intersect(starts, [(lo, hi)])
    if policy.allow_overnight:
        starts = intersect(starts, opening)  # only the start need be inside opening hours
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


def training_ranges(
    rows: Iterable[tuple[datetime, datetime | None]], length: timedelta
) -> list[Interval]:
    """Starts whose slot ends while a record holds: `holds_training` judges at the end."""
    return policy_rules.merge(
        (trained - length, (expires or FOREVER) - length) for trained, expires in rows
    )


class AvailabilityService:
    """Finds free slots that the asking user could book now, honouring every rule for them."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def find_slots(
        self,
        actor_username: str,
        *,
        instrument_code: str | None = None,
        category: str | None = None,
        length: timedelta,
        window_start: datetime | None = None,
        days: int = 14,
        limit: int = 20,
        per_instrument: int = 3,
    ) -> list[SlotRecord]:
        """Earliest slots by start, then own institution first, institution and instrument code.

        For an instrument code, a rule that rules out every slot (status, access,
        training) is raised; for a category, instruments the user may not book are skipped.
        """
        if (instrument_code is None) == (category is None):
            raise InputError("search one instrument code or one category, not both or neither")
        search_length = check_search(length, days, limit, per_instrument)
        now = self._clock.now()
        start = now if window_start is None else policy_rules.as_utc(window_start, "from")
        with self._db.readonly() as session:
            user = directory.load_user(session, actor_username)
            search = Search(user, search_length, now, start, start + timedelta(days=days))
            if instrument_code is not None:
                candidates = [directory.load_instrument(session, instrument_code)]
            else:
                candidates = category_instruments(session, user, category or "")
            occupancy = load_occupancy(session, search, candidates)
            if instrument_code is not None:
                refuse_unless_bookable(session, search, candidates[0], occupancy)
        per = [free_slots(i, search, occupancy, per_instrument) for i in candidates]
        slots = [slot for found in per for slot in found]
        return sorted(slots, key=slot_order)[:limit]


def slot_order(slot: SlotRecord) -> tuple[datetime, bool, str, str]:
    """By start, then the user's own institution first, then institution and instrument code."""
    return (slot.starts_at, not slot.own_institution, slot.institution_code, slot.instrument_code)


def check_search(length: timedelta, days: int, limit: int, per_instrument: int) -> timedelta:
    if length <= timedelta(0) or length % timedelta(minutes=1):
        raise InputError("the length must be a positive whole number of minutes", "length")
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"days must be between 1 and {MAX_DAYS}", "days")
    if limit < 1 or per_instrument < 1:
        raise InputError("limit and per-instrument count must be at least 1", "limit")
    return length


def category_instruments(
    session: Session, user: UserRecord, category: str
) -> list[InstrumentRecord]:
    """Instruments of the category, anywhere, whose status and access let `user` book."""
    if not user.active:
        require(Actor(user, frozenset()), Action.BOOK, Target(0, "", category))
    rows = session.scalars(
        select(Instrument)
        .options(*directory.INSTRUMENT_LOAD)
        .where(func.lower(Instrument.category) == category.strip().lower())
        .order_by(Instrument.id)
    ).all()
    records = (directory.instrument_record(row) for row in rows)
    return [i for i in records if i.status.bookable and policy_rules.may_access(user, i)]


def refuse_unless_bookable(
    session: Session, search: Search, instrument: InstrumentRecord, occupancy: Occupancy
) -> None:
    """Rules 1-3 refuse as booking would; a length no slot can have is bad input."""
    require(Actor(search.user, frozenset()), Action.BOOK, Target.of(instrument))
    policy_rules.check_status(instrument)
    policy_rules.check_access(search.user, instrument)
    lo, hi = search.start_range(instrument)
    if instrument.policy.requires_training and not intersect(
        occupancy.trained.get(instrument.id, []), [(lo, max(hi, lo + TICK))]
    ):
        booking_checks.check_training(
            session, Proposal(search.user, instrument, lo, lo + search.length)
        )
    if not search.fits_length(instrument):
        policy = instrument.policy
        quota = policy.weekly_quota_minutes
        raise InputError(
            f"{instrument.code} takes bookings of {policy.min_minutes}-{policy.max_minutes} "
            f"minutes in steps of {policy.slot_minutes}"
            + (f", at most {quota} minutes a week" if quota is not None else "")
            + f"; {search.minutes} minutes fits none",
            "length",
        )


def load_occupancy(
    session: Session, search: Search, instruments: Sequence[InstrumentRecord]
) -> Occupancy:
    """Bookings, downtime, training and quota usage for every candidate: one query each."""
    occupancy = Occupancy(busy={}, trained={}, quota_used={})
    ranges = [search.start_range(i) for i in instruments]
    ranges = [(lo, hi) for lo, hi in ranges if lo < hi]
    if not ranges:
        return occupancy
    lo = min(r[0] for r in ranges)
    hi = max(r[1] for r in ranges) + search.length
    ids = [i.id for i in instruments]
    busy: defaultdict[int, list[Interval]] = defaultdict(list)
    for model, extra in ((Booking, [Booking.status.in_(ACTIVE_BOOKING_STATUSES)]), (Downtime, [])):
        rows = session.execute(
            select(model.instrument_id, model.starts_at, model.ends_at).where(
                model.instrument_id.in_(ids), model.starts_at < hi, model.ends_at > lo, *extra
            )
        ).all()
        for instrument_id, starts_at, ends_at in rows:
            busy[instrument_id].append((starts_at, ends_at))
    occupancy.busy = {k: policy_rules.merge(v) for k, v in busy.items()}

    trained_ids = [i.id for i in instruments if i.policy.requires_training]
    if trained_ids:
        records: defaultdict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
        for instrument_id, trained_at, expires_at in session.execute(
            select(
                TrainingRecord.instrument_id, TrainingRecord.trained_at, TrainingRecord.expires_at
            ).where(
                TrainingRecord.user_id == search.user.id,
                TrainingRecord.instrument_id.in_(trained_ids),
                TrainingRecord.level == TrainingLevel.INDEPENDENT,
                TrainingRecord.revoked_at.is_(None),
            )
        ).all():
            records[instrument_id].append((trained_at, expires_at))
        occupancy.trained = {k: training_ranges(v, search.length) for k, v in records.items()}

    quota_zones = {
        i.id: i.timezone for i in instruments if i.policy.weekly_quota_minutes is not None
    }
    if quota_zones:
        # Quota weeks are local Monday-to-Monday; eight days either side covers any zone.
        for instrument_id, starts_at, ends_at in session.execute(
            select(Booking.instrument_id, Booking.starts_at, Booking.ends_at).where(
                Booking.user_id == search.user.id,
                Booking.instrument_id.in_(list(quota_zones)),
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.starts_at >= lo - timedelta(days=8),
                Booking.starts_at < hi + timedelta(days=8),
            )
        ).all():
            week = policy_rules.quota_week(starts_at, quota_zones[instrument_id])[0]
            minutes = int((ends_at - starts_at).total_seconds() // 60)
            key = (instrument_id, week)
            occupancy.quota_used[key] = occupancy.quota_used.get(key, 0) + minutes
    return occupancy

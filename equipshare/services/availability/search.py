"""Availability search: the earliest free slots a user could book, on one instrument or a category.

One instrument: its occupancy is read once per kind of row (bookings, downtime, training,
quota usage) and the rest is interval arithmetic on free gaps (availability_slots). A
category: the database picks the instruments the user may book, and they are searched
earliest-possible first until no other could change the answer (availability_category),
so the cost follows the answer's size rather than the catalogue's. Each returned slot
passes rules 1-6 for the asking user, as `checks.check_all` would judge them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from equipshare.domain.errors import InputError
from equipshare.domain.records.instruments.catalogue import InstrumentRecord, SlotRecord
from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.domain.rules import policy_rules
from equipshare.domain.rules.permissions import Action, Actor, Target, require
from equipshare.domain.time.availability_intervals import FOREVER, TICK, intersect, next_on_grid
from equipshare.domain.time.recurrence import occurrences
from equipshare.services.availability.category import search_category
from equipshare.services.availability.slots import (
    Occupancy,
    Search,
    allowed_starts,
    free_slots,
    load_occupancy,
    slot_order,
    slot_record,
)
from equipshare.services.bookings import checks
from equipshare.services.bookings.proposal import Proposal
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext

__all__ = [
    "MAX_DAYS",
    "AvailabilityService",
    "Occupancy",
    "Search",
    "free_slots",
    "load_occupancy",
    "slot_order",
]

MAX_DAYS = 366
#: The most first starts a series search tries, nearest first, before it gives up.
MAX_SERIES_TRIES = 3000
#: How many of a category search's slots one instrument may take, unless the caller says.
CATEGORY_SHARE = 3


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
        per_instrument: int | None = None,
    ) -> list[SlotRecord]:
        """Earliest slots by start, then own institution first, institution and instrument code.

        For an instrument code, a rule that rules out every slot (status, access,
        training) is raised; for a category, instruments the user may not book are skipped.
        `per_instrument` caps one instrument's share of a category's slots (default
        CATEGORY_SHARE, so one free instrument does not fill the list); one instrument's
        own search returns up to `limit` unless it is given.
        """
        if (instrument_code is None) == (category is None):
            raise InputError("search one instrument code or one category, not both or neither")
        share = per_instrument or (CATEGORY_SHARE if category is not None else limit)
        search_length = check_search(length, days, limit, share)
        now = self._clock.now()
        start = now if window_start is None else policy_rules.as_utc(window_start, "from")
        with self._db.reads() as session:
            user = row_records.load_user(session, actor_username)
            search = Search(user, search_length, now, start, start + timedelta(days=days))
            if category is not None:
                return search_category(session, search, category, limit, share)
            instrument = row_records.load_instrument(session, instrument_code or "")
            occupancy = load_occupancy(session, search, [instrument])
            refuse_unless_bookable(session, search, instrument, occupancy)
        return free_slots(instrument, search, occupancy, min(share, limit))

    def series_slots(
        self,
        actor_username: str,
        request: BookingRequest,
        rule: RecurrenceRule,
        count: int,
    ) -> list[SlotRecord]:
        """First occurrences, nearest the asked-for start (two days before to a week after),
        from which every occurrence of the series is free for the user; never the asked-for
        start itself. Each slot is the series' first booking."""
        length = request.ends_at - request.starts_at
        wanted = policy_rules.as_utc(request.starts_at, "start")
        now = self._clock.now()
        with self._db.reads() as session:
            user = row_records.load_user(session, actor_username)
            instrument = row_records.load_instrument(session, request.instrument_code)
            tz = instrument.timezone
            last_start = occurrences(wanted, wanted + length, rule, tz)[-1][0]
            window = (wanted - timedelta(days=2), last_start + timedelta(days=8))
            search = Search(user, length, now, *window)
            occupancy = load_occupancy(session, search, [instrument])
            refuse_unless_bookable(session, search, instrument, occupancy)
        lo, hi = search.start_range(instrument)
        allowed = allowed_starts(instrument, search, occupancy, lo, hi)
        near = intersect(allowed, [(wanted - timedelta(days=2), wanted + timedelta(days=7))])
        step = instrument.policy.slot_minutes
        firsts = [start for a, b in near for start in _grid_starts(a, b, tz, step)]
        firsts.sort(key=lambda start: (abs(start - wanted), start))
        found: list[SlotRecord] = []
        for start in firsts[:MAX_SERIES_TRIES]:
            if len(found) >= count:
                break
            end = start + length
            if start == wanted or any(s.starts_at < end and start < s.ends_at for s in found):
                continue  # the asked-for start was refused; offer distinct times
            try:
                series = occurrences(start, end, rule, tz)
            except InputError:
                continue  # an until date before this first start
            if all(_within(each, allowed) for each, _ in series):
                found.append(slot_record(instrument, search.user, start, end))
        return found


def _grid_starts(lo: datetime, hi: datetime, tz: str, slot_minutes: int) -> Iterator[datetime]:
    """Every instant in [lo, hi) on the slot grid."""
    start = next_on_grid(lo, tz, slot_minutes)
    while start < hi:
        yield start
        start = next_on_grid(start + TICK, tz, slot_minutes)


def _within(instant: datetime, ranges: list[tuple[datetime, datetime]]) -> bool:
    """Whether `instant` lies in one of the sorted half-open `ranges`."""
    at = bisect.bisect_right(ranges, (instant, FOREVER)) - 1
    return at >= 0 and ranges[at][0] <= instant < ranges[at][1]


def check_search(length: timedelta, days: int, limit: int, per_instrument: int) -> timedelta:
    if length <= timedelta(0) or length % timedelta(minutes=1):
        raise InputError("the length must be a positive whole number of minutes", "length")
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"days must be between 1 and {MAX_DAYS}", "days")
    if limit < 1 or per_instrument < 1:
        raise InputError("limit and per-instrument count must be at least 1", "limit")
    return length


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
        checks.check_training(session, Proposal(search.user, instrument, lo, lo + search.length))
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

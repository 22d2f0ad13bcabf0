"""Three years of use for the synthetic national dataset: bookings, downtime, training and
waitlists, with term-time peaks, popular and idle instruments, and cross-institution sharing.

Times are whole minutes since the Unix epoch (UTC) so that millions of rows cost integer
arithmetic, not datetime objects; the writer formats them per engine. Each instrument's
bookings take distinct (day, two-hour block) cells of its weekday calendar, so no two of
them overlap, and the days an instrument is down hold none. The rest of what `equipshare
check` reads back holds too: only users the instrument's access level admits book it, a
booking that needs approval (another institution's user, or an instrument that says so) is
pending or was decided by the facility's staff, training-only instruments are booked by
trained users, and every booking was made by "now", within its horizon, at the rates in force
on its local date.
"""

from __future__ import annotations

import bisect
import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from bench.national.people import Facility, Instrument, Nation
from equipshare.domain.enums import UserClass
from equipshare.domain.money.charging import FrozenRates, billable_minutes, session_charge

EPOCH = date(1970, 1, 1)
LONDON = ZoneInfo("Europe/London")
BLOCKS = ((540, 1.2), (660, 1.0), (780, 1.1), (900, 0.7))  # local block starts, demand weight
MONTH_WEIGHT = (1.2, 1.2, 1.2, 0.9, 1.1, 1.1, 0.6, 0.6, 0.9, 1.2, 1.3, 1.0)
WEEKDAY_WEIGHT = (0.9, 1.1, 1.1, 1.0, 0.8)
MAX_PER_INSTRUMENT = 2_600

BOOKING_COLUMNS = (
    "id",
    "instrument_id",
    "user_id",
    "created_by_id",
    "technician_id",
    "starts_at",
    "ends_at",
    "status",
    "purpose",
    "project_code",
    "decided_by_id",
    "decided_at",
    "ical_uid",
    "sequence",
    "cancelled_at",
    "checked_in_at",
    "checked_out_at",
    "checked_in_by_id",
    "user_class",
    "hourly_rate_pence",
    "technician_rate_pence",
    "instrument_charge_pence",
    "technician_charge_pence",
    "created_at",
    "updated_at",
)
BOOKING_TIMES = frozenset(
    (
        "starts_at",
        "ends_at",
        "decided_at",
        "cancelled_at",
        "checked_in_at",
        "checked_out_at",
        "created_at",
        "updated_at",
    )
)
DOWNTIME_COLUMNS = (
    "id",
    "instrument_id",
    "starts_at",
    "ends_at",
    "reason",
    "description",
    "created_by_id",
    "ical_uid",
    "sequence",
    "created_at",
    "updated_at",
)
TRAINING_COLUMNS = (
    "id",
    "user_id",
    "instrument_id",
    "trainer_id",
    "level",
    "trained_at",
    "notes",
)
WAITLIST_COLUMNS = (
    "id",
    "instrument_id",
    "user_id",
    "starts_at",
    "ends_at",
    "status",
    "created_at",
)


def epoch_minutes(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


def first_day(now: datetime) -> date:
    """Three years of history and plans: from about 33 months ago to 90 days ahead."""
    today = now.date()
    return date(today.year - 3, today.month, 1) + timedelta(days=92)


@dataclass
class Calendar:
    """The weekdays of the window, their demand weights and their local-to-UTC offsets."""

    days: list[int]  # days since the epoch
    offsets: list[int]  # minutes to subtract from local time for UTC, per day
    cells: list[tuple[int, int]]  # (index into days, block start minute)
    cumulative: list[float]

    @classmethod
    def between(cls, first: date, last: date) -> Calendar:
        days, offsets = [], []
        day = first
        while day <= last:
            if day.weekday() < 5:
                days.append((day - EPOCH).days)
                noon = datetime(day.year, day.month, day.day, 12, tzinfo=LONDON)
                offset = noon.utcoffset()
                offsets.append(int(offset.total_seconds()) // 60 if offset else 0)
            day += timedelta(days=1)
        cells, weights = [], []
        for index, number in enumerate(days):
            day = EPOCH + timedelta(days=number)
            base = MONTH_WEIGHT[day.month - 1] * WEEKDAY_WEIGHT[day.weekday()]
            for start, weight in BLOCKS:
                cells.append((index, start))
                weights.append(base * weight)
        return cls(days, offsets, cells, list(accumulate(weights)))


@dataclass
class Usage:
    """Rows of the small tables, filled while bookings are streamed."""

    downtimes: list[tuple[object, ...]] = field(default_factory=list)
    training: list[tuple[object, ...]] = field(default_factory=list)
    waitlist: list[tuple[object, ...]] = field(default_factory=list)
    bookings: int = 0


def per_popularity(popularities: list[float], bookings: int) -> float:
    """Bookings per unit of popularity such that, with the busiest instruments held to
    MAX_PER_INSTRUMENT, the instruments still ask for `bookings` in all (water-filling):
    the Pareto tail's excess goes to the rest instead of being lost."""
    ordered = sorted(popularities, reverse=True)
    rest = sum(ordered)
    for capped, popularity in enumerate(ordered):
        share = (bookings - capped * MAX_PER_INSTRUMENT) / rest
        if popularity * share <= MAX_PER_INSTRUMENT:
            return share
        rest -= popularity
    return MAX_PER_INSTRUMENT / ordered[-1]  # every instrument at the cap


class UsagePlanner:
    """Streams bookings instrument by instrument; fills `usage` with the rest as it goes."""

    def __init__(self, rng: random.Random, nation: Nation, bookings: int, now: datetime) -> None:
        self.rng = rng
        self.nation = nation
        self.now = epoch_minutes(now)
        self.first_day = first_day(now)
        # to 89 days ahead, so that every future booking was made within its 90 days' horizon
        self.calendar = Calendar.between(self.first_day, now.date() + timedelta(days=89))
        self.per_popularity = per_popularity([i.popularity for i in nation.instruments], bookings)
        self.usage = Usage()
        self._next_booking = 1

    def bookings(self) -> Iterator[tuple[object, ...]]:
        for instrument in self.nation.instruments:
            yield from self._instrument(instrument)

    def _community(self, instrument: Instrument, size: int) -> list[int]:
        rng, nation = self.rng, self.nation
        host = nation.institutions[instrument.institution_id - 1]
        others = nation.admitted[instrument.access]  # only those its access level admits
        members = []
        for _ in range(size):
            if rng.random() < 0.8 or not others:
                members.append(rng.choice(host.user_ids))
            else:
                other = rng.choice(others)
                members.append(rng.choice(other.user_ids))
        return members

    def _instrument(self, instrument: Instrument) -> Iterator[tuple[object, ...]]:
        rng, calendar, usage = self.rng, self.calendar, self.usage
        facility = self.nation.facilities[instrument.facility_id - 1]
        technicians = facility.approvers
        wanted = min(MAX_PER_INSTRUMENT, round(instrument.popularity * self.per_popularity))
        community = self._community(instrument, min(80, 4 + wanted // 12))
        if instrument.requires_training:
            for user_id in sorted(set(community)):
                trained = calendar.days[0] * 1440 - rng.randrange(30, 900) * 1440
                usage.training.append(
                    (
                        len(usage.training) + 1,
                        user_id,
                        instrument.id,
                        technicians[0],
                        "independent",
                        trained,
                        "",
                    )
                )
        down_days: set[int] = set()
        for _ in range(rng.choice((0, 1, 2, 3, 4, 6))):
            index = rng.randrange(len(calendar.days) - 3)
            length = rng.choice((1, 1, 2, 3))
            down_days.update(range(index, index + length))
            start = calendar.days[index] * 1440 + 480 - calendar.offsets[index]
            end = calendar.days[index + length - 1] * 1440 + 1080 - calendar.offsets[index]
            made = start - rng.randrange(2, 30) * 1440
            reason = rng.choice(("maintenance", "calibration", "repair", "engineer_visit"))
            usage.downtimes.append(
                (
                    len(usage.downtimes) + 1,
                    instrument.id,
                    start,
                    end,
                    reason,
                    f"{reason} of instrument {instrument.id}",
                    technicians[-1],
                    f"d{len(usage.downtimes) + 1}@bench",
                    0,
                    made,
                    made,
                )
            )
        cells: set[int] = set()
        total = calendar.cumulative[-1]
        for _ in range(wanted * 2):
            if len(cells) >= wanted:
                break
            cells.add(bisect.bisect(calendar.cumulative, rng.random() * total))
        for cell in sorted(cells):
            index, block = calendar.cells[min(cell, len(calendar.cells) - 1)]
            if index in down_days:
                continue
            yield self._booking(instrument, facility, technicians, community, index, block)

    def _booking(
        self,
        instrument: Instrument,
        facility: Facility,
        technicians: list[int],
        community: list[int],
        index: int,
        block: int,
    ) -> tuple[object, ...]:
        rng, calendar, nation = self.rng, self.calendar, self.nation
        booking_id = self._next_booking
        self._next_booking += 1
        self.usage.bookings += 1
        shift = 30 if rng.random() < 0.25 else 0
        minutes = rng.choice((60, 60, 90)) if shift else rng.choice((60, 90, 120, 120))
        start = calendar.days[index] * 1440 + block + shift - calendar.offsets[index]
        end = start + minutes
        user_id = community[int(len(community) * rng.random() ** 2)]
        created = start - rng.randrange(60, 40 * 1440)
        if created >= self.now:  # made by now, within the 90 days' horizon of its start
            created = self.now - 1 - booking_id % 600
        needs_approval = (
            instrument.requires_approval
            or nation.user_institution[user_id] != instrument.institution_id
        )
        decision = created + min(600, (min(start, self.now) - created) // 2)
        user_class = nation.user_class(user_id, instrument)
        hourly, technician_rate = _rates_on(instrument, user_class, created)
        technician = rng.choice(technicians) if rng.random() < 0.12 else None
        rates = FrozenRates(user_class, hourly, technician_rate)
        price = session_charge(minutes, rates, assisted=technician is not None)
        check_in = facility.requires_check_in
        actual = facility.actual_time
        status, charge = "confirmed", price
        cancelled = decided = checked_in = checked_out = decider = None
        roll = rng.random()
        if end <= self.now:
            status = "completed"
            if roll < 0.08:
                status = "cancelled"
                cancelled = created + int((start - created) * rng.uniform(0.3, 0.995))
                late = cancelled > start - facility.free_hours * 60
                charge = price.percent(facility.late_percent) if late else price.percent(0)
            elif roll < 0.10 and check_in:
                status = "no_show"
            elif roll < 0.13 and needs_approval:
                status, charge = "rejected", price.percent(0)
                decided, decider = decision, technicians[0]
            elif check_in or actual:
                checked_in = start + rng.randrange(0, 11)
                checked_out = end - rng.randrange(0, 21)
                if actual:
                    used = billable_minutes(_instant(checked_in), _instant(checked_out))
                    charge = session_charge(used, rates, assisted=technician is not None)
        elif needs_approval and roll < 0.3:
            status = "pending"
        elif roll < 0.05:
            status = "cancelled"
            cancelled = min(self.now, created + 1440)
            charge = price.percent(0)
        if needs_approval and status in ("confirmed", "completed", "no_show"):
            decided, decider = decision, technicians[0]
        if status in ("confirmed", "pending") and start > self.now and rng.random() < 0.02:
            waiting = community[rng.randrange(len(community))]
            self.usage.waitlist.append(
                (
                    len(self.usage.waitlist) + 1,
                    instrument.id,
                    waiting,
                    start,
                    end,
                    "waiting",
                    min(created + 60, self.now),
                )
            )
        return (
            booking_id,
            instrument.id,
            user_id,
            user_id,
            technician,
            start,
            end,
            status,
            "",
            f"GR-{user_id % 20_000:05d}",
            decider,
            decided,
            f"b{booking_id}@bench",
            0,
            cancelled,
            checked_in,
            checked_out,
            user_id if checked_in else None,
            user_class.value,
            hourly,
            technician_rate,
            charge.instrument_pence,
            charge.technician_pence,
            created,
            cancelled or decided or created,
        )


def _rates_on(instrument: Instrument, user_class: UserClass, created: int) -> tuple[int, int]:
    """The cards in force on the local date of booking, as the booking service prices it."""
    day = EPOCH + timedelta(days=(created + _london_offset(created // 1440)) // 1440)
    hourly, technician = instrument.rates[user_class][0][1:]
    for valid_from, card_hourly, card_technician in instrument.rates[user_class]:
        if valid_from <= day:
            hourly, technician = card_hourly, card_technician
    return hourly, technician


@functools.cache
def _london_offset(day: int) -> int:
    """Minutes London is ahead of UTC at the start of UTC day `day` (since the epoch)."""
    offset = _instant(day * 1440).astimezone(LONDON).utcoffset()
    return int(offset.total_seconds()) // 60 if offset else 0


def _instant(minutes: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)

"""Demo money and use: facility charging policies, a mid-span price rise, and each booking's
frozen rates, check-in/out times and charges, worked out as the booking service would.

It draws from its own random streams (derived from the seed), so the consortium and the
booking pattern stay what they were before charging existed; the same seed still gives
the same database.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from equipshare.demo.calendar import (
    LONDON,
    ChargingPolicy,
    DemoCalendar,
    Person,
    PlannedInstrument,
    Row,
)
from equipshare.domain.enums import BookingStatus, ChargeBasis, UserClass
from equipshare.domain.money.charging import (
    FREE,
    Charge,
    FrozenRates,
    billable_minutes,
    is_late_cancellation,
    pence_of,
    session_charge,
    user_class_for,
)

# Imaging centres log scanner use, so users must check in; a cleanroom bills the time used.
CHECK_IN_FACILITIES = frozenset({"MEG", "MRI", "CLEAN"})
ACTUAL_TIME_FACILITIES = frozenset({"CLEAN"})
CHECK_IN_SHARE = 0.2  # of the other facilities
ACTUAL_SHARE = 0.03
FREE_HOURS = (24, 24, 24, 48, 12)
LATE_PERCENT = (50, 50, 50, 100, 0)
# Rate cards of this share of instruments rise on the first of a month inside the span.
RISE_SHARE = 0.35
RISES = ("1.03", "1.04", "1.05", "1.06", "1.08")
PENNY = Decimal("0.01")
LATE_CANCEL_SHARE = 0.3  # of cancellations, made in the last hours before the start
VOLUNTARY_CHECK_IN = 0.15  # where check-in is optional, some users check in anyway
FORGOT_CHECK_OUT = 0.08


def charging_rng(calendar: DemoCalendar, stream: str) -> random.Random:
    """A random stream of its own per purpose, fixed by the seed (str seeds hash stably)."""
    return random.Random(f"{stream}:{calendar.seed}")


def facility_policy(rng: random.Random, key: str) -> ChargingPolicy:
    """Most facilities bill the booked time with a 24-hour window; some differ, as in life."""
    actual = key in ACTUAL_TIME_FACILITIES or rng.random() < ACTUAL_SHARE
    check_in = actual or key in CHECK_IN_FACILITIES or rng.random() < CHECK_IN_SHARE
    if key == "MEG":  # Calpendo-style fixed blocks: two days' notice, no-shows pay in full
        free_hours, percent = 48, 100
    else:
        free_hours, percent = rng.choice(FREE_HOURS), rng.choice(LATE_PERCENT)
    return ChargingPolicy(
        charge_basis=ChargeBasis.ACTUAL if actual else ChargeBasis.BOOKED,
        free_cancellation_hours=free_hours,
        late_cancellation_percent=percent,
        requires_check_in=check_in,
    )


def policy_columns(policy: ChargingPolicy) -> Row:
    return {
        "charge_basis": policy.charge_basis.value,
        "free_cancellation_hours": policy.free_cancellation_hours,
        "late_cancellation_percent": policy.late_cancellation_percent,
        "requires_check_in": policy.requires_check_in,
    }


def rate_rise_day(calendar: DemoCalendar) -> date:
    """The first of a month some weeks back, so bookings made either side of it exist."""
    return (calendar.monday - timedelta(weeks=4)).replace(day=1)


def add_rate_rise(
    rng: random.Random, calendar: DemoCalendar, instrument: PlannedInstrument, rows: list[Row]
) -> None:
    """Maybe a new rate card for every class from the rise day, a few percent dearer."""
    if rng.random() >= RISE_SHARE:
        return
    factor = Decimal(rng.choice(RISES))
    day = rate_rise_day(calendar)
    for user_class, points in list(instrument.prices.items()):
        if points[-1][0] >= day:  # the year's card came later; a rise now would undo it
            continue
        _, hourly, technician = points[-1]
        new_hourly = (Decimal(hourly) * factor / 100).quantize(PENNY)
        new_technician = (Decimal(technician) * factor / 100).quantize(PENNY)
        add_price(instrument, user_class, day, new_hourly, new_technician, rows)


def add_price(
    instrument: PlannedInstrument,
    user_class: UserClass,
    valid_from: date,
    hourly: Decimal,
    technician: Decimal,
    rows: list[Row],
) -> None:
    """A rate card row, remembered in pence on the instrument for pricing its bookings."""
    rows.append(
        {
            "id": len(rows) + 1,
            "instrument_id": instrument.id,
            "user_class": user_class.value,
            "currency": "GBP",
            "valid_from": valid_from,
            "hourly_rate": hourly,
            "technician_hourly_rate": technician,
        }
    )
    points = instrument.prices.setdefault(user_class, [])
    points.append((valid_from, pence_of(hourly), pence_of(technician)))
    points.sort()


def frozen_rates(instrument: PlannedInstrument, user: Person, created: datetime) -> FrozenRates:
    """The user's class and the card in force on the local day the booking was made."""
    host = instrument.facility.institution
    user_class = user_class_for(
        same_institution=user.institution is host,
        partner=user.institution.is_partner,
        sector=user.institution.sector,
    )
    points = instrument.prices.get(user_class, [])
    if len(points) == 1 and points[0][0] < created.date() - timedelta(days=1):
        in_force = points  # in force whatever the zone: skip the slower local-date work
    else:
        day = created.astimezone(LONDON).date()
        in_force = [p for p in points if p[0] <= day]
    if not in_force:
        return FrozenRates(user_class, None, None)
    return FrozenRates(user_class, in_force[-1][1], in_force[-1][2])


class UsePlanner:
    """Fills a planned booking row with its frozen price, check-in/out and charges."""

    def __init__(self, calendar: DemoCalendar) -> None:
        self.calendar = calendar
        self.rng = charging_rng(calendar, "use")

    def cancelled_at(
        self, instrument: PlannedInstrument, created: datetime, start: datetime, settled: datetime
    ) -> datetime:
        """Most cancel well ahead; some inside the facility's free window, and pay for it."""
        if self.rng.random() >= LATE_CANCEL_SHARE:
            return settled
        window = instrument.facility.policy.free_cancellation_hours * 60 or 120
        moment = start - timedelta(minutes=self.rng.randint(20, max(20, window - 10)))
        return min(max(moment, created + timedelta(minutes=1)), self.calendar.now, start)

    def price(self, row: Row, instrument: PlannedInstrument, user: Person) -> None:
        """Set the rates and charges columns of `row` (and check-in/out where it happened)."""
        start, end = row["starts_at"], row["ends_at"]
        status = BookingStatus(row["status"])
        rates = frozen_rates(instrument, user, row["created_at"])
        assisted = row["technician_id"] is not None
        booked = session_charge(billable_minutes(start, end), rates, assisted=assisted)
        policy = instrument.facility.policy
        charge = booked
        if status in (BookingStatus.COMPLETED, BookingStatus.CONFIRMED) and start < (
            self.calendar.now
        ):
            self._use(row, policy, end)
            if policy.charge_basis is ChargeBasis.ACTUAL and row["checked_in_at"] is not None:
                used_to = row["checked_out_at"] or end
                if status is BookingStatus.COMPLETED or row["checked_out_at"] is not None:
                    minutes = billable_minutes(row["checked_in_at"], used_to)
                    charge = session_charge(minutes, rates, assisted=assisted)
        elif status is BookingStatus.REJECTED:
            charge = FREE
        elif status is BookingStatus.CANCELLED:
            late = is_late_cancellation(start, row["cancelled_at"], policy.free_cancellation_hours)
            charge = booked.percent(policy.late_cancellation_percent) if late else FREE
        row.update(
            user_class=rates.user_class.value,
            hourly_rate_pence=rates.hourly_rate_pence,
            technician_rate_pence=rates.technician_rate_pence,
            **_charge_columns(charge),
        )

    def _use(self, row: Row, policy: ChargingPolicy, end: datetime) -> None:
        """A few minutes late in, a little early out; ongoing sessions are not out yet."""
        rng, now = self.rng, self.calendar.now
        if not policy.requires_check_in and rng.random() >= VOLUNTARY_CHECK_IN:
            return
        start = row["starts_at"]
        late = timedelta(minutes=rng.choice((0, 1, 2, 3, 5, 5, 8, 12, 20)))
        checked_in = min(start + min(late, (end - start) / 4), now - timedelta(minutes=1))
        row["checked_in_at"] = checked_in
        row["checked_in_by_id"] = row["technician_id"] or row["user_id"]
        if end > now or rng.random() < FORGOT_CHECK_OUT:
            return
        early = timedelta(minutes=rng.choice((0, 0, 2, 5, 10, 15, 30)))
        row["checked_out_at"] = end - min(early, (end - checked_in) / 2)


def _charge_columns(charge: Charge) -> Row:
    return {
        "instrument_charge_pence": charge.instrument_pence,
        "technician_charge_pence": charge.technician_pence,
    }


# The columns `price` fills, in COPY's column order; every row starts with them unset.
UNPRICED: Row = {
    "cancelled_at": None,
    "checked_in_at": None,
    "checked_out_at": None,
    "checked_in_by_id": None,
    "user_class": None,
    "hourly_rate_pence": None,
    "technician_rate_pence": None,
    "instrument_charge_pence": 0,
    "technician_charge_pence": 0,
}

"""The demo seed keeps every rule the engine checks: no clash, training, access, hours,
slots, quotas, and charges that are what the frozen rates say."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument, OpeningHours, User
from equipshare.db.models.charging import RateCard
from equipshare.demo.seeding import plan_demo
from equipshare.domain.enums import UserClass
from equipshare.domain.money.charging import (
    FREE,
    Charge,
    FrozenRates,
    billable_minutes,
    is_late_cancellation,
    pence_of,
    session_charge,
)
from tests.demo.demo_world import (
    DAY_START,
    HELD,
    HELD_STATUSES,
    LONDON,
    NOW,
    SEED,
    Seeded,
)

pytestmark = pytest.mark.slow


# Each query counts rows that break one rule the booking engine and `equipshare check` rely on.
_OVERLAP = "a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"


_BOTH_HELD = f"a.status IN {HELD} AND b.status IN {HELD}"


_HOST = "JOIN instruments i ON i.id = b.instrument_id JOIN facilities f ON f.id = i.facility_id"


_FACILITY_TECHNICIAN = (
    "SELECT 1 FROM facility_staff s WHERE s.facility_id = i.facility_id "
    "AND s.role = 'technician' AND s.user_id = "
)


BROKEN_RULES = {
    "active bookings overlap on an instrument": "SELECT count(*) FROM bookings a JOIN bookings b "
    f"ON a.instrument_id = b.instrument_id AND {_OVERLAP} WHERE {_BOTH_HELD}",
    "a booking falls in a downtime": "SELECT count(*) FROM bookings b JOIN downtimes d "
    "ON d.instrument_id = b.instrument_id AND b.starts_at < d.ends_at AND d.starts_at < b.ends_at",
    "an untrained user books alone": f"SELECT count(*) FROM bookings b {_HOST} "
    "WHERE i.requires_training AND b.technician_id IS NULL AND NOT EXISTS ("
    " SELECT 1 FROM training_records t WHERE t.user_id = b.user_id"
    " AND t.instrument_id = b.instrument_id AND t.level = 'independent'"
    " AND t.trained_at <= b.starts_at AND t.revoked_at IS NULL"
    " AND (t.expires_at IS NULL OR t.expires_at >= b.ends_at))",
    "an assisting technician is not the facility's": f"SELECT count(*) FROM bookings b {_HOST} "
    f"WHERE b.technician_id IS NOT NULL AND NOT EXISTS ({_FACILITY_TECHNICIAN} b.technician_id)",
    "a technician assists twice at once": "SELECT count(*) FROM bookings a JOIN bookings b "
    f"ON a.technician_id = b.technician_id AND {_OVERLAP} WHERE {_BOTH_HELD}",
    "a user is at two attended instruments at once": "SELECT count(*) FROM bookings a "
    f"JOIN bookings b ON a.user_id = b.user_id AND {_OVERLAP} "
    "JOIN instruments ia ON ia.id = a.instrument_id JOIN instruments ib ON ib.id = b.instrument_id "
    f"WHERE {_BOTH_HELD} AND NOT ia.allow_overnight AND NOT ib.allow_overnight",
    "the access level refuses the user": f"SELECT count(*) FROM bookings b {_HOST} "
    "JOIN users u ON u.id = b.user_id JOIN institutions g ON g.id = u.institution_id "
    "WHERE g.id <> f.institution_id AND (i.access_level = 'institution' "
    " OR (i.access_level = 'consortium' AND NOT g.is_partner)"
    " OR (i.access_level = 'external_academic' AND NOT g.is_partner"
    "     AND g.sector <> 'academic'))",
    "an inactive user books": "SELECT count(*) FROM bookings b JOIN users u ON u.id = b.user_id "
    "WHERE NOT u.active",
    "a trainer is not the facility's technician": "SELECT count(*) FROM training_records t "
    f"JOIN instruments i ON i.id = t.instrument_id WHERE NOT EXISTS ({_FACILITY_TECHNICIAN} "
    "t.trainer_id)",
    "a contact is not the facility's technician": "SELECT count(*) FROM instruments i "
    f"WHERE NOT EXISTS ({_FACILITY_TECHNICIAN} i.contact_technician_id)",
}


@pytest.mark.parametrize("rule", BROKEN_RULES)
def test_no_row_breaks_a_booking_rule(seeded: Seeded, rule: str) -> None:
    assert seeded.scalar(BROKEN_RULES[rule]) == 0, rule


def test_the_rules_have_something_to_check(seeded: Seeded) -> None:
    stamp = f"'{NOW:%Y-%m-%d %H:%M:%S}'"
    under_way = f"SELECT count(*) FROM downtimes WHERE starts_at <= {stamp} AND ends_at > {stamp}"
    assisted = "SELECT count(*) FROM bookings WHERE technician_id IS NOT NULL"
    # A released (cancelled or rejected) slot may be booked again by someone else.
    rebooked = (
        f"SELECT count(*) FROM bookings a JOIN bookings b USING (instrument_id) WHERE {_OVERLAP}"
    )
    assert seeded.scalar(under_way) >= 1 and seeded.scalar(assisted) > 500
    assert seeded.scalar(rebooked) > 0


def test_a_believable_share_of_bookings_cross_institutions(seeded: Seeded) -> None:
    cross = seeded.scalar(
        "SELECT count(*) FROM bookings b JOIN users u ON u.id = b.user_id "
        "JOIN instruments i ON i.id = b.instrument_id JOIN facilities f ON f.id = i.facility_id "
        "WHERE u.institution_id <> f.institution_id"
    )
    assert cross == seeded.summary.cross_institution_bookings
    assert 0.18 <= cross / seeded.summary.bookings <= 0.32


def _rule_breaches(
    bookings: Sequence[Mapping[str, Any]],
    instruments: Sequence[Mapping[str, Any]],
    opening_hours: Sequence[Mapping[str, Any]],
) -> list[str]:
    """Bookings off the slot grid, outside min/max length or outside local opening hours."""
    policy = {i["id"]: i for i in instruments}
    hours: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for h in opening_hours:
        hours[h["instrument_id"]][h["weekday"]] = (h["opens_minute"], h["closes_minute"])
    breaches = []
    for b in bookings:
        rules, open_days = policy[b["instrument_id"]], hours.get(b["instrument_id"])
        minutes = int((b["ends_at"] - b["starts_at"]).total_seconds()) // 60  # elapsed, in UTC
        start, end = b["starts_at"].astimezone(LONDON), b["ends_at"].astimezone(LONDON)
        first, last = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        slot, shortest, longest = (rules[k] for k in ("slot_minutes", "min_minutes", "max_minutes"))
        if not shortest <= minutes <= longest or minutes % slot or first % slot:
            breaches.append(f"{rules['code']} {start} {minutes} min is off the slot grid")
        elif open_days is not None:
            opens, closes = open_days.get(start.weekday(), (0, 0))
            if start.date() != end.date() or not opens <= first < last <= closes:
                breaches.append(f"{rules['code']} {start}-{end} is outside opening hours")
    return breaches


def test_bookings_keep_to_slots_lengths_and_opening_hours(seeded: Seeded) -> None:
    bookings = seeded.rows(select(Booking.instrument_id, Booking.starts_at, Booking.ends_at))
    instruments = seeded.rows(select(Instrument.__table__))
    hours = seeded.rows(select(OpeningHours.__table__))
    assert (
        _rule_breaches(*([r._mapping for r in rows] for rows in (bookings, instruments, hours)))
        == []
    )


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 3, 20, 12, tzinfo=UTC), datetime(2026, 10, 20, 12, tzinfo=UTC)],
    ids=["spring-forward", "fall-back"],
)
def test_clock_changes_inside_the_span_keep_bookings_in_hours(now: datetime) -> None:
    plan = plan_demo(SEED, now, "jane.doe")
    offsets = {(now + timedelta(weeks=w)).astimezone(LONDON).utcoffset() for w in (-8, 8)}
    assert len(offsets) == 2, "the span must cross a clock change"
    rows = (plan.rows(Booking), plan.rows(Instrument), plan.rows(OpeningHours))
    assert _rule_breaches(*rows) == []


def test_quota_and_project_codes_hold_on_the_meg_style_lab(seeded: Seeded) -> None:
    rows = seeded.rows(
        select(Booking, Instrument.weekly_quota_minutes.label("quota"))
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .where(Instrument.weekly_quota_minutes.is_not(None), Booking.status.in_(HELD_STATUSES))
    )
    used: dict[tuple[int, int, date], int] = defaultdict(int)
    for b in rows:
        day = b.starts_at.astimezone(LONDON).date()
        week = (b.instrument_id, b.user_id, day - timedelta(days=day.weekday()))
        used[week] += int((b.ends_at - b.starts_at).total_seconds()) // 60
        assert b.project_code
    assert rows and max(used.values()) <= min(b.quota for b in rows)


def _priced_bookings(seeded: Seeded) -> list[Any]:
    """Every booking with its facility's charging policy and the classes' facts, one query."""
    user_institution = Institution.__table__.alias("guest")
    return seeded.rows(
        select(
            Booking,
            Facility.charge_basis,
            Facility.free_cancellation_hours,
            Facility.late_cancellation_percent,
            Facility.requires_check_in,
            Facility.institution_id.label("host_id"),
            user_institution.c.id.label("guest_id"),
            user_institution.c.is_partner,
            user_institution.c.sector,
        )
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .join(User, User.id == Booking.user_id)
        .join(user_institution, user_institution.c.id == User.institution_id)
    )


def _expected_charge(b: Any) -> Charge:
    """The contract's rule for what a booking costs now, from its frozen rates and status."""
    rates = FrozenRates(UserClass(b.user_class), b.hourly_rate_pence, b.technician_rate_pence)
    assisted = b.technician_id is not None
    booked = session_charge(billable_minutes(b.starts_at, b.ends_at), rates, assisted=assisted)
    if b.status == "rejected":
        return FREE
    if b.status == "cancelled":
        late = is_late_cancellation(b.starts_at, b.cancelled_at, b.free_cancellation_hours)
        return booked.percent(b.late_cancellation_percent) if late else FREE
    used = b.checked_in_at is not None and (b.checked_out_at or b.status == "completed")
    if b.charge_basis == "actual" and used:
        minutes = billable_minutes(b.checked_in_at, b.checked_out_at or b.ends_at)
        return session_charge(minutes, rates, assisted=assisted)
    return booked  # pending, confirmed, no-shows (in full) and booked-time facilities


def test_every_charge_is_what_the_frozen_rates_and_status_give(seeded: Seeded) -> None:
    rows = _priced_bookings(seeded)
    wrong = [
        (b.id, b.status, (b.instrument_charge_pence, b.technician_charge_pence), expected)
        for b in rows
        if Charge(b.instrument_charge_pence, b.technician_charge_pence)
        != (expected := _expected_charge(b))
    ]
    assert wrong == []
    assert all(b.hourly_rate_pence is not None for b in rows)  # every instrument has a card
    late_fees = [b for b in rows if b.status == "cancelled" and b.instrument_charge_pence > 0]
    free_cancels = [b for b in rows if b.status == "cancelled" and b.instrument_charge_pence == 0]
    actual = [b for b in rows if b.charge_basis == "actual" and b.checked_out_at is not None]
    assert len(late_fees) >= 20 and len(free_cancels) >= 100
    assert any(_expected_charge(b) != _booked(b) for b in actual)  # actual time differs


def _booked(b: Any) -> Charge:
    rates = FrozenRates(UserClass(b.user_class), b.hourly_rate_pence, b.technician_rate_pence)
    minutes = billable_minutes(b.starts_at, b.ends_at)
    return session_charge(minutes, rates, assisted=b.technician_id is not None)


def test_frozen_rates_are_the_cards_in_force_on_the_day_of_booking(seeded: Seeded) -> None:
    cards: dict[tuple[int, str], list[tuple[date, int, int]]] = defaultdict(list)
    for card in seeded.rows(select(RateCard).order_by(RateCard.valid_from)):
        cards[card.instrument_id, card.user_class].append(
            (card.valid_from, pence_of(card.hourly_rate), pence_of(card.technician_hourly_rate))
        )
    eras: dict[int, set[int]] = defaultdict(set)
    for b in _priced_bookings(seeded):
        if b.guest_id == b.host_id:
            expected_class = "internal"
        elif b.is_partner:
            expected_class = "partner"
        else:
            expected_class = "industry" if b.sector == "industry" else "external_academic"
        assert b.user_class == expected_class
        made = b.created_at.astimezone(LONDON).date()
        in_force = [c for c in cards[b.instrument_id, b.user_class] if c[0] <= made][-1]
        assert (b.hourly_rate_pence, b.technician_rate_pence) == in_force[1:]
        eras[b.instrument_id].add(b.hourly_rate_pence)
    # Bookings made before a rise keep the old price, later ones pay the new: both appear.
    assert sum(len(rates) > 1 for rates in eras.values()) >= 40


def test_policies_vary_and_use_is_recorded_where_it_is_required(seeded: Seeded) -> None:
    facilities = seeded.rows(select(Facility))
    assert {f.charge_basis for f in facilities} == {"booked", "actual"}
    assert 2 <= sum(f.charge_basis == "actual" for f in facilities) <= 6
    assert {f.free_cancellation_hours for f in facilities} == {12, 24, 48}
    assert {f.late_cancellation_percent for f in facilities} == {0, 50, 100}
    assert all(f.requires_check_in for f in facilities if f.charge_basis == "actual")
    rows = _priced_bookings(seeded)
    for b in rows:
        if b.status == "no_show":
            assert b.requires_check_in and b.checked_in_at is None
        if b.checked_in_at is not None:
            assert b.status in ("completed", "confirmed")
            assert b.starts_at <= b.checked_in_at < b.ends_at and b.checked_in_at < DAY_START
            assert b.checked_in_by_id in (b.user_id, b.technician_id)
        if b.checked_out_at is not None:
            assert b.checked_in_at < b.checked_out_at <= b.ends_at <= DAY_START
        if b.status == "completed" and b.requires_check_in:
            assert b.checked_in_at is not None
        assert (b.cancelled_at is not None) == (b.status == "cancelled")
        if b.cancelled_at is not None:
            assert b.created_at < b.cancelled_at <= min(DAY_START, b.starts_at)
    late_in = [b for b in rows if b.checked_in_at and b.checked_in_at > b.starts_at]
    early_out = [b for b in rows if b.checked_out_at and b.checked_out_at < b.ends_at]
    forgot = [
        b for b in rows if b.status == "completed" and b.checked_in_at and not b.checked_out_at
    ]
    assert min(len(late_in), len(early_out), len(forgot)) >= 10
    assert 10 <= sum(b.status == "no_show" for b in rows) <= 300

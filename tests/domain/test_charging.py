"""equipshare.domain.money.charging: whole pence, half-up rounding per part, totals are sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from equipshare.domain.enums import UserClass
from equipshare.domain.money.charging import (
    Charge,
    FrozenRates,
    billable_minutes,
    gbp,
    is_late_cancellation,
    money,
    pence_for,
    pence_of,
    percent_of,
    session_charge,
)

pence = st.integers(min_value=0, max_value=10_000_000)
percents = st.integers(min_value=0, max_value=100)
rates = st.builds(
    FrozenRates,
    st.sampled_from(list(UserClass)),
    st.one_of(st.none(), st.integers(min_value=0, max_value=100_000)),
    st.one_of(st.none(), st.integers(min_value=0, max_value=50_000)),
)
T = datetime(2026, 3, 16, 10, tzinfo=UTC)


def exact_half_up(numerator: Decimal) -> int:
    """The exact value rounded half up, worked out with Decimal (the oracle)."""
    return int(numerator.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


@given(minutes=st.integers(min_value=0, max_value=60 * 24 * 14), rate=pence)
def test_minutes_at_a_rate_round_half_up_to_the_penny(minutes: int, rate: int) -> None:
    assert pence_for(minutes, rate) == exact_half_up(Decimal(minutes * rate) / 60)


@given(amount=pence, percent=percents)
def test_percent_rounds_half_up(amount: int, percent: int) -> None:
    assert percent_of(amount, percent) == exact_half_up(Decimal(amount * percent) / 100)


@given(amount=pence)
def test_zero_and_a_hundred_percent(amount: int) -> None:
    assert percent_of(amount, 0) == 0
    assert percent_of(amount, 100) == amount
    charge = Charge(amount, amount // 3)
    assert charge.percent(100) == charge
    assert charge.percent(0).total_pence == 0


def test_halves_go_up() -> None:
    assert percent_of(1, 50) == 1  # half a penny rounds up
    assert percent_of(3, 50) == 2  # 1.5p -> 2p
    assert pence_for(1, 30) == 1  # one minute at 30p an hour is 0.5p -> 1p
    assert pence_for(1, 29) == 0  # 0.48p -> 0p


@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 7),
    rates=rates,
    assisted=st.booleans(),
    percent=percents,
)
def test_parts_always_sum_to_the_total(
    minutes: int, rates: FrozenRates, assisted: bool, percent: int
) -> None:
    charge = session_charge(minutes, rates, assisted=assisted)
    assert charge.total_pence == charge.instrument_pence + charge.technician_pence
    assert charge.instrument_pence == pence_for(minutes, rates.hourly_rate_pence or 0)
    if not assisted or rates.technician_rate_pence is None:
        assert charge.technician_pence == 0
    share = charge.percent(percent)
    assert share.total_pence == share.instrument_pence + share.technician_pence
    assert 0 <= share.total_pence <= charge.total_pence
    assert money(charge.total_pence) == money(charge.instrument_pence) + money(
        charge.technician_pence
    )


def test_an_unpriced_instrument_costs_nothing() -> None:
    free = FrozenRates(UserClass.INDUSTRY, None, None)
    assert not free.priced
    assert session_charge(600, free, assisted=True).total_pence == 0


def test_part_minutes_count_as_whole_ones() -> None:
    assert billable_minutes(T, T + timedelta(minutes=90)) == 90
    assert billable_minutes(T, T + timedelta(minutes=90, seconds=1)) == 91
    assert billable_minutes(T, T - timedelta(minutes=5)) == 0


def test_late_means_inside_the_free_hours() -> None:
    assert not is_late_cancellation(T, T - timedelta(hours=24), 24)  # exactly 24 h: free
    assert is_late_cancellation(T, T - timedelta(hours=23, minutes=59), 24)
    assert not is_late_cancellation(T, T - timedelta(minutes=1), 0)  # no free window: never late


def test_money_is_decimal_pounds_and_rate_cards_hold_whole_pence() -> None:
    assert money(123456) == Decimal("1234.56")
    assert gbp(123456) == "£1,234.56" and gbp(-310) == "-£3.10"
    assert pence_of(Decimal("421.76")) == 42176
    with pytest.raises(ValueError, match="not a whole number of pence"):
        pence_of(Decimal("12.345"))

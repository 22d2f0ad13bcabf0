"""The pure grant costing rules: grant years, anniversaries, the uplift and hours typed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from equipshare.domain.enums import UserClass
from equipshare.domain.errors import InputError
from equipshare.domain.money.grant_costing import (
    CardPrice,
    anniversaries,
    checked_uplift,
    grant_year_start,
    hours_text,
    line_charge,
    minutes_of_hours,
    uplifted,
    year_rates,
)


def test_grant_years_start_on_anniversaries_and_29_february_falls_back() -> None:
    assert grant_year_start(date(2027, 10, 1), 1) == date(2027, 10, 1)
    assert grant_year_start(date(2027, 10, 1), 3) == date(2029, 10, 1)
    assert grant_year_start(date(2028, 2, 29), 2) == date(2029, 2, 28)
    assert grant_year_start(date(2028, 2, 29), 5) == date(2032, 2, 29)


def test_anniversaries_count_whole_years_passed() -> None:
    assert anniversaries(date(2026, 8, 1), date(2027, 7, 31)) == 0
    assert anniversaries(date(2026, 8, 1), date(2027, 8, 1)) == 1
    assert anniversaries(date(2026, 8, 1), date(2029, 10, 1)) == 3


def test_the_uplift_compounds_rounding_half_up_to_the_penny_each_year() -> None:
    assert uplifted(5_000, Decimal("3"), 2) == 5_305  # 5150, then 5304.5 -> 5305
    assert uplifted(1_001, Decimal("2.5"), 1) == 1_026  # 1026.025 -> 1026
    assert uplifted(5_000, Decimal("3"), 0) == 5_000


def test_year_rates_uplift_only_the_latest_card() -> None:
    cards = [CardPrice(date(2020, 1, 1), 1_000, 500), CardPrice(date(2027, 1, 1), 2_000, 600)]
    assert year_rates(cards, date(2026, 6, 1), Decimal(10)).hourly_pence == 1_000
    late = year_rates(cards, date(2029, 1, 1), Decimal(10))
    assert (late.hourly_pence, late.technician_pence, late.uplift_years) == (2_420, 726, 2)
    assert not year_rates(cards, date(2019, 1, 1), Decimal(10)).priced


def test_a_line_prices_assisted_and_own_sessions_as_charging_does() -> None:
    rates = year_rates([CardPrice(date(2020, 1, 1), 1_001, 333)], date(2026, 1, 1), Decimal(0))
    charge = line_charge(90, 30, rates, UserClass.INTERNAL)
    # 30 min: 500.5 -> 501 (and 166.5 -> 167); 60 min: 1001.
    assert (charge.instrument_pence, charge.technician_pence) == (1_502, 167)


@pytest.mark.parametrize(
    ("text", "minutes"), [("120", 7_200), ("7.5", 450), ("0.25", 15), (" 0 ", 0)]
)
def test_hours_are_whole_minutes(text: str, minutes: int) -> None:
    assert minutes_of_hours(text, "hours", "hours") == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [("x", "not a number"), ("-1", "0 or more"), ("0.01", "whole number of minutes"),
     ("9000", "more than a year holds"), ("nan", "0 or more")],
)  # fmt: skip
def test_bad_hours_are_refused_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        minutes_of_hours(text, "hours", "hours")


def test_uplift_and_hours_words() -> None:
    assert checked_uplift("3%") == Decimal("3.00")
    for bad in ("26", "-1", "1.234", "three"):
        with pytest.raises(InputError, match="uplift"):
            checked_uplift(bad)
    assert [hours_text(m) for m in (7_200, 450, 15, 600_000)] == [
        "120 h", "7.5 h", "0.25 h", "10,000 h",
    ]  # fmt: skip

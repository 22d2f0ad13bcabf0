"""renewal_day: what a renewal offers, in whole months where the record was given so."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from equipshare.domain.rules.training_rules import add_months, renewal_day

NOW = datetime(2026, 3, 16, 9, tzinfo=UTC)
LONDON = "Europe/London"


def test_months_keep_the_day_or_end_the_shorter_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_a_renewal_lasts_as_long_from_today_as_the_training_was_given_for() -> None:
    given = datetime(2025, 1, 1, tzinfo=UTC)
    three_years = datetime(2028, 1, 1, tzinfo=UTC)  # valid through Fri 31 Dec 2027
    assert renewal_day(given, three_years, LONDON, NOW) == date(2029, 3, 15)
    # Not whole months: the same number of days.
    ten_days = given + timedelta(days=10)
    assert renewal_day(given, ten_days, LONDON, NOW) == date(2026, 3, 25)


def test_training_without_expiry_or_period_renews_for_a_year() -> None:
    assert renewal_day(NOW, None, LONDON, NOW) == date(2027, 3, 15)
    assert renewal_day(NOW, NOW - timedelta(days=1), LONDON, NOW) == date(2027, 3, 15)

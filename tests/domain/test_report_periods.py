"""The named report periods, shared by the TUI's presets and `equipshare report --period`.

The demo's today is Sun 6 Dec 2026: no preset reaches past it (issue 20 found "Last 12
months" meaning 1 Jan-31 Dec 2026 and "Academic year" reaching July 2027), and a statement
stands for a period only once its month is over.
"""

from __future__ import annotations

from datetime import date

import pytest

from equipshare.domain.time.report_periods import (
    PRESET_NAMES,
    month_has_ended,
    preset_days,
    statement_month,
)

DEMO_TODAY = date(2026, 12, 6)
MID_MARCH = date(2026, 3, 16)


@pytest.mark.parametrize(
    ("preset", "today", "days"),
    [
        ("this-month", DEMO_TODAY, (date(2026, 12, 1), DEMO_TODAY)),
        ("this-month", date(2028, 2, 1), (date(2028, 2, 1), date(2028, 2, 1))),
        ("last-month", DEMO_TODAY, (date(2026, 11, 1), date(2026, 11, 30))),
        ("last-month", date(2026, 1, 31), (date(2025, 12, 1), date(2025, 12, 31))),
        ("last-month", date(2028, 3, 1), (date(2028, 2, 1), date(2028, 2, 29))),  # leap
        ("last-12-months", DEMO_TODAY, (date(2025, 12, 1), date(2026, 11, 30))),
        ("last-12-months", MID_MARCH, (date(2025, 3, 1), date(2026, 2, 28))),
        ("last-12-months", date(2027, 1, 1), (date(2026, 1, 1), date(2026, 12, 31))),
        ("academic-year", DEMO_TODAY, (date(2026, 8, 1), DEMO_TODAY)),
        ("academic-year", MID_MARCH, (date(2025, 8, 1), MID_MARCH)),
        ("academic-year", date(2026, 8, 1), (date(2026, 8, 1), date(2026, 8, 1))),
        ("academic-year", date(2026, 7, 31), (date(2025, 8, 1), date(2026, 7, 31))),
    ],
)
def test_presets_end_by_today(preset: str, today: date, days: tuple[date, date]) -> None:
    assert preset_days(preset, today) == days


@pytest.mark.parametrize("preset", PRESET_NAMES)
@pytest.mark.parametrize("today", [DEMO_TODAY, MID_MARCH, date(2024, 2, 29), date(2027, 1, 1)])
def test_no_preset_reaches_past_today(preset: str, today: date) -> None:
    first, last = preset_days(preset, today)
    assert first <= last <= today


def test_an_unknown_preset_is_a_bug() -> None:
    with pytest.raises(ValueError, match="no preset called 'fortnight'"):
        preset_days("fortnight", MID_MARCH)


@pytest.mark.parametrize(
    ("preset", "month"),
    [
        ("last-12-months", date(2026, 11, 1)),  # not the unfinished December
        ("academic-year", date(2026, 11, 1)),  # not July 2027
        ("last-month", date(2026, 11, 1)),
        ("this-month", date(2026, 12, 1)),  # no month of it is over: shown to date
    ],
)
def test_a_periods_statement_is_its_last_month_that_has_ended(preset: str, month: date) -> None:
    assert statement_month(*preset_days(preset, DEMO_TODAY), DEMO_TODAY) == month


def test_typed_days_reaching_past_today_still_show_an_ended_month() -> None:
    assert statement_month(date(2026, 10, 15), date(2027, 7, 31), DEMO_TODAY) == date(2026, 11, 1)
    assert statement_month(date(2026, 12, 2), date(2027, 7, 31), DEMO_TODAY) == date(2026, 12, 1)


def test_a_month_has_ended_once_its_last_day_is_past() -> None:
    assert month_has_ended(date(2026, 11, 1), DEMO_TODAY)
    assert not month_has_ended(date(2026, 12, 1), DEMO_TODAY)
    assert not month_has_ended(date(2026, 11, 1), date(2026, 11, 30))
    assert month_has_ended(date(2026, 11, 1), date(2026, 12, 1))

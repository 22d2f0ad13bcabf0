"""The Reports screen's period presets and typed from/to days."""

from __future__ import annotations

from datetime import date

import pytest

from equipshare.domain.errors import InputError
from equipshare.tui.report_choice import ReportChoice, preset_days, read_choice

MID_MARCH = date(2026, 3, 16)


@pytest.mark.parametrize(
    ("preset", "today", "days"),
    [
        ("this-month", MID_MARCH, (date(2026, 3, 1), date(2026, 3, 31))),
        ("this-month", date(2028, 2, 10), (date(2028, 2, 1), date(2028, 2, 29))),  # leap
        ("last-month", MID_MARCH, (date(2026, 2, 1), date(2026, 2, 28))),
        ("last-month", date(2026, 1, 31), (date(2025, 12, 1), date(2025, 12, 31))),
        ("last-12-months", MID_MARCH, (date(2025, 4, 1), date(2026, 3, 31))),
        ("last-12-months", date(2026, 12, 1), (date(2026, 1, 1), date(2026, 12, 31))),
        ("academic-year", MID_MARCH, (date(2025, 8, 1), date(2026, 7, 31))),
        ("academic-year", date(2026, 8, 1), (date(2026, 8, 1), date(2027, 7, 31))),
        ("academic-year", date(2026, 7, 31), (date(2025, 8, 1), date(2026, 7, 31))),
    ],
)
def test_presets_are_whole_months_around_today(
    preset: str, today: date, days: tuple[date, date]
) -> None:
    assert preset_days(preset, today) == days


def test_an_unknown_preset_is_a_bug() -> None:
    with pytest.raises(ValueError, match="no preset called 'fortnight'"):
        preset_days("fortnight", MID_MARCH)


def test_typed_days_and_codes_are_read_with_blank_codes_meaning_all() -> None:
    choice = read_choice(" 2026-01-05", "2026-02-01 ", " warwick ", "")
    assert choice == ReportChoice(date(2026, 1, 5), date(2026, 2, 1), "WARWICK", None)
    assert choice.words() == "5 Jan 2026 to 1 Feb 2026 · WARWICK"


@pytest.mark.parametrize(
    ("first", "last", "field", "says"),
    [
        ("2026-02-30", "2026-03-01", "from", "from: '2026-02-30' is not a date like 2026-03-31"),
        ("2026-02-01", "March", "to", "to: 'March' is not a date like 2026-03-31"),
        ("2026-02-01", "2026-01-31", "to", "to: 2026-01-31 is before from 2026-02-01"),
    ],
)
def test_a_bad_day_names_its_field(first: str, last: str, field: str, says: str) -> None:
    with pytest.raises(InputError) as refused:
        read_choice(first, last, "", "")
    assert refused.value.field == field
    assert str(refused.value) == says

"""The Reports screen's typed from/to days: read, named when wrong, and ending by today."""

from __future__ import annotations

from datetime import date

import pytest

from equipshare.domain.errors import InputError
from equipshare.tui.report_choice import ReportChoice, read_choice

MID_MARCH = date(2026, 3, 16)
FORMS = "2026-12-16, 16/12/2026, 16 Dec, 16 Dec 2026, today, tomorrow or a weekday (fri)"


def test_typed_days_and_codes_are_read_with_blank_codes_meaning_all() -> None:
    choice = read_choice(" 2026-01-05", "2026-02-01 ", " warwick ", "", MID_MARCH)
    assert choice == ReportChoice(date(2026, 1, 5), date(2026, 2, 1), "WARWICK", None)
    assert choice.words() == "5 Jan 2026 to 1 Feb 2026 · WARWICK"


def test_days_past_today_end_today_and_say_to_date() -> None:
    choice = read_choice("2026-03-01", "2026-12-31", "", "", MID_MARCH)
    assert (choice.first_day, choice.last_day, choice.to_date) == (
        date(2026, 3, 1),
        MID_MARCH,
        True,
    )
    assert choice.words() == "1 Mar 2026 to 16 Mar 2026, to date"


def test_days_are_read_as_people_type_them() -> None:
    """The forms the week's g reads; a first day without a year is the last one so far."""
    choice = read_choice("1 Dec", "31/1", "", "", MID_MARCH)
    assert (choice.first_day, choice.last_day) == (date(2025, 12, 1), date(2026, 1, 31))
    choice = read_choice("Mar 2", "today", "", "", MID_MARCH)
    assert (choice.first_day, choice.last_day) == (date(2026, 3, 2), MID_MARCH)


@pytest.mark.parametrize(
    ("first", "last", "field", "says"),
    [
        (
            "2026-02-30",
            "2026-03-01",
            "from",
            f"from: '2026-02-30' is not a date; write it as {FORMS}",
        ),
        (
            "2026-02-01",
            "March",
            "to",
            f"to: 'March' is not a date; write it as {FORMS}",
        ),
        ("2026-02-01", "2026-01-31", "to", "to: 2026-01-31 is before from 2026-02-01"),
        (
            "2026-03-17",
            "2026-04-30",
            "from",
            "from: 2026-03-17 is after today (2026-03-16); a report counts what has happened",
        ),
    ],
)
def test_a_bad_day_names_its_field(first: str, last: str, field: str, says: str) -> None:
    with pytest.raises(InputError) as refused:
        read_choice(first, last, "", "", MID_MARCH)
    assert refused.value.field == field
    assert str(refused.value) == says

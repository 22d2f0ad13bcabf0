"""A period's whole months come from the month roll-up and only its ragged edges, each
inside one month, from the day roll-up."""

from __future__ import annotations

from datetime import date

import pytest

from equipshare.services.reports.rolled import Part, parts


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        # a year of whole months: the month rows alone
        ((2025, 11, 1), (2026, 10, 31), [Part(True, date(2025, 11, 1), date(2026, 10, 1))]),
        # ragged both ends: the days of January and of March around February
        (
            (2026, 1, 15),
            (2026, 3, 20),
            [
                Part(True, date(2026, 2, 1), date(2026, 2, 1)),
                Part(False, date(2026, 1, 15), date(2026, 1, 31), date(2026, 1, 1)),
                Part(False, date(2026, 3, 1), date(2026, 3, 20), date(2026, 3, 1)),
            ],
        ),
        # no whole month, across a new year: the days of each month apart
        (
            (2025, 12, 15),
            (2026, 1, 10),
            [
                Part(False, date(2025, 12, 15), date(2025, 12, 31), date(2025, 12, 1)),
                Part(False, date(2026, 1, 1), date(2026, 1, 10), date(2026, 1, 1)),
            ],
        ),
        # one day; and nothing when the period has no whole day yet (today so far)
        (
            (2026, 2, 28),
            (2026, 2, 28),
            [Part(False, date(2026, 2, 28), date(2026, 2, 28), date(2026, 2, 1))],
        ),
        ((2026, 3, 5), (2026, 3, 4), []),
    ],
)
def test_whole_months_and_the_days_at_the_edges(
    first: tuple[int, int, int], last: tuple[int, int, int], expected: list[Part]
) -> None:
    assert list(parts(date(*first), date(*last))) == expected

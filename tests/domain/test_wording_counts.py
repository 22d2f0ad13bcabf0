"""Counts agree with their nouns, in one helper for every screen and command."""

from __future__ import annotations

import pytest

from equipshare.domain.display.wording import count_words, plural


@pytest.mark.parametrize(
    ("count", "noun", "words"),
    [
        (40, "facility", "40 facilities"),
        (1, "facility", "1 facility"),
        (0, "booking", "0 bookings"),
        (1, "line", "1 line"),
        (2, "institution", "2 institutions"),
        (3, "day", "3 days"),  # a vowel before the y keeps it
        (2, "search", "2 searches"),
        (2, "class", "2 classes"),
    ],
)
def test_a_count_reads_with_its_noun(count: int, noun: str, words: str) -> None:
    assert count_words(count, noun) == words


def test_plural_is_the_form_for_many() -> None:
    assert plural("technician") == "technicians"
    assert plural("facility", 1) == "facility"

"""Typed wall-clock times in a facility's zone, including the hours the clocks skip or repeat."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from equipshare.domain.errors import InputError
from equipshare.domain.time.timeparse import (
    looks_like_length,
    parse_instant,
    parse_length,
    parse_typed_day,
)

LONDON = ZoneInfo("Europe/London")


def test_a_time_without_offset_is_read_in_the_zone() -> None:
    winter = parse_instant("2026-03-18 09:00", "start", LONDON)
    summer = parse_instant("2026-06-18T09:00", "start", LONDON)
    assert winter.astimezone(UTC) == datetime(2026, 3, 18, 9, tzinfo=UTC)
    assert summer.astimezone(UTC) == datetime(2026, 6, 18, 8, tzinfo=UTC)


def test_a_skipped_time_is_refused_naming_the_field_and_zone() -> None:
    with pytest.raises(InputError) as skipped:
        parse_instant("2026-03-29 01:30", "start", LONDON)
    assert skipped.value.field == "start"
    assert "2026-03-29 01:30 does not exist in Europe/London" in str(skipped.value)


def test_a_repeated_time_needs_an_offset() -> None:
    with pytest.raises(InputError, match="happens twice in Europe/London") as twice:
        parse_instant("2026-10-25 01:30", "end", LONDON)
    assert twice.value.field == "end"
    first = parse_instant("2026-10-25 01:30+01:00", "end", LONDON)
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_lengths_and_what_is_not_one() -> None:
    assert parse_length("1h30m", "end") == timedelta(minutes=90)
    assert looks_like_length("4h") and looks_like_length("90 min")
    assert not looks_like_length("2026-03-18 17:00") and not looks_like_length("")
    with pytest.raises(InputError, match="must be longer than zero") as zero:
        parse_length("0h", "end")
    assert zero.value.field == "end"


def test_the_parser_loads_neither_click_nor_textual() -> None:
    code = (
        "import sys, equipshare.domain.time.timeparse; "
        "print([m for m in ('click', 'textual', 'sqlalchemy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("typed", ["2026-12-16", "16/12/2026", " 16/12/2026 "])
def test_a_typed_day_is_read_in_iso_or_british_order(typed: str) -> None:
    assert parse_typed_day(typed, "date") == date(2026, 12, 16)


@pytest.mark.parametrize("typed", ["31/02/2026", "12/16/2026", "next tuesday", "2026-13-01", ""])
def test_an_unreadable_day_names_the_field_and_both_forms(typed: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_typed_day(typed, "date")
    assert refused.value.field == "date"
    assert str(refused.value) == (
        f"date: {typed.strip()!r} is not a date; write it as 2026-12-16, 16/12/2026 or 16 Dec 2026"
    )


#: A Monday, the day the forms below are read on.
TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("typed", "ahead", "meant"),
    [
        ("16 Dec 2026", None, date(2026, 12, 16)),
        ("Dec 16, 2026", None, date(2026, 12, 16)),
        ("16th December", None, date(2026, 12, 16)),
        ("16 dec", True, date(2026, 12, 16)),
        ("16/12", None, date(2026, 12, 16)),
        ("1 Dec", True, date(2027, 12, 1)),  # the next 1 Dec: an expiry
        ("1 Dec", False, date(2026, 12, 1)),  # the last 1 Dec: a report's first day
        ("1 Dec", None, date(2026, 12, 1)),  # the nearest: a week to go to
        ("5 Jan", None, date(2027, 1, 5)),
        ("today", None, TODAY),
        ("Tomorrow", False, date(2026, 12, 8)),
        ("yesterday", None, date(2026, 12, 6)),
        ("fri", True, date(2026, 12, 11)),
        ("friday", False, date(2026, 12, 4)),
        ("mon", True, TODAY),
        ("29 Feb", True, date(2028, 2, 29)),
    ],
)
def test_a_typed_day_reads_names_and_near_words_given_today(
    typed: str, ahead: bool | None, meant: date
) -> None:
    assert parse_typed_day(typed, "date", TODAY, ahead=ahead) == meant


@pytest.mark.parametrize("typed", ["16 Foo", "32 Dec", "ma 3", "someday", "16/13", "t"])
def test_an_unreadable_day_given_today_names_every_form(typed: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_typed_day(typed, "expiry", TODAY)
    assert str(refused.value) == (
        f"expiry: {typed!r} is not a date; write it as 2026-12-16, 16/12/2026, 16 Dec, "
        "16 Dec 2026, today, tomorrow or a weekday (fri)"
    )


def test_words_that_need_today_are_refused_without_one() -> None:
    for typed in ("tomorrow", "16 Dec", "fri"):
        with pytest.raises(InputError):
            parse_typed_day(typed, "date")

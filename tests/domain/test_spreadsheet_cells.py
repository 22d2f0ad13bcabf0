"""Formula cells (OWASP CSV injection): what gets a `'`, what stays a number, and the way back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from equipshare.domain.display.spreadsheet_cells import (
    escape_cell,
    escape_row,
    reads_as_formula,
    unescape_cell,
)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+44 24 7652 3523", "'+44 24 7652 3523"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("-1e3", "'-1e3"),
        ("- see notes", "'- see notes"),
        ("'=1+2", "''=1+2"),  # so that reading it back gives exactly '=1+2
        # Plain numbers stay numbers: money columns must still sum.
        ("-12.50", "-12.50"),
        ("+3", "+3"),
        ("-7", "-7"),
        ("125.01", "125.01"),
        ("-", "-"),  # a placeholder for "none"; an operator alone computes nothing
        # Ordinary text, and text that merely contains a formula character.
        ("EP/X1", "EP/X1"),
        ("a=b", "a=b"),
        ("'quoted", "'quoted"),
        ("", ""),
        (" =1+2", " =1+2"),  # a leading space makes Excel read text
    ],
)
def test_what_gets_a_quote(cell: str, written: str) -> None:
    assert escape_cell(cell) == written
    assert not reads_as_formula(written)
    assert unescape_cell(written) == cell


def test_a_row_is_escaped_unless_raw_is_asked_for() -> None:
    row = ["=1+2", "-12.50", "x"]
    assert escape_row(row) == ["'=1+2", "-12.50", "x"]
    assert escape_row(row, escape=False) == row


@given(st.text(max_size=40))
def test_escaping_never_leaves_a_formula_and_reading_back_gives_the_text(cell: str) -> None:
    written = escape_cell(cell)
    assert not reads_as_formula(written)
    assert unescape_cell(written) == cell
    assert written in (cell, f"'{cell}")


@given(st.text(alphabet="'=+-@\t\r 1.x", max_size=12))
def test_the_prefixes_round_trip_however_they_pile_up(cell: str) -> None:
    assert unescape_cell(escape_cell(cell)) == cell
    assert escape_cell(unescape_cell(escape_cell(cell))) == escape_cell(cell)

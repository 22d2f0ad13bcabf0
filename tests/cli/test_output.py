"""One shape for every command's printed data: table, CSV and JSON carry the same columns."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import UTC, datetime
from decimal import Decimal

import click
import pytest
from click.testing import CliRunner

from equipshare.cli.output import emit, format_option
from equipshare.domain.enums import BookingStatus

ROWS: list[dict[str, object]] = [
    {
        "id": 1,
        "when": datetime(2026, 3, 17, 10, tzinfo=UTC),
        "price": Decimal("12.50"),
        "status": BookingStatus.CONFIRMED,
        "note": 'says "hi", then, leaves',
    },
    {"id": 2, "when": None, "price": Decimal("0.10"), "status": BookingStatus.PENDING, "note": ""},
]
COLUMNS = ["id", "when", "price", "status", "note"]


@click.command()
@format_option
def show(output: str) -> None:
    emit(ROWS, COLUMNS, output, title="Bookings")


def run(*args: str) -> str:
    result = CliRunner().invoke(show, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_json_keeps_exact_values_as_text() -> None:
    data = json.loads(run("--format", "json"))
    assert data[0] == {
        "id": 1,
        "when": "2026-03-17T10:00:00+00:00",
        "price": "12.50",
        "status": "confirmed",
        "note": 'says "hi", then, leaves',
    }
    assert data[1]["when"] is None


def test_csv_has_a_header_and_quotes_what_needs_it() -> None:
    rows = list(csv.reader(io.StringIO(run("--format", "csv"))))
    assert rows[0] == COLUMNS
    assert rows[1] == [
        "1",
        "2026-03-17T10:00:00+00:00",
        "12.50",
        "confirmed",
        'says "hi", then, leaves',
    ]
    assert rows[2][1] == ""


def test_table_is_the_default_and_names_every_column() -> None:
    shown = run()
    assert "Bookings" in shown and "confirmed" in shown and "12.50" in shown
    assert all(column in shown for column in COLUMNS)


def test_an_unknown_format_is_a_usage_error() -> None:
    result = CliRunner().invoke(show, ["--format", "xml"])
    assert result.exit_code == 2 and "xml" in result.output


LONG_NOTE = "calibrated with the 2026 reference sample, then a long note " * 4


@click.command()
def long_row() -> None:
    emit([{**ROWS[0], "note": LONG_NOTE}], COLUMNS, "table", title="Bookings")


def test_a_table_off_a_terminal_is_never_cut_whatever_the_columns_say() -> None:
    """Cron, pipes and files get every cell whole, on one line, not fitted to 80 columns."""
    result = CliRunner().invoke(long_row, [], env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    (line,) = [line for line in result.output.splitlines() if "12.50" in line]
    assert LONG_NOTE.strip() in line and "2026-03-17T10:00:00+00:00" in line


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_table_on_a_terminal_fits_its_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its cells wrap to fit; a word longer than its column folds rather than lose its end."""
    screen = _Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    monkeypatch.setenv("COLUMNS", "60")
    unbroken = "10.1234/" + "x" * 60
    emit([{**ROWS[0], "note": f"{LONG_NOTE} {unbroken}"}], COLUMNS, "table")
    lines = re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue()).splitlines()  # no styles
    assert len(lines) > 5 and max(len(line) for line in lines) == 60
    assert "…" not in "".join(lines) and "".join(lines).count("x") >= 60

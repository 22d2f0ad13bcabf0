"""One shape for every command's printed data: table, CSV and JSON carry the same columns."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import click
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

"""Printing rows as a table for people, or as CSV or JSON for scripts: one place, one shape.

Every command that prints data takes `--format table|csv|json` through `format_option`
and hands its rows to `emit`, so the three forms always carry the same columns.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import click

FORMATS = ("table", "csv", "json")
F = TypeVar("F", bound=Callable[..., Any])


def format_option(function: F) -> F:
    """`--format table|csv|json` (default table), passed to the command as `output`."""
    return click.option(
        "--format",
        "output",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for people; csv or json for scripts and spreadsheets.",
    )(function)


def plain(value: object) -> object:
    """A value JSON can hold: ISO times, exact decimals as strings, enum values."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def text(value: object) -> str:
    shown = plain(value)
    return "" if shown is None else str(shown)


def emit(
    rows: Sequence[Mapping[str, object]],
    columns: Sequence[str],
    output: str,
    *,
    title: str | None = None,
) -> None:
    """Write `rows` to stdout in `output` form; `columns` fixes the order and the headers."""
    if output == "json":
        data = [{column: plain(row.get(column)) for column in columns} for row in rows]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([text(row.get(column)) for column in columns])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column.replace("_", " "))
    for row in rows:
        table.add_row(*(text(row.get(column)) for column in columns))
    Console(soft_wrap=False).print(table)

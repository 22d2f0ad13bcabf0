"""Printing rows as a table for people, or as CSV or JSON for scripts: one place, one shape.

Every command that prints data takes `--format table|csv|json` through `format_option`
and hands its rows to `emit`, so the three forms always carry the same columns. CSV cells
a spreadsheet would run as formulas get a `'` in front (equipshare.domain.display.spreadsheet_cells)
unless the command is given `--raw-csv`, for programs that want the values exactly.
"""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from equipshare.domain.display.spreadsheet_cells import escape_row

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

FORMATS = ("table", "csv", "json")
F = TypeVar("F", bound=Callable[..., Any])
_RAW_CSV = "equipshare.raw_csv"
#: The width a table is measured in off a terminal: more than any table needs.
_UNBOUNDED = 1_000_000


def _remember_raw_csv(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_RAW_CSV] = True


def raw_csv_option(function: F) -> F:
    """`--raw-csv`: CSV cells as stored, for programs; remembered for `wants_raw_csv`."""
    return click.option(
        "--raw-csv",
        is_flag=True,
        expose_value=False,
        callback=_remember_raw_csv,
        help="CSV for programs: cells exactly as stored, without the ' put before cells a "
        "spreadsheet would run as formulas (those starting =, +, -, @, tab).",
    )(function)


def wants_raw_csv() -> bool:
    """Whether the running command was given --raw-csv (False outside a command)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get(_RAW_CSV))


def format_option(function: F) -> F:
    """`--format table|csv|json` (default table), passed to the command as `output`,
    and `--raw-csv`."""
    function = raw_csv_option(function)
    return click.option(
        "--format",
        "output",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for people; csv or json for scripts and spreadsheets.",
    )(function)


def write_csv(out: TextIO, rows: Iterable[Sequence[str]], *, escape: bool | None = None) -> None:
    """CSV rows to `out`, formula cells escaped (by default, unless the command was given
    --raw-csv)."""
    if escape is None:
        escape = not wants_raw_csv()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(escape_row(row, escape))


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
        body = ([text(row.get(column)) for column in columns] for row in rows)
        write_csv(sys.stdout, itertools.chain([list(columns)], body))
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        # Squeezed onto a narrow terminal, a cell folds onto more lines rather than lose
        # its end to an ellipsis: a figure cut to "23…" would mislead.
        table.add_column(column.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*(text(row.get(column)) for column in columns))
    table_console(table).print(table)


def table_console(*tables: RenderableType) -> Console:
    """A console to print `tables` on: a terminal's own width, where a table too wide wraps
    its cells to fit; anything else (a pipe, a file, cron's mail) as wide as the widest
    table needs, so no cell is ever cut or wrapped there, whatever $COLUMNS says."""
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(soft_wrap=False)
    if console.is_terminal or not tables:
        return console
    unbounded = console.options.update_width(_UNBOUNDED)
    width = max(Measurement.get(console, unbounded, t).maximum for t in tables)
    return Console(soft_wrap=False, width=max(width, 1))

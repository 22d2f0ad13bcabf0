"""Printing grant costing rows (equipshare.domain.display.grant_formats) as a table for people, CSV
or JSON for scripts, or Markdown for a proposal: money as £ for people, numbers for scripts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import click

from equipshare.cli.output import emit, table_console, text
from equipshare.domain.display.grant_formats import MONEY_COLUMNS
from equipshare.domain.money.charging import gbp

OUTPUT_FORMATS = ("table", "csv", "json", "markdown")


def _shown(column: str, value: object) -> str:
    """Money as £1,234.56 for people; everything else as `text` shows it."""
    if column in MONEY_COLUMNS and isinstance(value, Decimal):
        return gbp(int(value * 100))
    return text(value)


def markdown(rows: Sequence[Mapping[str, object]], columns: Sequence[str], title: str) -> str:
    """A GitHub-flavoured Markdown table under a bold title; pipes in cells escaped."""
    amounts = MONEY_COLUMNS | {"year", "id", "years"} | {c for c in columns if "hours" in c}
    head = "| " + " | ".join(c.replace("_", " ") for c in columns) + " |"
    rule = "|" + "|".join("---:" if c in amounts else "---" for c in columns) + "|"
    body = [
        "| " + " | ".join(_shown(c, row.get(c)).replace("|", "\\|") for c in columns) + " |"
        for row in rows
    ]
    return "\n".join([f"**{title}**", "", head, rule, *body])


def _table(rows: Sequence[Mapping[str, object]], columns: Sequence[str], title: str) -> None:
    """A rich table whose figures are never cut or wrapped; words wrap instead."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        figure = column in MONEY_COLUMNS or "hours" in column or column in ("year", "id")
        table.add_column(
            column.replace("_", " "),
            justify="right" if figure else "left",
            no_wrap=figure,
            overflow="fold",
        )
    for row in rows:
        table.add_row(*(_shown(c, row.get(c)) for c in columns))
    table_console(table).print(table)


def show(
    rows: Sequence[Mapping[str, object]],
    columns: Sequence[str],
    output: str,
    title: str,
    *,
    table_columns: Sequence[str] | None = None,
    footer: str | None = None,
) -> None:
    """Print `rows` as `output`: table and markdown show money as £ and end with `footer`;
    CSV and JSON carry numbers, every column, and nothing else."""
    if output == "markdown":
        click.echo(markdown(rows, columns, title))
        if footer:
            click.echo(f"\n{footer}")
    elif output == "table":
        _table(rows, table_columns or columns, title)
        if footer:
            click.echo(footer)
    else:
        emit(rows, columns, output, title=title)

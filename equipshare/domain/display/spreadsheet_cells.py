"""Cells a spreadsheet would run as formulas, made text with a `'` prefix, and read back.

Excel, LibreOffice and Google Sheets treat a cell that begins with `=`, `+`, `-`, `@`, a
tab or a carriage return as a formula (OWASP "CSV injection"), so a project code such as
`=cmd|' /C calc'!A0` in an export would run when finance staff open it. Every CSV the
program writes passes its cells through `escape_cell`, which puts a `'` in front; a
spreadsheet shows the rest as text.

Two choices, both so that escaping loses nothing:

- A cell that is a plain number (`-12.50`, `+3`, `-7`) is left alone: a spreadsheet reads
  it as that number whatever we do, a number cannot call anything, and money columns
  must stay numbers that finance can sum. So is a lone `-`, the placeholder for "none"
  in several outputs: an operator with nothing after it computes nothing. Anything more
  (`-2+3`, `-1e3`, `+44 24 7652`, `- see notes`) is escaped.
- A cell that already starts with `'` before such a text gets one more `'`, so
  `unescape_cell` (which the sheet importers apply) gives back exactly what was escaped:
  an exported sheet imported again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS = re.compile(r"[+-]?\d+(?:\.\d+)?|-")


def reads_as_formula(text: str) -> bool:
    """Whether a spreadsheet would read `text` as a formula rather than text or a number."""
    return text.startswith(FORMULA_STARTS) and _HARMLESS.fullmatch(text) is None


def needs_escape(cell: str) -> bool:
    """Whether `cell` gets a `'`: it reads as a formula, after any `'` it starts with."""
    return reads_as_formula(cell.lstrip("'"))


def escape_cell(cell: str) -> str:
    """`cell` as text a spreadsheet will not run: a `'` in front when it needs one."""
    return f"'{cell}" if needs_escape(cell) else cell


def unescape_cell(cell: str) -> str:
    """The text `escape_cell` was given, for a cell it wrote; any other cell as it is."""
    if cell.startswith("'") and needs_escape(cell[1:]):
        return cell[1:]
    return cell


def escape_row(cells: Iterable[str], escape: bool = True) -> list[str]:
    """A row of cells, each escaped unless `escape` is False (raw values for machines)."""
    return [escape_cell(cell) for cell in cells] if escape else list(cells)


def escape_rows(rows: Iterable[Sequence[str]], escape: bool = True) -> list[list[str]]:
    return [escape_row(row, escape) for row in rows]

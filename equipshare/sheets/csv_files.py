"""Reading the CSV files people export from spreadsheets, as they really are.

Pure (no database, no click): the import services and their tests share it. Tolerated:
a byte-order mark, CRLF or LF line endings, newlines inside quoted cells, blank rows,
columns in any order, extra columns (ignored, and named), header case and spacing
("Contact E-mail", "contact_email" and "CONTACT EMAIL" are one column), UTF-8, UTF-16
with a BOM, or Windows-1252 (what Excel writes by default), separated by commas,
semicolons or tabs. Every row keeps the number of the line it starts on, so a problem
can be reported where a person will find it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from equipshare.domain.display.spreadsheet_cells import reads_as_formula, unescape_cell
from equipshare.domain.display.wording import count_words
from equipshare.domain.errors import InputError
from equipshare.domain.records.operations.admin import BadRow

_SEPARATORS = (",", ";", "\t")
#: The default largest sheet an import reads ([limits] sheet_megabytes sets it): a
#: 10,000-instrument uniquip sheet is about 6 MB.
MAX_SHEET_BYTES = 50 * 1024 * 1024
#: The default most rows ([limits] sheet_rows), blank ones included, and the most cells
#: in one row: a row of one byte still costs a few hundred bytes once read.
MAX_SHEET_ROWS = 200_000
MAX_CELLS = 1_000
_NUL_WHY = (
    ", which no text cell can hold (is it a binary file, or UTF-16 saved without a "
    "byte-order mark?); nothing imported"
)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def column_key(header: str) -> str:
    """The comparable form of a header: letters and digits only, case folded."""
    return re.sub(r"[^0-9a-z]", "", header.casefold())


@dataclass(frozen=True)
class SheetRow:
    """One non-blank row: the line it starts on and its cells by column key."""

    line: int
    cells: Mapping[str, str]

    def get(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass(frozen=True)
class Sheet:
    """A whole file: its rows, and the header columns that matched nothing we read."""

    source: str
    columns: tuple[str, ...]  # the keys of the columns read, in the file's order
    rows: tuple[SheetRow, ...]
    ignored_columns: tuple[str, ...]


class BadRowsError(InputError):
    """Rows of an input file are bad, so nothing was imported; names the file and each line."""

    def __init__(self, source: str, bad: Sequence[BadRow], good: int) -> None:
        self.source = source
        self.bad = tuple(sorted(bad, key=lambda row: row.line))
        first = self.bad[0]
        if len(self.bad) == 1:
            message = f"{source}:{first.line}: {first.problem}; nothing imported"
        else:
            lines = ", ".join(str(row.line) for row in self.bad[:10])
            more = ", ..." if len(self.bad) > 10 else ""
            message = f"{source}: {len(self.bad)} bad rows (lines {lines}{more}); nothing imported"
        if good:
            message += f" (--skip-bad imports the {count_words(good, 'good row')})"
        super().__init__(message, "file")


def decode(data: bytes, source: str) -> str:
    """Text from the bytes spreadsheets write: UTF-8 (BOM or not), UTF-16 with a BOM, or cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{source}: not readable as UTF-16 text", "file") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(f"{source}: not a text file (UTF-8 or Windows-1252)", "file") from None


def _separator(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_sheet(
    data: bytes,
    source: str,
    columns: Mapping[str, str],
    required: Sequence[str],
    aliases: Mapping[str, str] | None = None,
    *,
    limit: int = MAX_SHEET_BYTES,
    rows_limit: int = MAX_SHEET_ROWS,
) -> Sheet:
    """Parse `data`; `columns` maps each column key we read to its display name.

    Raises InputError naming the file and line for what no row can survive: a file over
    `limit` bytes (checked first), more than `rows_limit` rows or MAX_CELLS cells in a
    row (each row costs far more memory than its bytes), an empty file, a missing
    required column, a column given twice, broken quoting, or a NUL byte (no database
    text holds one).
    """
    check_size(len(data), limit, source)
    text = decode(data, source)
    has_nul = "\x00" in text
    first_line = next((line for line in _lines(text) if line.strip()), "")
    if not first_line:
        raise InputError(f"{source}: the file is empty; the first line should name the columns")
    reader = csv.reader(_lines(text), delimiter=_separator(first_line.rstrip("\r\n")))
    records = 0
    aliases = aliases or {}
    header: list[str | None] = []
    header_names: list[str] = []
    header_line = 0
    ignored: list[str] = []
    rows: list[SheetRow] = []
    try:
        while True:
            start = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            records += 1
            _check_shape(len(record), records, rows_limit, source, start)
            if not "".join(record).strip():
                continue
            if has_nul:
                _refuse_nul(record, header_names, source, start)
            if not header_line:
                header_line = start
                header_names = [
                    columns.get(aliases.get(column_key(name), column_key(name)), name.strip())
                    for name in record
                ]
                header = _header(record, columns, aliases, source, start, ignored)
                missing = [columns[key] for key in required if key not in header]
                if missing:
                    raise InputError(
                        f"{source}:{start}: no {' or '.join(missing)} column "
                        f"(the first line should name the columns: {', '.join(columns.values())})",
                        "file",
                    )
                continue
            cells = {
                key: _clean(value)
                for key, value in zip(header, record, strict=False)
                if key is not None
            }
            rows.append(SheetRow(start, cells))
    except csv.Error as exc:
        if has_nul:  # a binary file: its NUL says more than the CSV module's complaint
            line = _line_breaks(text[: text.index("\x00")]) + 1
            raise InputError(f"{source}:{line}: a NUL byte{_NUL_WHY}", "file") from None
        raise InputError(
            f"{source}:{reader.line_num}: cannot read the CSV: {exc}", "file"
        ) from None
    found = tuple(key for key in header if key is not None)
    return Sheet(source, found, tuple(rows), tuple(ignored))


def _lines(text: str) -> Iterator[str]:
    """The physical lines of `text` with their endings, one at a time (no copy of the text)."""
    return (match.group() for match in _LINE.finditer(text))


def _check_shape(cells: int, records: int, rows_limit: int, source: str, line: int) -> None:
    if cells > MAX_CELLS:
        raise InputError(
            f"{source}:{line}: more than {MAX_CELLS:,} cells in one row; nothing imported", "file"
        )
    if records > rows_limit + 1:  # the header is not a row
        raise InputError(
            f"{source}:{line}: over the {rows_limit:,} rows limit for a spreadsheet "
            "([limits] sheet_rows in equipshare.toml raises it); nothing imported",
            "file",
        )


def check_size(size: int, limit: int, source: str) -> None:
    """Refuse a file over `limit` bytes, naming the limit and the setting that raises it."""
    if size > limit:
        raise InputError(
            f"{source}: over the {megabytes(limit)} limit for a spreadsheet "
            "([limits] sheet_megabytes in equipshare.toml raises it); nothing imported",
            "file",
        )


def megabytes(size: int) -> str:
    """A limit as people set it: whole megabytes (or kilobytes, or bytes, in tests)."""
    for unit, name in ((1024 * 1024, "MB"), (1024, "KB")):
        if size >= unit and not size % unit:
            return f"{size // unit} {name}"
    return f"{size} bytes"


def _refuse_nul(record: Sequence[str], names: Sequence[str], source: str, start: int) -> None:
    """A NUL byte as one line naming its line and column: no database text can hold one."""
    line = start
    for number, cell in enumerate(record, start=1):
        at = cell.find("\x00")
        if at < 0:
            line += _line_breaks(cell)
            continue
        line += _line_breaks(cell[:at])
        name = names[number - 1] if number <= len(names) and names[number - 1] else None
        column = f"column {number} ({name})" if name else f"column {number}"
        raise InputError(f"{source}:{line}: {column} holds a NUL byte{_NUL_WHY}", "file")


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _header(
    record: list[str],
    columns: Mapping[str, str],
    aliases: Mapping[str, str],
    source: str,
    line: int,
    ignored: list[str],
) -> list[str | None]:
    keys: list[str | None] = []
    for name in record:
        key = column_key(name)
        key = aliases.get(key, key)
        if key in columns:
            if key in keys:
                raise InputError(f"{source}:{line}: column {columns[key]} is given twice", "file")
            keys.append(key)
        else:
            keys.append(None)
            if name.strip():
                ignored.append(name.strip())
    return keys


def _clean(value: str) -> str:
    """The cell's text: the `'` our exports put before formula-like text taken off, line
    endings inside a quoted cell made plain newlines, and trimmed as `trim` does."""
    return trim(unescape_cell(value).replace("\r\n", "\n").replace("\r", "\n"))


def trim(text: str) -> str:
    """`text` without the spaces around it, except leading ones in front of formula-like
    text (` =1+2`, or a tab before `=1+2`): trimming never turns text into a formula."""
    text = text.rstrip()
    trimmed = text.lstrip()
    return text if trimmed != text and reads_as_formula(trimmed) else trimmed


def optional_text(value: str, name: str, limit: int, problems: list[str]) -> str | None:
    """The cell or None when empty; a problem when it is longer than the column holds."""
    if not value:
        return None
    if len(value) > limit:
        problems.append(f"{name}: {len(value)} characters, more than the {limit} allowed")
    return value


def optional_email(value: str, name: str, problems: list[str]) -> str | None:
    """An email address or None; `mailto:` links, as some sheets hold, are unwrapped."""
    if value.casefold().startswith("mailto:"):
        value = value[len("mailto:") :].strip()
    if not value:
        return None
    if not _EMAIL.match(value) or len(value) > 320:
        problems.append(f"{name}: {value!r} is not an email address")
    return value

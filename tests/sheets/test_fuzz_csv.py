"""Fuzzing the CSV readers: any bytes give sheet rows or one InputError, in bounded time and memory.

Hypothesis throws random bytes and CSV-shaped text at the uniquip, users and training
readers; a corpus holds the shapes that once cost the most per byte (tiny rows, rows of
empty cells, one endless quoted cell, a NUL-filled stream as /dev/zero gives). Each input
must finish within SECONDS and grow the process by less than MEGABYTES.
"""

from __future__ import annotations

import csv
import io
import resource
import sys
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equipshare.domain.display.spreadsheet_cells import escape_rows, reads_as_formula
from equipshare.domain.errors import InputError
from equipshare.sheets.csv_files import MAX_CELLS, MAX_SHEET_ROWS, read_sheet, trim
from equipshare.sheets.people import read_training, read_users
from equipshare.sheets.uniquip import HEADERS, read_entries

SECONDS = 5.0
MEGABYTES = 300
READERS: dict[str, Callable[[bytes, str], object]] = {
    "uniquip": read_entries,
    "users": read_users,
    "training": read_training,
}
FUZZ = settings(
    max_examples=120,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _peak_megabytes() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def bounded(read: Callable[[bytes, str], object], data: bytes) -> object | InputError:
    """What `read` gives for `data` (or its InputError), failing past the time or memory bound.

    Time is this process's CPU time, so a loaded machine does not fail a linear reader: what the
    bound catches is work that grows faster than the input.
    """
    before = _peak_megabytes()
    started = time.process_time()
    try:
        result: object | InputError = read(data, "fuzz.csv")
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.csv")
        result = exc
    elapsed = time.process_time() - started
    assert elapsed < SECONDS, f"{len(data):,} bytes took {elapsed:.1f} s of CPU"
    grown = _peak_megabytes() - before
    assert grown < MEGABYTES, f"{len(data):,} bytes grew the process by {grown:.0f} MB"
    return result


def assert_no_nul_reached_a_cell(result: object) -> None:
    if isinstance(result, tuple):
        for row in result[0].rows:
            assert not any("\x00" in cell for cell in row.cells.values())


@pytest.mark.parametrize("kind", READERS)
@FUZZ
@given(data=st.binary(max_size=2048))
def test_any_bytes_read_or_refused_in_one_line(kind: str, data: bytes) -> None:
    assert_no_nul_reached_a_cell(bounded(READERS[kind], data))


CELL = st.text(alphabet=st.sampled_from(list(",;\t\"'\r\n =+-@\x00ab1é\ufeff ")), max_size=12)
HEADER_LINES = {
    "uniquip": ",".join(HEADERS),
    "users": "username,name,email,institution,role",
    "training": "username,instrument,level,trained_at,expires_at,trainer",
}


@pytest.mark.parametrize("kind", READERS)
@FUZZ
@given(rows=st.lists(st.lists(CELL, max_size=8), max_size=12), crlf=st.booleans())
def test_csv_shaped_text_under_a_real_header(kind: str, rows: list[list[str]], crlf: bool) -> None:
    end = "\r\n" if crlf else "\n"
    text = HEADER_LINES[kind] + end + end.join(",".join(row) for row in rows)
    result = bounded(READERS[kind], text.encode("utf-8"))
    assert_no_nul_reached_a_cell(result)
    if isinstance(result, tuple):
        last_line = text.count("\n") + text.count("\r") - text.count("\r\n") + 1
        assert all(1 < row.line <= last_line for row in result[0].rows)


TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))


@FUZZ
@given(cells=st.lists(TEXT.filter(lambda t: len(t) < 60), min_size=1, max_size=6))
def test_what_an_export_writes_reads_back_as_the_same_text(cells: list[str]) -> None:
    """Escaped on the way out, unescaped on the way in: only line endings and spaces around
    the text may change, and trimming never leaves a formula that was not one."""
    out = io.StringIO(newline="")
    rows = [["ID", *(f"c{n}" for n in range(len(cells)))], ["X1", *cells]]
    csv.writer(out, lineterminator="\r\n").writerows(escape_rows(rows))
    columns = {"id": "ID"} | {f"c{n}": f"c{n}" for n in range(len(cells))}
    sheet = read_sheet(out.getvalue().encode("utf-8"), "rt.csv", columns, ("id",))
    assert len(sheet.rows) == 1
    for n, cell in enumerate(cells):
        normal = cell.replace("\r\n", "\n").replace("\r", "\n")
        read = sheet.rows[0].get(f"c{n}")
        assert read == trim(normal)
        if reads_as_formula(read):
            assert reads_as_formula(normal.rstrip())


MB = 1024 * 1024
HEADER = (",".join(HEADERS) + "\n").encode()
FULL_ROW = (",".join(["equipment", "Name", *(["x" * 100] * 19), "WARWICK"]) + "\n").encode()
CORPUS: dict[str, bytes] = {
    "zeros, as /dev/zero gives": b"\x00" * (10 * MB),
    "one byte rows": HEADER + b"x\n" * (5 * MB),
    "blank lines": HEADER + b"\n" * (10 * MB),
    "rows of empty cells": HEADER + (b"X," + b"," * (MAX_CELLS - 3) + b"\n") * 10_000,
    "too many cells": HEADER + b"X" + b"," * (5 * MB),
    "an endless quoted cell": HEADER + b'X,"' + b"y" * (10 * MB),
    "many quoted newlines": HEADER + b'X,"' + b"\r\n" * (5 * MB) + b'"\n',
    "full rows": HEADER + FULL_ROW * (10 * MB // len(FULL_ROW)),
    "a header of ignored columns": b",".join([b"c%d" % n for n in range(MAX_CELLS)]) + b",ID\n",
    "utf-16 with odd bytes": b"\xff\xfe" + b"I\x00D\x00\n" + b"\x00\xd8" * MB,
    "cp1252 everything": HEADER + bytes(range(128, 256)) * (MB // 128),
    "rows to the limit": HEADER + b"X,N\n" * (MAX_SHEET_ROWS + 1),
}


@pytest.mark.parametrize("shape", CORPUS)
def test_the_corpus_of_costly_shapes_stays_bounded(shape: str) -> None:
    assert_no_nul_reached_a_cell(bounded(read_entries, CORPUS[shape]))


def test_the_row_and_cell_limits_are_what_the_corpus_meets() -> None:
    refused = bounded(read_entries, CORPUS["rows to the limit"])
    assert isinstance(refused, InputError)
    assert str(refused).startswith(f"fuzz.csv:{MAX_SHEET_ROWS + 2}: over the 200,000 rows limit")
    too_wide = bounded(read_entries, CORPUS["too many cells"])
    assert str(too_wide) == "fuzz.csv:2: more than 1,000 cells in one row; nothing imported"
    zeros = bounded(read_entries, CORPUS["zeros, as /dev/zero gives"])
    assert str(zeros).startswith("fuzz.csv:1: a NUL byte, which no text cell can hold")

"""Files the commands read and write: input sheets, import reports, and atomic output files.

Every spreadsheet import (instruments, users, training) reads its file, shows progress and
prints its report the same way; every command that writes a file writes it atomically.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from equipshare.cli.options import cli_state
from equipshare.cli.output import emit
from equipshare.domain.enums import ImportAction
from equipshare.domain.errors import InputError
from equipshare.domain.records.operations.admin import SheetImportReport
from equipshare.sheets.csv_files import MAX_SHEET_BYTES, BadRowsError, check_size

if TYPE_CHECKING:
    from rich.console import Console

# A table for people stops here; --format csv or json lists every row.
TABLE_ROWS = 100
OUTCOME_COLUMNS = ["line", "action", "key", "record", "detail"]

dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Do all the work and report it, then roll it back."
)
skip_bad_option = click.option(
    "--skip-bad", is_flag=True, help="Import the good rows and list the bad ones (exit 0)."
)
verbose_option = click.option(
    "-v", "--verbose", is_flag=True, help="A line per 500 rows written, for logs (stderr)."
)


def read_sheet_file(ctx: click.Context, path: Path) -> bytes:
    """A spreadsheet to import, read no further than [limits] sheet_megabytes allows."""
    return read_input(path, cli_state(ctx).settings().limits.sheet_bytes)


def read_input(path: Path, limit: int = MAX_SHEET_BYTES) -> bytes:
    """The file's bytes, or an InputError (exit 2) naming it; one over `limit` bytes is
    refused before it is read when its size is known, and a stream (a FIFO, /dev/zero)
    is read no further than `limit` plus one byte."""
    try:
        with path.open("rb") as handle:
            check_size(os.fstat(handle.fileno()).st_size, limit, str(path))
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", "file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror}", "file") from None
    check_size(len(data), limit, str(path))
    return data


@contextmanager
def progress_bar(what: str, verbose: bool) -> Iterator[Callable[[int, int], None]]:
    """A rich bar on stderr when it is a terminal; plain lines with --verbose; else silence."""
    if sys.stderr.isatty():
        from rich.progress import Progress

        with Progress(console=_stderr_console(), transient=True) as bar:
            task = bar.add_task(what, total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            yield advance
        return

    def line(done: int, total: int) -> None:
        if verbose:
            click.echo(f"{what}: {done} of {total} rows written", err=True)

    yield line


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def listing_bad_rows() -> Iterator[None]:
    """Every bad row on a line of its own (FILE:LINE: problem) before the one-line error."""
    try:
        yield
    except BadRowsError as exc:
        if len(exc.bad) > 1:
            for row in exc.bad:
                click.echo(f"{exc.source}:{row.line}: {row.problem}", err=True)
        raise


def print_report(report: SheetImportReport, output: str, noun: str) -> None:
    """Outcomes to stdout (a table shows only what changed), then notes and a summary to stderr."""
    rows = [
        {"line": o.line, "action": o.action, "key": o.key, "record": o.record, "detail": o.detail}
        for o in report.outcomes
        if output != "table" or o.action is not ImportAction.UNCHANGED
    ]
    if output != "table":
        emit(rows, OUTCOME_COLUMNS, output)
    elif rows:
        emit(rows[:TABLE_ROWS], OUTCOME_COLUMNS, output)
        if len(rows) > TABLE_ROWS:
            click.echo(f"... and {len(rows) - TABLE_ROWS} more (--format csv lists them all)")
    for note in report.notes:
        click.echo(note, err=True)
    for bad in report.skipped:
        click.echo(f"{report.source}:{bad.line}: {bad.problem} (skipped)", err=True)
    skipped = len(report.skipped)
    counts = (
        f"{noun} {report.count(ImportAction.CREATED)} created, "
        f"{report.count(ImportAction.UPDATED)} updated, "
        f"{report.count(ImportAction.UNCHANGED)} unchanged; "
        f"{skipped} bad row{'' if skipped == 1 else 's'} skipped"
    )
    if report.dry_run:
        click.echo(f"dry run, nothing written: {report.source} would give {counts}", err=True)
    else:
        click.echo(f"imported {report.source}: {counts}", err=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a calendar."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as exc:
        raise InputError(f"-o: cannot write in {directory}: {exc.strerror}", "-o") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        os.unlink(temporary)
        raise InputError(f"-o: cannot write {path}: {exc.strerror}", "-o") from None

"""`equipshare import instruments` and `export instruments`: the catalogue as uniquip sheets.

Also the pieces every spreadsheet import shares (reading the file, the progress bar,
printing a report), used by `import users` and `training import` too.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option, plain
from equipshare.domain import ImportAction
from equipshare.errors import InputError
from equipshare.records_admin import CatalogueEntry, SheetImportReport
from equipshare.sheets import BadRowsError

if TYPE_CHECKING:
    from rich.console import Console

# A table for people stops here; --format csv or json lists every row.
TABLE_ROWS = 100
OUTCOME_COLUMNS = ["line", "action", "key", "record", "detail"]
EXPORT_COLUMNS = [
    "code", "institution_code", "facility_code", "facility_name", "category", "status",
    "access_level", "uniquip_id", "uniquip_type", "name", "description", "technique",
    "location", "department", "site_location", "building", "service_level", "web_address",
    "contact_name", "contact_email", "contact_telephone", "contact_url",
    "secondary_contact_name", "secondary_contact_email", "secondary_contact_telephone",
    "secondary_contact_url", "photo_url",
]  # fmt: skip

dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Do all the work and report it, then roll it back."
)
skip_bad_option = click.option(
    "--skip-bad", is_flag=True, help="Import the good rows and list the bad ones (exit 0)."
)
verbose_option = click.option(
    "-v", "--verbose", is_flag=True, help="A line per 500 rows written, for logs (stderr)."
)


def read_input(path: Path) -> bytes:
    """The file's bytes, or an InputError (exit 2) naming it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", "file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror}", "file") from None


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


@click.command("instruments")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--institution", metavar="CODE", help="Whose sheet it is (e.g. WARWICK).")
@dry_run_option
@skip_bad_option
@verbose_option
@format_option
@as_option
@common_options
@click.pass_context
def import_instruments(
    ctx: click.Context,
    file: Path,
    institution: str | None,
    dry_run: bool,
    skip_bad: bool,
    verbose: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Create or update instruments from a uniquip spreadsheet FILE (admins).

    FILE is the CSV that universities publish to equipment.data.ac.uk: Type, Name,
    Description, Related Facility ID, Technique, Location, Contact Name/Telephone/URL/
    Email, Secondary Contact Name/Telephone/URL/Email, ID, Photo, Department, Site
    Location, Building, Service Level, Web Address. Columns may come in any order and any
    case; extra columns are ignored (and named); an Institution column, as `export
    instruments` writes, says whose each row is, else --institution does.

    \b
    ID is the key: an instrument whose uniquip ID (or else code) is the ID is updated,
    otherwise one is created with the ID as its code and the [booking] defaults of
    equipshare.toml. Related Facility ID names the facility by code; without it the
    Department names it. Missing facilities are created.

    Every row is checked first. Any bad row: each is listed as FILE:LINE, nothing is
    imported, exit 2; --skip-bad imports the good rows instead. One transaction, so an
    interrupted import changes nothing. Running it again changes nothing more.

    \b
    Examples:
      equipshare import instruments warwick-uniquip.csv --institution WARWICK --dry-run
      equipshare import instruments warwick-uniquip.csv --institution WARWICK --skip-bad
    """
    data = read_input(file)
    with cli_state(ctx).open() as context, listing_bad_rows():
        from equipshare.services.catalogue_import import CatalogueImportService

        actor = resolve_actor(context, as_user)
        with progress_bar(f"importing {file.name}", verbose) as progress:
            report = CatalogueImportService(context).import_instruments(
                actor, data, str(file), institution=institution, dry_run=dry_run,
                skip_bad=skip_bad, progress=progress,
            )  # fmt: skip
    print_report(report, output, "instruments")


@click.command("instruments")
@click.option(
    "--format",
    "output",
    type=click.Choice(["uniquip", "csv", "json"]),
    default="uniquip",
    show_default=True,
    help="uniquip: the equipment.data.ac.uk sheet; csv, json: every equipshare field.",
)
@click.option("--institution", metavar="CODE", help="Only this institution's instruments.")
@click.option(
    "-o", "--output", "output_file", type=click.Path(path_type=Path, dir_okay=False), help="File."
)
@as_option
@common_options
@click.pass_context
def export_instruments(
    ctx: click.Context,
    output: str,
    institution: str | None,
    output_file: Path | None,
    as_user: str | None,
) -> None:
    """Write the instrument catalogue to stdout or -o FILE, as uniquip, CSV or JSON.

    The uniquip sheet has the standard's 21 columns plus Institution; each instrument's
    facility code is its Related Facility ID, so importing the sheet again finds every
    instrument and facility as it was and changes nothing. Any user may export.

    \b
    Examples:
      equipshare export instruments -o catalogue.csv
      equipshare export instruments --institution WARWICK --format json
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.catalogue_export import CatalogueExportService

        actor = resolve_actor(context, as_user)
        entries = CatalogueExportService(context).entries(actor, institution)
    data = render_catalogue(entries, output)
    if output_file is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        from equipshare.cli.export_commands import write_atomically

        write_atomically(output_file, data)
        click.echo(f"exported {len(entries)} instruments to {output_file}", err=True)


def render_catalogue(entries: list[CatalogueEntry], output: str) -> bytes:
    """The bytes of an export in `output` form."""
    if output == "uniquip":
        from equipshare.uniquip import cells, write_sheet

        return write_sheet(cells(entry) for entry in entries)
    records = [{name: plain(getattr(e, name)) for name in EXPORT_COLUMNS} for e in entries]
    if output == "json":
        return (json.dumps(records, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue().encode("utf-8")

"""`equipshare import instruments` and `export instruments`: the catalogue as uniquip sheets."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from equipshare.cli.files import (
    dry_run_option,
    listing_bad_rows,
    print_report,
    progress_bar,
    read_sheet_file,
    skip_bad_option,
    verbose_option,
    write_atomically,
)
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import format_option, plain, raw_csv_option, wants_raw_csv, write_csv
from equipshare.domain.display.wording import count_words
from equipshare.domain.records.operations.admin import CatalogueEntry

if TYPE_CHECKING:
    pass

EXPORT_COLUMNS = [
    "code", "institution_code", "facility_code", "facility_name", "category", "status",
    "access_level", "uniquip_id", "uniquip_type", "name", "description", "technique",
    "location", "department", "site_location", "building", "service_level", "web_address",
    "contact_name", "contact_email", "contact_telephone", "contact_url",
    "secondary_contact_name", "secondary_contact_email", "secondary_contact_telephone",
    "secondary_contact_url", "photo_url",
]  # fmt: skip


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
    data = read_sheet_file(ctx, file)
    with cli_state(ctx).open() as context, listing_bad_rows():
        from equipshare.services.catalogue.service import CatalogueImportService

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
@raw_csv_option
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

    A cell a spreadsheet would run as a formula (starting =, +, -, @ or a tab, such as a
    telephone number +44...) is written with a ' in front, which `import instruments`
    takes off again; --raw-csv writes it as stored, e.g. for equipment.data.ac.uk.

    \b
    Examples:
      equipshare export instruments -o catalogue.csv
      equipshare export instruments --institution WARWICK --format json
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.catalogue.service import CatalogueExportService

        actor = resolve_actor(context, as_user)
        entries = CatalogueExportService(context).entries(actor, institution)
    data = render_catalogue(entries, output, escape=not wants_raw_csv())
    if output_file is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomically(output_file, data)
        click.echo(f"exported {count_words(len(entries), 'instrument')} to {output_file}", err=True)


def render_catalogue(entries: list[CatalogueEntry], output: str, *, escape: bool = True) -> bytes:
    """The bytes of an export in `output` form; `escape` makes formula-like CSV cells text."""
    if output == "uniquip":
        from equipshare.sheets.uniquip import cells, write_sheet

        return write_sheet((cells(entry) for entry in entries), escape=escape)
    records = [{name: plain(getattr(e, name)) for name in EXPORT_COLUMNS} for e in entries]
    if output == "json":
        return (json.dumps(records, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    buffer = io.StringIO(newline="")
    body = (["" if r[name] is None else str(r[name]) for name in EXPORT_COLUMNS] for r in records)
    write_csv(buffer, [EXPORT_COLUMNS, *body], escape=escape)
    return buffer.getvalue().encode("utf-8")

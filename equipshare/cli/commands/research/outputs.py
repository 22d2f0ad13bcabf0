"""`equipshare outputs add|list|edit|remove`: papers and datasets recorded against bookings.

A researcher records their own outputs, against a project code of theirs or chosen
completed bookings; the facilities and technicians the output credits see it too. A DOI is
checked for form only: nothing is fetched.
"""

from __future__ import annotations

import json

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.errors import InputError
from equipshare.domain.records.impact.portfolio import OutputRecord

COLUMNS = ["id", "year", "doi", "title", "researcher", "institution", "project", "bookings",
           "facilities"]  # fmt: skip


@click.group("outputs")
def outputs_group() -> None:
    """Research outputs (papers, datasets) recorded against the bookings that made them.

    \b
    Examples:
      equipshare outputs add 10.1039/d6cp01234a "XPS of doped ceria" 2026 --project EP/X123/1
      equipshare outputs add 10.5281/zenodo.123 "Raw spectra" 2026 --booking 41 --booking 42
      equipshare outputs list --format csv
      equipshare outputs remove 7
    """


def _booking_ids(texts: tuple[str, ...]) -> list[int]:
    """--booking values as ids; "41,42" and repeated options both work."""
    found = []
    for text in texts:
        for part in text.split(","):
            if not part.strip().isdigit():
                raise InputError(
                    f"--booking: {part.strip()!r} is not a booking number", "--booking"
                )
            found.append(int(part))
    return found


def _row(record: OutputRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "year": record.year,
        "doi": record.doi,
        "title": record.title,
        "researcher": record.username,
        "institution": record.institution_code,
        "project": record.project_code or "",
        "bookings": " ".join(str(b.booking_id) for b in record.bookings),
        "facilities": " ".join(record.facility_codes),
    }


def _json(record: OutputRecord) -> dict[str, object]:
    return {
        **_row(record),
        "doi_url": record.doi_url,
        "recorded_at": record.created_at.isoformat(),
        "bookings": [
            {
                "id": b.booking_id,
                "instrument": b.instrument_code,
                "facility": b.facility_code,
                "starts_at": b.starts_at.isoformat(),
                "ends_at": b.ends_at.isoformat(),
                "project": b.project_code,
            }
            for b in record.bookings
        ],
        "facilities": list(record.facility_codes),
    }


@outputs_group.command("add")
@click.argument("doi")
@click.argument("title")
@click.argument("year", type=int)
@click.option(
    "--project",
    "project_code",
    metavar="CODE",
    help="Every completed booking of yours under this project code (later ones too).",
)
@click.option(
    "--booking",
    "bookings",
    multiple=True,
    metavar="ID[,ID...]",
    help="A completed booking of yours the output used; repeat or comma-separate.",
)
@as_option
@common_options
@click.pass_context
def add(
    ctx: click.Context,
    doi: str,
    title: str,
    year: int,
    project_code: str | None,
    bookings: tuple[str, ...],
    as_user: str | None,
) -> None:
    """Record an output of yours: DOI (10.x/..., a doi.org link or doi:...), TITLE, YEAR.

    Give --project or --booking, not both. Prints the output's number. Bad input is
    refused in one line naming the field (exit 2); a DOI you recorded already is refused
    (exit 1).
    """  # fmt: skip
    chosen = _booking_ids(bookings)
    with cli_state(ctx).open() as context:
        from equipshare.services.outputs.service import OutputService

        actor = resolve_actor(context, as_user)
        record = OutputService(context).add(
            actor, doi, title, year, project_code=project_code, booking_ids=chosen
        )
    click.echo(record.id)
    used = f"{len(record.bookings)} completed booking" + ("" if len(record.bookings) == 1 else "s")
    click.echo(f"recorded output {record.id}: {record.doi} ({used})", err=True)


@outputs_group.command("edit")
@click.argument("output_id", metavar="OUTPUT_ID", type=int)
@click.option("--doi")
@click.option("--title")
@click.option("--year", type=int)
@click.option(
    "--project", "project_code", metavar="CODE", help="Record it against this project code instead."
)
@click.option(
    "--booking",
    "bookings",
    multiple=True,
    metavar="ID[,ID...]",
    help="Record it against these bookings instead.",
)
@as_option
@common_options
@click.pass_context
def edit(
    ctx: click.Context,
    output_id: int,
    doi: str | None,
    title: str | None,
    year: int | None,
    project_code: str | None,
    bookings: tuple[str, ...],
    as_user: str | None,
) -> None:
    """Change output OUTPUT_ID: your own, or anyone's for an admin (audited)."""  # fmt: skip
    chosen = _booking_ids(bookings) if bookings else None
    with cli_state(ctx).open() as context:
        from equipshare.services.outputs.service import OutputService

        actor = resolve_actor(context, as_user)
        service = OutputService(context)
        if project_code is not None:
            record = service.edit(actor, output_id, doi=doi, title=title, year=year,
                                  project_code=project_code)  # fmt: skip
        else:
            record = service.edit(actor, output_id, doi=doi, title=title, year=year,
                                  booking_ids=chosen)  # fmt: skip
    click.echo(f"output {record.id}: {record.doi}, {record.title} ({record.year})", err=True)


@outputs_group.command("remove")
@click.argument("output_id", metavar="OUTPUT_ID", type=int)
@as_option
@common_options
@click.pass_context
def remove(ctx: click.Context, output_id: int, as_user: str | None) -> None:
    """Remove output OUTPUT_ID: your own, or anyone's for an admin. The audit trail keeps
    what it held."""
    with cli_state(ctx).open() as context:
        from equipshare.services.outputs.service import OutputService

        actor = resolve_actor(context, as_user)
        record = OutputService(context).remove(actor, output_id)
    click.echo(f"removed output {record.id}: {record.doi}", err=True)


@outputs_group.command("list")
@click.option("--mine", is_flag=True, help="Only outputs you recorded.")
@click.option("--user", "username", metavar="USER", help="Only outputs USER recorded.")
@format_option
@as_option
@common_options
@click.pass_context
def list_outputs(
    ctx: click.Context, mine: bool, username: str | None, output: str, as_user: str | None
) -> None:
    """The outputs you may see, newest year first: your own; as facility staff those that
    used your facility's bookings; as a technician those crediting you; all for admins."""
    with cli_state(ctx).open() as context:
        from equipshare.services.outputs.service import OutputService

        actor = resolve_actor(context, as_user)
        records = OutputService(context).list_outputs(actor, username=username, mine=mine)
    if output == "json":
        click.echo(json.dumps([_json(r) for r in records], indent=2, ensure_ascii=False))
        return
    if not records and output == "table":
        click.echo("no outputs to show", err=True)
        return
    emit([_row(r) for r in records], COLUMNS, output, title="Research outputs")

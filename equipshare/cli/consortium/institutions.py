"""`equipshare institutions add|edit|list`: the universities and companies of the consortium."""

from __future__ import annotations

import click

from equipshare.cli.files import dry_run_option
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.enums import InstitutionSector
from equipshare.domain.records.consortium import InstitutionChange, InstitutionRecord

COLUMNS = ("code", "name", "sector", "partner", "email_domains", "facilities", "users")
SECTORS = [s.value for s in InstitutionSector]


def _row(record: InstitutionRecord, output: str) -> dict[str, object]:
    return {
        "code": record.code,
        "name": record.name,
        "sector": record.sector,
        "partner": record.is_partner
        if output == "json"
        else ("yes" if record.is_partner else "no"),
        "email_domains": list(record.email_domains)
        if output == "json"
        else ", ".join(record.email_domains),
        "facilities": record.facilities,
        "users": record.users,
    }


def report_change(change: InstitutionChange, output: str) -> None:
    """The institution on stdout; on stderr what happened to each field."""
    emit([_row(change.institution, output)], COLUMNS, output)
    code, result = change.institution.code, change.change
    prefix = "dry run: would be " if result.dry_run else ""
    if not result.changed:
        click.echo(f"{code}: {prefix}{result.outcome.value}", err=True)
    verb = "would change" if result.dry_run else "changed"
    for field, old, new in result.changed:
        click.echo(f"{code} {verb} {field}: {_shown(old)} -> {_shown(new)}", err=True)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    return value.value if isinstance(value, InstitutionSector) else str(value)


@click.group("institutions")
def institutions_group() -> None:
    """Universities and companies: add, edit and list them (admins)."""


@institutions_group.command("list")
@format_option
@as_option
@common_options
@click.pass_context
def list_institutions(ctx: click.Context, output: str, as_user: str | None) -> None:
    """List every institution by code, with its facilities and users counted (admins).

    \b
    Examples:
      equipshare institutions list
      equipshare institutions list --format csv > institutions.csv
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.consortium.service import InstitutionService

        records = InstitutionService(context).list(resolve_actor(context, as_user))
    emit([_row(r, output) for r in records], COLUMNS, output)


@institutions_group.command("add")
@click.argument("code")
@click.option("--name", metavar="NAME", required=True, help="Its name, e.g. 'Aston University'.")
@click.option(
    "--sector",
    type=click.Choice(SECTORS),
    required=True,
    help="academic or industry: drives access levels and user classes.",
)
@click.option(
    "--partner/--not-partner",
    default=False,
    show_default=True,
    help="Whether it books consortium instruments on partner terms.",
)
@click.option(
    "--email-domain",
    "email_domains",
    multiple=True,
    metavar="DOMAIN",
    help="Its people's email domain; repeat, or separate with commas.",
)
@dry_run_option
@format_option
@as_option
@common_options
@click.pass_context
def add_institution(
    ctx: click.Context,
    code: str,
    name: str,
    sector: str,
    partner: bool,
    email_domains: tuple[str, ...],
    dry_run: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Add institution CODE (admins; stored upper-case, e.g. ASTON).

    Adding the same institution again changes nothing; a different one under a code
    already taken is refused (exit 1): change it with `institutions edit`. A bad code,
    name or email domain names its option (exit 2). Partner terms are deliberate:
    without --partner a new institution is not one.

    \b
    Examples:
      equipshare institutions add ASTON --name "Aston University" --sector academic \\
        --partner --email-domain aston.ac.uk
      equipshare institutions add ACME --name "Acme Materials Ltd" --sector industry
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.consortium.service import InstitutionService

        change = InstitutionService(context).add(
            resolve_actor(context, as_user), code, name, InstitutionSector(sector),
            is_partner=partner, email_domains=email_domains, dry_run=dry_run,
        )  # fmt: skip
    report_change(change, output)


@institutions_group.command("edit")
@click.argument("code")
@click.option("--code", "new_code", metavar="NEW", help="A new code (stored upper-case).")
@click.option("--name", metavar="NAME", help="A new name.")
@click.option("--sector", type=click.Choice(SECTORS), help="A new sector.")
@click.option("--partner/--not-partner", default=None, help="Partner terms, or not.")
@click.option(
    "--email-domain",
    "email_domains",
    multiple=True,
    metavar="DOMAIN",
    help="Replace its email domains (repeat for several; '' clears them).",
)
@dry_run_option
@format_option
@as_option
@common_options
@click.pass_context
def edit_institution(
    ctx: click.Context,
    code: str,
    new_code: str | None,
    name: str | None,
    sector: str | None,
    partner: bool | None,
    email_domains: tuple[str, ...],
    dry_run: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Change institution CODE: only the fields given (admins).

    Prints the institution; stderr lists each change, or says nothing changed.

    \b
    Examples:
      equipshare institutions edit SHEF --partner
      equipshare institutions edit ASTON --email-domain aston.ac.uk,aston.com --dry-run
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.consortium.service import InstitutionService

        change = InstitutionService(context).edit(
            resolve_actor(context, as_user),
            code,
            new_code=new_code,
            name=name,
            sector=None if sector is None else InstitutionSector(sector),
            is_partner=partner,
            email_domains=email_domains or None,
            dry_run=dry_run,
        )
    report_change(change, output)

"""`equipshare init`: set up an empty database with its first institution and admin."""

from __future__ import annotations

import os
from pathlib import Path

import click

from equipshare.cli.files import dry_run_option
from equipshare.cli.identity import caller_username
from equipshare.cli.options import cli_state, common_options
from equipshare.config import DATABASE_URL_ENV, Settings
from equipshare.domain.enums import InstitutionSector
from equipshare.domain.records.consortium import InitReport, InitRequest
from equipshare.services.plumbing.context import ServiceContext


def _settings_and_file(ctx: click.Context) -> tuple[Settings, Path]:
    """The settings in force and the file init writes: the one in use, else ./equipshare.toml.

    A --config file that does not exist yet is the one init creates, with built-in settings.
    """
    state = cli_state(ctx)
    if state.config_path is not None and not state.config_path.exists():
        url = state.database_url or os.environ.get(DATABASE_URL_ENV)
        return Settings().with_database_url(url), state.config_path
    settings = state.settings()
    return settings, settings.source or Path.cwd() / "equipshare.toml"


def _lines(report: InitReport) -> list[str]:
    dry = report.dry_run
    head = report.schema_head
    if report.schema_upgraded:
        steps = "create the database and upgrade" if report.database_missing else "upgrade"
        steps = (
            f"would {steps}"
            if dry
            else steps.replace("create", "created").replace("upgrade", "upgraded")
        )
        lines = [f"schema: {steps} {report.schema_before or 'empty'} -> {head}"]
    else:
        lines = [f"schema: at {head} (head)"]
    inst = report.institution
    partner = "partner" if inst.is_partner else "not a partner"
    domains = f", email {', '.join(inst.email_domains)}" if inst.email_domains else ""
    created = "would create" if dry else "created"
    state = created if report.institution_created else "already there"
    lines.append(
        f"institution {inst.code} ({inst.name}, {inst.sector.value}, {partner}{domains}): {state}"
    )
    state = created if report.admin_created else "already an admin"
    lines.append(f"admin {report.admin_username} of {inst.code}: {state}")
    if report.config_path is not None:
        if report.config_changes:
            values = ", ".join(f"{key} = {value!r}" for key, value in report.config_changes)
            verb = "would set" if dry else "set"
            lines.append(f"config {report.config_path}: {verb} [organisation] {values}")
        else:
            lines.append(f"config {report.config_path}: [organisation] already says so")
    if report.already_done:
        lines.append("already set up: nothing to do")
    elif report.dry_run:
        lines.append("dry run: nothing written")
    else:
        lines.append(
            f"set up: act as {report.admin_username} (e.g. `equipshare institutions list`)"
        )
    return lines


@click.command("init")
@click.option(
    "--institution",
    "institution_code",
    metavar="CODE",
    required=True,
    help="Code of the first institution, e.g. WARWICK (stored upper-case).",
)
@click.option(
    "--institution-name",
    metavar="NAME",
    required=True,
    help="Its name, e.g. 'University of Warwick'.",
)
@click.option(
    "--sector",
    type=click.Choice([s.value for s in InstitutionSector]),
    required=True,
    help="academic or industry: drives access levels and user classes.",
)
@click.option(
    "--partner/--not-partner",
    default=True,
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
@click.option(
    "--admin",
    metavar="USERNAME",
    help="The first admin's username (default $EQUIPSHARE_USER, else your login).",
)
@click.option("--admin-name", metavar="NAME", help="The admin's name (default the username).")
@click.option("--admin-email", metavar="EMAIL", help="The admin's email address.")
@click.option(
    "--organisation",
    metavar="NAME",
    help="The organisation's name, written to [organisation] in the config file.",
)
@click.option(
    "--timezone", metavar="ZONE", help="Its IANA time zone (e.g. Europe/London), written there too."
)
@dry_run_option
@common_options
@click.pass_context
def init(
    ctx: click.Context,
    institution_code: str,
    institution_name: str,
    sector: str,
    partner: bool,
    email_domains: tuple[str, ...],
    admin: str | None,
    admin_name: str | None,
    admin_email: str | None,
    organisation: str | None,
    timezone: str | None,
    dry_run: bool,
) -> None:
    """Set up an empty database: the schema, the first institution and its first admin.

    Upgrades the schema to head if it needs it, then creates the institution and the
    admin in one transaction, audited; nothing else is needed first, and it never
    prompts. --organisation and --timezone go into [organisation] of the config file in
    use (--config, $EQUIPSHARE_CONFIG, ./equipshare.toml; else ./equipshare.toml is
    created): keys it lacks are added and the rest of the file is left alone; a key it
    sets differently is refused (exit 1). Running the same init again does nothing and
    says so (exit 0); a database that already has users and a different request is
    refused (exit 1). A bad value names its option (exit 2). --dry-run writes nothing.

    \b
    Examples:
      equipshare --db sqlite:///site.db init --institution WARWICK \\
        --institution-name "University of Warwick" --sector academic \\
        --email-domain warwick.ac.uk --admin root --admin-email root@warwick.ac.uk \\
        --organisation "Midlands Innovation" --timezone Europe/London
      equipshare init --institution ASTON --institution-name "Aston University" \\
        --sector academic --dry-run
    """
    request = InitRequest(
        institution_code=institution_code,
        institution_name=institution_name,
        sector=InstitutionSector(sector),
        is_partner=partner,
        email_domains=email_domains,
        admin_username=admin if admin is not None else caller_username(),
        admin_name=admin_name,
        admin_email=admin_email,
        organisation=organisation,
        timezone=timezone,
    )
    settings, config_file = _settings_and_file(ctx)
    from equipshare.services.consortium.service import FirstRunService

    context = ServiceContext.open(settings, require_head=False, create=True)
    try:
        report = FirstRunService(context).init(request, config_file, dry_run=dry_run)
    finally:
        context.close()
    for line in _lines(report):
        click.echo(line)

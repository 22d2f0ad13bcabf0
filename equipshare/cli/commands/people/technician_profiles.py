"""`equipshare users profile USERNAME` and `users profiles FACILITY`: how staff are credited.

A technician's or manager's profile holds the name acknowledgements print, their ORCID iD,
job title, expertise, and whether they are named at all. They edit their own; their
facility's managers and admins edit it too; colleagues may look.
"""

from __future__ import annotations

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option, text
from equipshare.domain.errors import InputError
from equipshare.domain.inputs.technician_profiles import ProfileChanges
from equipshare.domain.records.impact.credit import TechnicianProfileView

COLUMNS = ["username", "name", "credit_name", "printed_as", "orcid", "job_title", "expertise",
           "named", "facilities", "updated_at", "updated_by"]  # fmt: skip
_OPTIONS = {"credit_name": "--credit-name", "orcid": "--orcid", "job_title": "--job-title",
            "expertise": "--expertise"}  # fmt: skip


def _row(view: TechnicianProfileView, output: str) -> dict[str, object]:
    record = view.profile
    updated = view.updated_at
    return {
        "username": record.username,
        "name": record.display_name,
        "credit_name": record.credit_name,
        "printed_as": record.printed_name,
        "orcid": record.orcid or "",
        "job_title": record.job_title,
        "expertise": record.expertise,
        "named": record.named if output == "json" else ("yes" if record.named else "no"),
        "facilities": " ".join(f"{p.facility_code} ({p.role.value})" for p in view.posts),
        "updated_at": updated if output != "table" or updated is None
        else f"{updated:%Y-%m-%d %H:%M} UTC",
        "updated_by": view.updated_by or "",
    }  # fmt: skip


def _print_profile(view: TechnicianProfileView, output: str) -> None:
    """One profile: field by field as a table for people, one row for CSV and JSON."""
    row = _row(view, output)
    if output == "table":
        emit([{"field": k.replace("_", " "), "value": text(row[k])} for k in COLUMNS],
             ["field", "value"], output)  # fmt: skip
    else:
        emit([row], COLUMNS, output)


def _checked(changes: ProfileChanges) -> ProfileChanges:
    """Refuse bad input before the database is opened, naming the option (exit 2)."""
    try:
        changes.checked()
    except InputError as exc:
        option = _OPTIONS.get(exc.field or "", exc.field or "")
        message = str(exc).removeprefix(f"{exc.field}: ")
        raise InputError(f"{option}: {message}", option) from None
    return changes


@click.command("profile")
@click.argument("username")
@click.option("--credit-name", help='The name acknowledgements print ("" = their display name).')
@click.option("--orcid", metavar="ID", help='ORCID iD, as 0000-0002-1825-0097 ("" removes it).')
@click.option("--job-title", help="Job title, as acknowledgements and portfolios show it.")
@click.option("--expertise", help="Techniques and instruments they are expert in.")
@click.option(
    "--named/--not-named",
    default=None,
    help='Whether acknowledgements name them, or say "technical staff of the facility".',
)
@format_option
@as_option
@common_options
@click.pass_context
def profile_command(
    ctx: click.Context,
    username: str,
    credit_name: str | None,
    orcid: str | None,
    job_title: str | None,
    expertise: str | None,
    named: bool | None,
    output: str,
    as_user: str | None,
) -> None:
    """Show, or with options change, the credit profile of staff member USERNAME.

    Technicians and managers edit their own; a facility's managers edit its staff's;
    admins anyone's. Colleagues at their facility may look. Researchers have none. Only
    the options given change. An ORCID iD is checked with its check digit and belongs to
    one person. Bad input: exit 2, naming the option, nothing written.

    \b
    Examples:
      equipshare users profile jsmith
      equipshare users profile jsmith --credit-name "Dr Jo Smith" --orcid 0000-0002-1825-0097
      equipshare users profile jsmith --job-title "Senior XPS technician" --not-named
    """
    changes = _checked(ProfileChanges(credit_name, orcid, job_title, expertise, named))
    with cli_state(ctx).open() as context:
        from equipshare.services.technicians.service import TechnicianProfileService

        actor = resolve_actor(context, as_user)
        profiles = TechnicianProfileService(context)
        if changes.empty:
            _print_profile(profiles.show(username, actor=actor), output)
            return
        edit = profiles.edit(username, changes, actor=actor)
    _print_profile(edit.view, output)
    changed = ", ".join(f.replace("_", " ") for f in edit.changed)
    click.echo(f"changed {username}: {changed}" if changed else f"{username} unchanged", err=True)


@click.command("profiles")
@click.argument("facility")
@format_option
@as_option
@common_options
@click.pass_context
def profiles_command(ctx: click.Context, facility: str, output: str, as_user: str | None) -> None:
    """List the staff of FACILITY (its code) with their credit profiles, managers first.

    For the facility's own staff and admins; `editable` says whether you may change each.

    \b
    Examples:
      equipshare users profiles WAR-PRP
      equipshare users profiles WAR-PRP --format csv > staff.csv
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.technicians.service import TechnicianProfileService

        actor = resolve_actor(context, as_user)
        views = TechnicianProfileService(context).facility_staff(facility, actor=actor)
    columns = [*COLUMNS, "active", "editable"]
    rows = [
        _row(v, output) | {
            "active": v.active if output == "json" else ("yes" if v.active else "no"),
            "editable": v.editable if output == "json" else ("yes" if v.editable else "no"),
        }
        for v in views
    ]  # fmt: skip
    emit(rows, columns, output)

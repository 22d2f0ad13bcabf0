"""`equipshare facilities staff add|remove|list`: a facility's managers and technicians."""

from __future__ import annotations

import click

from equipshare.cli.files import dry_run_option
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.display.wording import staff_change_words
from equipshare.domain.enums import StaffRole
from equipshare.domain.records.consortium import StaffChange

COLUMNS = ("facility", "username", "name", "email", "role", "active")
ROLES = [r.value for r in StaffRole]


def _echo(change: StaffChange, dry_run: bool) -> None:
    click.echo(("dry run: " if dry_run else "") + staff_change_words(change, dry_run))
    if change.note:
        click.echo(f"note: {change.note}", err=True)


@click.group("staff")
def staff_group() -> None:
    """Who manages a facility and who are its technicians."""


@staff_group.command("list")
@click.argument("facility")
@format_option
@as_option
@common_options
@click.pass_context
def list_staff(ctx: click.Context, facility: str, output: str, as_user: str | None) -> None:
    """List FACILITY's managers, then its technicians.

    \b
    Examples:
      equipshare facilities staff list WAR-PRP
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.consortium.service import StaffService

        members = StaffService(context).list(resolve_actor(context, as_user), facility)
    rows = [
        {
            "facility": m.facility_code,
            "username": m.username,
            "name": m.display_name,
            "email": m.email,
            "role": m.role,
            "active": m.active if output == "json" else ("yes" if m.active else "no"),
        }
        for m in members
    ]
    emit(rows, COLUMNS, output)


@staff_group.command("add")
@click.argument("facility")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="manager or technician.")
@dry_run_option
@as_option
@common_options
@click.pass_context
def add_staff(
    ctx: click.Context,
    facility: str,
    username: str,
    role: str,
    dry_run: bool,
    as_user: str | None,
) -> None:
    """Make USERNAME a manager or technician of FACILITY (its managers, or admins).

    Managers approve bookings, set prices and change the staff; technicians run
    sessions, record training and approve bookings too. Someone already in that role is
    told so (exit 0); someone in the other role changes role. Making the last manager a
    technician is for admins only (exit 1).

    \b
    Examples:
      equipshare facilities staff add WAR-PRP mgr --role manager
      equipshare facilities staff add WAR-PRP tech --role technician --dry-run
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.consortium.service import StaffService

        change = StaffService(context).add(
            resolve_actor(context, as_user), facility, username, StaffRole(role), dry_run=dry_run
        )
    _echo(change, dry_run)


@staff_group.command("remove")
@click.argument("facility")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), help="Refuse unless they hold this role.")
@dry_run_option
@as_option
@common_options
@click.pass_context
def remove_staff(
    ctx: click.Context,
    facility: str,
    username: str,
    role: str | None,
    dry_run: bool,
    as_user: str | None,
) -> None:
    """Take USERNAME off FACILITY's staff (its managers, or admins).

    Someone not on the staff is told so (exit 0). Only an admin may remove a facility's
    last manager (others exit 1); the admin is told the facility has none left.

    \b
    Examples:
      equipshare facilities staff remove WAR-PRP tech2
      equipshare facilities staff remove WAR-PRP mgr --role manager --dry-run
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.consortium.service import StaffService

        change = StaffService(context).remove(
            resolve_actor(context, as_user),
            facility,
            username,
            None if role is None else StaffRole(role),
            dry_run=dry_run,
        )
    _echo(change, dry_run)

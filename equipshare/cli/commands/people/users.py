"""`equipshare import users` and `users list|add|edit|deactivate|reactivate`: accounts.

Who may run them: admins (personal data and roles). The `training` commands live in
commands/training.py, `users keys` (SSH keys) in commands/ssh_keys.py, and `users profile`
(staff's credit profiles, which staff edit themselves) in commands/technician_profiles.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from equipshare.cli.commands.people.ssh_keys import keys_group
from equipshare.cli.commands.people.technician_profiles import profile_command, profiles_command
from equipshare.cli.files import (
    dry_run_option,
    listing_bad_rows,
    print_report,
    read_sheet_file,
    skip_bad_option,
)
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.enums import Role
from equipshare.domain.records.operations.admin import UserListRow


@click.command("users")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@dry_run_option
@skip_bad_option
@format_option
@as_option
@common_options
@click.pass_context
def import_users(
    ctx: click.Context,
    file: Path,
    dry_run: bool,
    skip_bad: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Create or update user accounts from a CSV FILE (admins).

    Columns: username, name, email, institution (its code, e.g. WARWICK) and role
    (researcher, technician, facility_manager or admin), in any order and case. A
    username already known is updated; a blank role keeps an existing user's role (and
    makes a new one a researcher). Import never deactivates or reactivates anyone, and
    refuses (exit 1) to leave no active admin.

    Any bad row: each is listed as FILE:LINE, nothing is imported, exit 2; --skip-bad
    imports the good rows instead. Running it again changes nothing more.

    \b
    Examples:
      equipshare import users staff.csv --dry-run
      equipshare import users staff.csv --format csv > outcome.csv
    """
    data = read_sheet_file(ctx, file)
    with cli_state(ctx).open() as context, listing_bad_rows():
        from equipshare.services.people.service import PeopleService

        actor = resolve_actor(context, as_user)
        report = PeopleService(context).import_users(
            actor, data, str(file), dry_run=dry_run, skip_bad=skip_bad
        )
    print_report(report, output, "users")


@click.group("users")
def users_group() -> None:
    """Add, edit, list, deactivate and reactivate user accounts (admins); keys and credit profiles.

    `users keys` are anyone's own SSH keys; `users profile` is how a technician or manager
    is credited on papers, which they edit themselves.
    """


users_group.add_command(keys_group)
users_group.add_command(profile_command)
users_group.add_command(profiles_command)


@users_group.command("list")
@click.option("--institution", metavar="CODE", help="Only this institution's users.")
@click.option("--role", type=click.Choice([r.value for r in Role]), help="Only users in this role.")
@format_option
@as_option
@common_options
@click.pass_context
def list_users(
    ctx: click.Context,
    institution: str | None,
    role: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """List users, active and deactivated, by username (admins).

    \b
    Examples:
      equipshare users list --institution WARWICK --role technician
      equipshare users list --format csv > users.csv
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.people.service import PeopleService

        actor = resolve_actor(context, as_user)
        users = PeopleService(context).list_users(actor, institution, role)
    rows = [
        {
            "username": u.username,
            "name": u.name,
            "email": u.email,
            "institution": u.institution_code,
            "role": u.role,
            "active": u.active if output == "json" else ("yes" if u.active else "no"),
        }
        for u in users
    ]
    emit(rows, ["username", "name", "email", "institution", "role", "active"], output)


@users_group.command("deactivate")
@click.argument("usernames", nargs=-1, required=True, metavar="USERNAME...")
@dry_run_option
@as_option
@common_options
@click.pass_context
def deactivate_users(
    ctx: click.Context, usernames: tuple[str, ...], dry_run: bool, as_user: str | None
) -> None:
    """Deactivate the accounts of USERNAME... (admins).

    A deactivated user can no longer sign in to book; their bookings, training and
    history stay. Users already deactivated are reported and left alone, so running it
    twice is safe. An unknown username refuses the lot (exit 1), and so does
    deactivating the last active admin.

    \b
    Examples:
      equipshare users deactivate alice bob --dry-run
      equipshare users deactivate alice
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.people.service import PeopleService

        actor = resolve_actor(context, as_user)
        report = PeopleService(context).deactivate(actor, usernames, dry_run=dry_run)
    verb = "dry run: would deactivate" if dry_run else "deactivated"
    done = ", ".join(report.deactivated) or "nobody"
    line = f"{verb} {done}"
    if report.already_inactive:
        line += f"; already deactivated: {', '.join(report.already_inactive)}"
    click.echo(line, err=True)


_ROLE = click.Choice([r.value for r in Role])


def _print_user(row: UserListRow, output: str) -> None:
    fields = {
        "username": row.username,
        "name": row.name,
        "email": row.email,
        "institution": row.institution_code,
        "role": row.role,
        "active": row.active if output == "json" else ("yes" if row.active else "no"),
    }
    emit([fields], list(fields), output)


@users_group.command("add")
@click.argument("username")
@click.option("--name", required=True, help="The person's name as others should read it.")
@click.option("--email", help="Where notifications go (optional).")
@click.option("--institution", required=True, metavar="CODE", help="Their institution's code.")
@click.option("--role", type=_ROLE, default=Role.RESEARCHER.value, show_default=True)
@format_option
@as_option
@common_options
@click.pass_context
def add_user(
    ctx: click.Context,
    username: str,
    name: str,
    email: str | None,
    institution: str,
    role: str,
    output: str,
    as_user: str | None,
) -> None:
    """Add the account USERNAME, active (admins).

    The same checks as `import users`: a username of letters, digits and . _ @ + -, a
    name, a valid email if given and a known institution code (bad input: exit 2,
    naming the field). A username already taken is refused (exit 1): use `users edit`.

    \b
    Examples:
      equipshare users add jsmith --name "Jo Smith" --email j.smith@warwick.ac.uk \\
        --institution WARWICK --role technician
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.people.service import AccountService

        actor = resolve_actor(context, as_user)
        row = AccountService(context).add(
            actor, username, name=name, email=email, institution=institution, role=role
        )
    _print_user(row, output)
    click.echo(f"added {row.username}", err=True)


@users_group.command("edit")
@click.argument("username")
@click.option("--name", help="A new name.")
@click.option("--email", help='A new email address ("" removes it).')
@click.option("--institution", metavar="CODE", help="A new institution, by code.")
@click.option("--role", type=_ROLE, help="A new role.")
@format_option
@as_option
@common_options
@click.pass_context
def edit_user(
    ctx: click.Context,
    username: str,
    name: str | None,
    email: str | None,
    institution: str | None,
    role: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """Change the name, email, institution or role of USERNAME (admins).

    Only the options given change; the same checks as `users add` apply. A role change
    that would leave no active admin is refused (exit 1). Changing nothing writes
    nothing.

    \b
    Examples:
      equipshare users edit jsmith --role facility_manager
      equipshare users edit jsmith --email "" --institution ASTON
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.people.service import AccountService

        actor = resolve_actor(context, as_user)
        edit = AccountService(context).edit(
            actor, username, name=name, email=email, institution=institution, role=role
        )
    _print_user(edit.user, output)
    changed = ", ".join(edit.changed)
    click.echo(f"changed {username}: {changed}" if changed else f"{username} unchanged", err=True)


@users_group.command("reactivate")
@click.argument("usernames", nargs=-1, required=True, metavar="USERNAME...")
@dry_run_option
@as_option
@common_options
@click.pass_context
def reactivate_users(
    ctx: click.Context, usernames: tuple[str, ...], dry_run: bool, as_user: str | None
) -> None:
    """Reactivate the deactivated accounts of USERNAME... (admins).

    They may sign in and book again, with their bookings, training and history as they
    were. Users already active are reported and left alone, so running it twice is
    safe. An unknown username refuses the lot (exit 1).

    \b
    Examples:
      equipshare users reactivate alice bob --dry-run
      equipshare users reactivate alice
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.people.service import AccountService

        actor = resolve_actor(context, as_user)
        report = AccountService(context).reactivate(actor, usernames, dry_run=dry_run)
    verb = "dry run: would reactivate" if dry_run else "reactivated"
    line = f"{verb} {', '.join(report.reactivated) or 'nobody'}"
    if report.already_active:
        line += f"; already active: {', '.join(report.already_active)}"
    click.echo(line, err=True)

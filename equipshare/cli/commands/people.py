"""`equipshare import users`, `users list|deactivate` and `training import`: people from the shell.

Who may run them: users commands are for admins (personal data and roles); `training
import` for admins and the staff of each row's instrument's facility, as in the app.
"""

from __future__ import annotations

from pathlib import Path

import click

from equipshare.cli.files import (
    dry_run_option,
    listing_bad_rows,
    print_report,
    read_input,
    skip_bad_option,
)
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.enums import Role


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
    data = read_input(file)
    with cli_state(ctx).open() as context, listing_bad_rows():
        from equipshare.services.people.service import PeopleService

        actor = resolve_actor(context, as_user)
        report = PeopleService(context).import_users(
            actor, data, str(file), dry_run=dry_run, skip_bad=skip_bad
        )
    print_report(report, output, "users")


@click.group("users")
def users_group() -> None:
    """List and deactivate user accounts (admins); `import users` adds them."""


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


@click.group("training")
def training_group() -> None:
    """Training records from the shell: import the spreadsheets facilities keep."""


@training_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@dry_run_option
@skip_bad_option
@format_option
@as_option
@common_options
@click.pass_context
def import_training(
    ctx: click.Context,
    file: Path,
    dry_run: bool,
    skip_bad: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Import training records from a CSV FILE (admins, or staff of each row's facility).

    Columns: username, instrument (its code), level (supervised or independent),
    trained_at, expires_at (blank: never) and trainer (a username, optional). Dates are
    2026-03-16 or 16/03/2026, read in the instrument's facility's zone; an expiry date
    means valid through that day. Past training and expiries already over are fine.

    A record is keyed by user, instrument and trained_at: the same row twice is one
    record, and a changed level, expiry or trainer updates it. A row that would give a
    user a second active record on an instrument is bad. Any bad row: each is listed as
    FILE:LINE, nothing is imported, exit 2; --skip-bad imports the good rows instead.

    \b
    Examples:
      equipshare training import xps-training.csv --dry-run
      equipshare training import xps-training.csv --skip-bad --format csv
    """
    data = read_input(file)
    with cli_state(ctx).open() as context, listing_bad_rows():
        from equipshare.services.people.service import TrainingImportService

        actor = resolve_actor(context, as_user)
        report = TrainingImportService(context).import_records(
            actor, data, str(file), dry_run=dry_run, skip_bad=skip_bad
        )
    print_report(report, output, "training records")

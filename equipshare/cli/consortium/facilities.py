"""`equipshare facilities add|edit|list|show`, `facilities staff add|remove|list` and
`facilities acknowledgement` (a facility's wording of acknowledgements).

A facility's charging terms show here and change with `equipshare facility policy`.
`show` prints one field a line as a table, and one row of every field as CSV or JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from equipshare.cli.consortium.acknowledgement_wording import acknowledgement
from equipshare.cli.consortium.staff import staff_group
from equipshare.cli.files import dry_run_option
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.records.consortium import FacilityChange, FacilityRecord

F = TypeVar("F", bound=Callable[..., Any])
LIST_COLUMNS = ("code", "name", "institution", "timezone", "managers", "technicians", "instruments")
SHOW_COLUMNS = (
    "code", "name", "institution", "department", "building", "site", "timezone", "email",
    "web_address", "charge_basis", "free_cancellation_hours", "late_cancellation_percent",
    "requires_check_in", "notify_staff_on_cancel", "managers", "technicians", "instruments",
)  # fmt: skip


def _row(record: FacilityRecord, output: str) -> dict[str, object]:
    names: Callable[[tuple[str, ...]], object] = list if output == "json" else ", ".join
    return {
        "code": record.code,
        "name": record.name,
        "institution": record.institution_code,
        "department": record.department,
        "building": record.building,
        "site": record.site,
        "timezone": record.timezone,
        "email": record.email,
        "web_address": record.web_address,
        "charge_basis": record.charge_basis,
        "free_cancellation_hours": record.free_cancellation_hours,
        "late_cancellation_percent": record.late_cancellation_percent,
        "requires_check_in": record.requires_check_in,
        "notify_staff_on_cancel": record.notify_staff_on_cancel,
        "managers": names(record.managers),
        "technicians": names(record.technicians),
        "instruments": record.instruments,
    }


def _show(record: FacilityRecord, output: str) -> None:
    row = _row(record, output)
    if output == "table":
        fields = [{"field": c.replace("_", " "), "value": row[c]} for c in SHOW_COLUMNS]
        emit(fields, ("field", "value"), output, title=f"{record.code}: {record.name}")
    else:
        emit([row], SHOW_COLUMNS, output)


def _report(change: FacilityChange, output: str) -> None:
    _show(change.facility, output)
    code, result = change.facility.code, change.change
    if not result.changed:
        prefix = "dry run: would be " if result.dry_run else ""
        click.echo(f"{code}: {prefix}{result.outcome.value}", err=True)
    verb = "would change" if result.dry_run else "changed"
    for field, old, new in result.changed:
        click.echo(f"{code} {verb} {field}: {_value(old)} -> {_value(new)}", err=True)


def _value(value: object) -> str:
    """A changed field's value as the report line shows it: a cleared one as (none)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value else "(none)"


def _described(func: F) -> F:
    """The options describing where a facility is and how to reach it ('' clears one)."""
    for flag, text in reversed(
        [
            ("--department", "Department it belongs to."),
            ("--building", "Building it is in."),
            ("--site", "Site or campus."),
            ("--timezone", "IANA time zone its times are shown in (default [organisation])."),
            ("--email", "Contact email address."),
            ("--web-address", "Web page (http or https)."),
        ]
    ):
        func = click.option(flag, metavar="TEXT", help=text)(func)
    return func


@click.group("facilities")
def facilities_group() -> None:
    """Facilities and their staff: add, edit, list and show them; who manages them."""


facilities_group.add_command(staff_group)
facilities_group.add_command(acknowledgement)


@facilities_group.command("list")
@click.option("--institution", metavar="CODE", help="Only this institution's facilities.")
@format_option
@as_option
@common_options
@click.pass_context
def list_facilities(
    ctx: click.Context, institution: str | None, output: str, as_user: str | None
) -> None:
    """List facilities by code, with their managers, technicians and instruments.

    \b
    Examples:
      equipshare facilities list --institution WARWICK
      equipshare facilities list --format json
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.consortium.service import FacilityService

        records = FacilityService(context).list(resolve_actor(context, as_user), institution)
    emit([_row(r, output) for r in records], LIST_COLUMNS, output)


@facilities_group.command("show")
@click.argument("code")
@format_option
@as_option
@common_options
@click.pass_context
def show_facility(ctx: click.Context, code: str, output: str, as_user: str | None) -> None:
    """Show facility CODE: where it is, its contacts, charging terms and staff.

    \b
    Examples:
      equipshare facilities show WAR-PRP
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.consortium.service import FacilityService

        record = FacilityService(context).show(resolve_actor(context, as_user), code)
    _show(record, output)


@facilities_group.command("add")
@click.argument("code")
@click.option("--name", metavar="NAME", required=True, help="Its name.")
@click.option("--institution", metavar="CODE", required=True, help="The institution it is in.")
@_described
@dry_run_option
@format_option
@as_option
@common_options
@click.pass_context
def add_facility(
    ctx: click.Context,
    code: str,
    name: str,
    institution: str,
    timezone: str | None,
    dry_run: bool,
    output: str,
    as_user: str | None,
    department: str | None,
    building: str | None,
    site: str | None,
    email: str | None,
    web_address: str | None,
) -> None:
    """Add facility CODE to an institution (admins).

    Adding the same facility again changes nothing; another under a code already taken
    is refused (exit 1). Charging terms start at the defaults (booked time, free
    cancelling until 24 h before, 50% after); change them with `equipshare facility
    policy CODE`. Staff: `equipshare facilities staff add CODE USER --role manager`.

    \b
    Examples:
      equipshare facilities add WAR-EM --name "Warwick Electron Microscopy" \\
        --institution WARWICK --building "Physical Sciences" --email em@warwick.ac.uk
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.consortium.service import FacilityService

        change = FacilityService(context).add(
            resolve_actor(context, as_user), code, name, institution,
            timezone=timezone, dry_run=dry_run, department=department, building=building,
            site=site, email=email, web_address=web_address,
        )  # fmt: skip
    _report(change, output)


@facilities_group.command("edit")
@click.argument("code")
@click.option("--code", "new_code", metavar="NEW", help="A new code.")
@click.option("--name", metavar="NAME", help="A new name.")
@click.option("--institution", metavar="CODE", help="Move it to another institution.")
@click.option(
    "--notify-staff-on-cancel/--no-notify-staff-on-cancel",
    default=None,
    help="Email its managers (and an assisting technician) when a user cancels a booking.",
)
@_described
@dry_run_option
@format_option
@as_option
@common_options
@click.pass_context
def edit_facility(
    ctx: click.Context,
    code: str,
    new_code: str | None,
    name: str | None,
    institution: str | None,
    notify_staff_on_cancel: bool | None,
    timezone: str | None,
    dry_run: bool,
    output: str,
    as_user: str | None,
    department: str | None,
    building: str | None,
    site: str | None,
    email: str | None,
    web_address: str | None,
) -> None:
    """Change facility CODE: only the fields given; '' clears a descriptive one (admins).

    When a user cancels a booking of theirs, the facility's managers (its technicians when
    it has no manager) and the booking's assisting technician are emailed by `equipshare
    notify`; --no-notify-staff-on-cancel turns that off for the facility.

    \b
    Examples:
      equipshare facilities edit WAR-PRP --web-address https://warwick.ac.uk/prp
      equipshare facilities edit WAR-PRP --site "" --dry-run
      equipshare facilities edit WAR-PRP --no-notify-staff-on-cancel
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.consortium.service import FacilityService

        change = FacilityService(context).edit(
            resolve_actor(context, as_user),
            code,
            new_code=new_code,
            name=name,
            institution=institution,
            timezone=timezone,
            notify_staff_on_cancel=notify_staff_on_cancel,
            dry_run=dry_run,
            department=department,
            building=building,
            site=site,
            email=email,
            web_address=web_address,
        )
    _report(change, output)

"""`equipshare instruments add|edit|status|hours|show`: what an instrument is, its policy, hours
and status.

`edit` and `hours` print the future bookings the new rules would refuse (left as they are:
the facility decides), `status` the bookings a change out of service strands. Changes go
to stderr one a line; the rows on stdout take `--format table|csv|json`.
"""

from __future__ import annotations

from typing import Any

import click

from equipshare.cli.consortium.instrument_options import (
    changes_from,
    days_given,
    hours_options,
    instrument_options,
)
from equipshare.cli.files import dry_run_option
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.enums import InstrumentStatus
from equipshare.domain.errors import InputError
from equipshare.domain.records.instruments.instrument_changes import (
    InstrumentChange,
    InstrumentProfile,
)
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.domain.rules.instrument_rules import DAYS, clock_text, week_of
from equipshare.domain.time.timewords import local_range

BROKEN_COLUMNS = ("booking", "user", "status", "when", "problems")
AFFECTED_COLUMNS = ("booking", "user", "status", "when")
STATUSES = "|".join(s.value for s in InstrumentStatus)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "(none)" if value in (None, "") else str(value)


def _report(change: InstrumentChange, output: str) -> None:
    """The broken bookings on stdout; each change, and what to do next, on stderr."""
    record = change.instrument
    rows = [
        {
            "booking": b.booking_id,
            "user": b.username,
            "status": b.status,
            "when": local_range(b.starts_at, b.ends_at, record.timezone),
            "problems": list(b.problems) if output == "json" else "; ".join(b.problems),
        }
        for b in change.breaking
    ]
    if rows or output != "table":
        emit(rows, BROKEN_COLUMNS, output, title=f"Future bookings {record.code} would now refuse")
    prefix = "dry run: " if change.dry_run else ""
    verb = "would change" if change.dry_run else "changed"
    if change.created:
        click.echo(
            f"{prefix}{record.code} {'would be ' if change.dry_run else ''}created "
            f"in {record.facility_name}",
            err=True,
        )
    elif not change.changes:
        click.echo(f"{record.code}: nothing to change", err=True)
    else:
        for c in change.changes:
            click.echo(
                f"{record.code} {verb} {c.name}: {_shown(c.before)} -> {_shown(c.after)}", err=True
            )
    if change.breaking:
        count = len(change.breaking)
        some = f"{count} future booking{'s' if count != 1 else ''}"
        verb = "would break" if change.dry_run else ("break" if count != 1 else "breaks")
        click.echo(
            f"{prefix}{some} {verb} the new rules and stay as they are: tell their owners",
            err=True,
        )


def _hours_of(given: dict[str, Any], always_open: bool) -> tuple[Any, ...] | None:
    days = days_given(given)
    if always_open and days:
        raise InputError("--always-open: give it or day hours, not both", "opening_hours")
    if always_open:
        return ()
    return week_of(days) if days else None


@click.group("instruments")
def instruments_group() -> None:
    """Create and edit instruments: their details, booking policy, opening hours and status."""


@instruments_group.command("add")
@click.argument("code")
@click.option("--facility", metavar="CODE", required=True, help="The facility it belongs to.")
@instrument_options
@hours_options
@dry_run_option
@format_option
@as_option
@common_options
@click.pass_context
def add_instrument(
    ctx: click.Context,
    /,
    code: str,
    facility: str,
    always_open: bool,
    dry_run: bool,
    output: str,
    as_user: str | None,
    **given: Any,
) -> None:
    """Add instrument CODE to a facility (its managers and admins).

    --name and --category are needed. Policy not given takes the [booking] defaults of
    equipshare.toml, and so do the opening hours unless --mon..--sun or --always-open
    are given (days not given are then closed). It starts available, open to consortium
    partners. Audited.

    \b
    Examples:
      equipshare instruments add WAR-SEM-02 --facility WAR-EM --name "JEOL 7800F" \\
        --category SEM --max-minutes 240 --mon 09:00-17:00 --tue 09:00-17:00
    """
    changes = changes_from(given)
    hours = _hours_of(given, always_open)
    with cli_state(ctx).open() as context:
        from equipshare.services.catalogue.service import InstrumentEditingService

        change = InstrumentEditingService(context).create(
            resolve_actor(context, as_user), facility, code, changes, hours=hours, dry_run=dry_run
        )
    _report(change, output)


@instruments_group.command("edit")
@click.argument("code")
@instrument_options
@dry_run_option
@format_option
@as_option
@common_options
@click.pass_context
def edit_instrument(
    ctx: click.Context, /, code: str, dry_run: bool, output: str, as_user: str | None, **given: Any
) -> None:
    """Change instrument CODE's details or policy (its managers and admins).

    Only the options given change; '' clears a text. A policy change applies to
    bookings made from now on. Future bookings that would now break a rule (too long,
    outside the hours, over the quota, needing approval or training) are printed and
    left as they are. Each change is audited.

    \b
    Examples:
      equipshare instruments edit WAR-XPS-01 --max-minutes 240 --dry-run
      equipshare instruments edit WAR-XPS-01 --approval --weekly-quota-hours 6
      equipshare instruments edit WAR-XPS-01 --room "" --contact-technician tech
    """
    changes = changes_from(given)
    if not changes.given():
        raise InputError("nothing to change: give at least one option (see --help)", "options")
    with cli_state(ctx).open() as context:
        from equipshare.services.catalogue.service import InstrumentEditingService

        change = InstrumentEditingService(context).edit(
            resolve_actor(context, as_user), code, changes, dry_run=dry_run
        )
    _report(change, output)


@instruments_group.command("hours")
@click.argument("code")
@hours_options
@dry_run_option
@format_option
@as_option
@common_options
@click.pass_context
def instrument_hours(
    ctx: click.Context,
    /,
    code: str,
    always_open: bool,
    dry_run: bool,
    output: str,
    as_user: str | None,
    **given: Any,
) -> None:
    """Show or replace instrument CODE's opening hours (its managers and admins).

    Hours are wall-clock times in the facility's zone, so 09:00 stays 09:00 across the
    clock changes. The days given replace the whole week: days left out are closed.
    Overlapping or inverted ranges are refused naming the day (exit 2). Future bookings
    outside the new hours are printed and left as they are.

    \b
    Examples:
      equipshare instruments hours WAR-XPS-01
      equipshare instruments hours WAR-XPS-01 --mon 09:00-12:00,13:00-17:00 --tue 09:00-17:00
      equipshare instruments hours WAR-RAM-01 --always-open
    """
    hours = _hours_of(given, always_open)
    with cli_state(ctx).open() as context:
        from equipshare.services.catalogue.service import InstrumentEditingService

        service, actor = InstrumentEditingService(context), resolve_actor(context, as_user)
        if hours is None:
            _print_hours(service.profile(actor, code), output)
            return
        change = service.set_hours(actor, code, hours, dry_run=dry_run)
    _report(change, output)


def _print_hours(profile: InstrumentProfile, output: str) -> None:
    intervals = profile.instrument.policy.opening_hours
    rows = [
        {
            "day": day,
            "hours": ",".join(
                f"{clock_text(i.opens_minute)}-{clock_text(i.closes_minute)}"
                for i in intervals
                if i.weekday == number
            )
            or ("always open" if not intervals else "closed"),
        }
        for number, day in enumerate(DAYS)
    ]
    zone = profile.instrument.timezone
    emit(rows, ("day", "hours"), output, title=f"{profile.instrument.code} opening hours ({zone})")


@instruments_group.command("status")
@click.argument("code")
@click.argument("status", metavar=STATUSES)
@click.option("--reason", metavar="TEXT", help="Why; quoted to anyone refused a booking.")
@click.option(
    "--cancel-affected/--keep-affected",
    default=None,
    help="Cancel the future bookings it strands (owners told), or keep them.",
)
@dry_run_option
@format_option
@as_option
@common_options
@click.pass_context
def instrument_status(
    ctx: click.Context,
    code: str,
    status: str,
    reason: str | None,
    cancel_affected: bool | None,
    dry_run: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Set instrument CODE's STATUS (its facility's staff and admins).

    out_of_service and retired take no new bookings and need --reason. When future
    bookings would be stranded they are listed and the change is refused (exit 1) until
    you choose --cancel-affected (cancelled free, owners told, as for downtime) or
    --keep-affected. --dry-run lists them and changes nothing.

    \b
    Examples:
      equipshare instruments status WAR-XPS-01 out_of_service --reason "pump failed" --dry-run
      equipshare instruments status WAR-XPS-01 out_of_service --reason "pump failed" \\
        --cancel-affected
      equipshare instruments status WAR-XPS-01 available
    """
    try:
        wanted = InstrumentStatus(status.strip().lower().replace("-", "_"))
    except ValueError:
        raise InputError(f"STATUS: {status!r} is not one of {STATUSES}", "status") from None
    with cli_state(ctx).open() as context:
        from equipshare.services.catalogue.service import InstrumentStatusService

        change = InstrumentStatusService(context).set_status(
            resolve_actor(context, as_user), code, wanted, reason,
            cancel_affected=cancel_affected, dry_run=dry_run,
        )  # fmt: skip
    record = change.instrument
    if change.affected or output != "table":
        emit([_affected(b, record.timezone) for b in change.affected], AFFECTED_COLUMNS, output)
    prefix = "dry run: " if dry_run else ""
    if not change.changed:
        click.echo(f"{record.code} is already {wanted.value}: nothing changed", err=True)
        return
    why = f" ({record.status_reason})" if record.status_reason else ""
    click.echo(
        f"{prefix}{record.code}: {change.before_status.value} -> {wanted.value}{why}", err=True
    )
    if change.affected:
        count = len(change.affected)
        fate = "cancelled, owners told" if change.cancelled else "kept"
        if dry_run:
            fate = "stranded: choose --cancel-affected or --keep-affected"
        click.echo(f"{prefix}{count} future booking{'s' if count != 1 else ''} {fate}", err=True)


def _affected(booking: BookingRecord, timezone: str) -> dict[str, object]:
    return {
        "booking": booking.id,
        "user": booking.username,
        "status": booking.status,
        "when": local_range(booking.starts_at, booking.ends_at, timezone),
    }


@instruments_group.command("show")
@click.argument("code")
@format_option
@as_option
@common_options
@click.pass_context
def show_instrument(ctx: click.Context, code: str, output: str, as_user: str | None) -> None:
    """Show every field of instrument CODE (anyone).

    \b
    Examples:
      equipshare instruments show WAR-XPS-01
      equipshare instruments show WAR-XPS-01 --format json
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.catalogue.service import InstrumentEditingService

        profile = InstrumentEditingService(context).profile(resolve_actor(context, as_user), code)
    record = profile.instrument
    values: dict[str, object] = {
        "facility": record.facility_name,
        "institution": record.institution_code,
        "timezone": record.timezone,
        **dict(profile.fields),
        "contact_technician": profile.contact_technician,
        "opening_hours": profile.opening_hours,
    }
    if output == "table":
        rows = [{"field": k.replace("_", " "), "value": v} for k, v in values.items()]
        emit(rows, ("field", "value"), output, title=f"{record.code}: {record.name}")
    else:
        emit([values], tuple(values), output)

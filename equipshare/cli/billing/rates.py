"""`equipshare rates list|set` and `equipshare facility policy`: prices and charging terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.enums import ChargeBasis, UserClass
from equipshare.domain.errors import InputError
from equipshare.domain.records.money.charging import FacilityPolicyRecord, RateCardRecord

CARD_COLUMNS = ("user_class", "valid_from", "hourly_rate", "technician_hourly_rate", "state")
POLICY_COLUMNS = (
    "facility_code",
    "charge_basis",
    "free_cancellation_hours",
    "late_cancellation_percent",
    "requires_check_in",
)
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would change, and change nothing."
)


def _pounds(value: str, name: str, field: str) -> Decimal:
    try:
        return Decimal(value.strip().removeprefix("£").replace(",", ""))
    except InvalidOperation:
        raise InputError(
            f"{name} {value!r} is not an amount in pounds, e.g. 42.50", field
        ) from None


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--from {value!r} is not a date like 2026-04-01", "valid_from") from None


def _card_row(card: RateCardRecord) -> dict[str, object]:
    return {
        "user_class": card.user_class,
        "valid_from": card.valid_from,
        "hourly_rate": card.hourly_rate,
        "technician_hourly_rate": card.technician_hourly_rate,
        "state": card.state,
    }


def _policy_row(policy: FacilityPolicyRecord) -> dict[str, object]:
    return {"facility_code": policy.facility_code, **policy.settings()}


@click.group("rates")
def rates_group() -> None:
    """An instrument's hourly prices per user class: list them, or set a new one."""


@rates_group.command("list")
@click.argument("instrument")
@format_option
@as_option
@common_options
@click.pass_context
def list_rates(ctx: click.Context, instrument: str, output: str, as_user: str | None) -> None:
    """List INSTRUMENT's rate cards: per user class, each price and the date it starts.

    Prices are in GBP an hour; the technician rate is added for assisted sessions.
    State says which card new bookings get today (in force), which are superseded
    (past) and which start later (future). A booking keeps the price of the card in
    force on the day it was made. Anyone may list prices.

    \b
    Examples:
      equipshare rates list WAR-XPS-01
      equipshare rates list WAR-XPS-01 --format csv > xps-rates.csv
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.charging.service import RateService

        cards = RateService(context).list(resolve_actor(context, as_user), instrument)
    emit([_card_row(c) for c in cards], CARD_COLUMNS, output, title=f"Rates of {instrument}")


@rates_group.command("set")
@click.argument("instrument")
@click.argument("user_class", metavar="CLASS", type=click.Choice([c.value for c in UserClass]))
@click.argument("rate")
@click.option(
    "--technician-rate",
    metavar="RATE",
    help="Technician's hourly rate for assisted sessions (default: keep the current one).",
)
@click.option(
    "--from", "valid_from", metavar="DATE", help="First day of the new price (default today)."
)
@dry_run_option
@format_option
@as_option
@common_options
@click.pass_context
def set_rate(
    ctx: click.Context,
    instrument: str,
    user_class: str,
    rate: str,
    technician_rate: str | None,
    valid_from: str | None,
    dry_run: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Set INSTRUMENT's hourly RATE in pounds for user CLASS, from today or --from DATE.

    CLASS is internal, partner, external_academic or industry. Bookings made on or
    after DATE (in the facility's time zone) get the new price; bookings already made
    keep theirs. A date in the past is refused (exit 2), because that would rewrite
    history. Setting a card for the same class and date again corrects it; the same
    values again change nothing. Rates have at most 2 decimal places and are never
    negative. Managers of the instrument's facility and admins only (others exit 1).
    Prints the card; stderr says whether it was created, updated or unchanged.

    \b
    Examples:
      equipshare rates set WAR-XPS-01 partner 81.00 --from 2026-08-01
      equipshare rates set WAR-XPS-01 internal 60 --technician-rate 45.50 --dry-run
    """
    hourly = _pounds(rate, "RATE", "hourly")
    technician = (
        None
        if technician_rate is None
        else _pounds(technician_rate, "--technician-rate", "technician_hourly")
    )
    starts = _day(valid_from) if valid_from is not None else None
    with cli_state(ctx).open() as context:
        from equipshare.services.charging.service import RateService

        change = RateService(context).set(
            resolve_actor(context, as_user),
            instrument,
            UserClass(user_class),
            hourly,
            technician,
            starts,
            dry_run=dry_run,
        )
    emit([_card_row(change.card)], CARD_COLUMNS, output)
    verb = f"would be {change.outcome.value}" if dry_run else change.outcome.value
    click.echo(f"{instrument} {user_class} from {change.card.valid_from}: {verb}", err=True)


@click.group("facility")
def facility_group() -> None:
    """A facility's charging policy: booked or actual time, cancellation terms, check-in."""


@facility_group.command("policy")
@click.argument("code")
@click.option(
    "--charge-basis",
    type=click.Choice([b.value for b in ChargeBasis]),
    help="Charge for the booked time, or the time from check-in to check-out.",
)
@click.option(
    "--free-cancellation-hours",
    type=int,
    metavar="N",
    help="Cancelling is free until N hours before the start.",
)
@click.option(
    "--late-cancellation-percent",
    type=int,
    metavar="P",
    help="A later cancellation by the user costs P% of the price (0-100).",
)
@click.option(
    "--check-in-required/--no-check-in-required",
    default=None,
    help="Whether users must check in; without a check-in the booking becomes a no-show.",
)
@dry_run_option
@format_option
@as_option
@common_options
@click.pass_context
def policy(
    ctx: click.Context,
    code: str,
    charge_basis: str | None,
    free_cancellation_hours: int | None,
    late_cancellation_percent: int | None,
    check_in_required: bool | None,
    dry_run: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Show facility CODE's charging policy, or change it with the options given.

    With no options it prints the policy (anyone may look). Options change only what
    they name, from now on: cancellations are judged with the policy in force when the
    user cancels, check-outs with the charge basis in force then, and prices already
    frozen into bookings stay. Managers of the facility and admins only (others exit 1);
    a percent outside 0-100 or negative hours exit 2. Prints the policy as it stands
    (or would, with --dry-run); stderr lists each change, or says nothing changed.

    \b
    Examples:
      equipshare facility policy WAR-PRP
      equipshare facility policy WAR-PRP --late-cancellation-percent 100 --dry-run
      equipshare facility policy WAR-PRP --charge-basis actual --check-in-required
    """
    changes = (charge_basis, free_cancellation_hours, late_cancellation_percent, check_in_required)
    with cli_state(ctx).open() as context:
        from equipshare.services.charging.service import FacilityPolicyService

        service, actor = FacilityPolicyService(context), resolve_actor(context, as_user)
        if all(value is None for value in changes):
            emit([_policy_row(service.show(actor, code))], POLICY_COLUMNS, output)
            return
        change = service.set(
            actor,
            code,
            charge_basis=None if charge_basis is None else ChargeBasis(charge_basis),
            free_cancellation_hours=free_cancellation_hours,
            late_cancellation_percent=late_cancellation_percent,
            requires_check_in=check_in_required,
            dry_run=dry_run,
        )
    emit([_policy_row(change.after)], POLICY_COLUMNS, output)
    verb = "would change" if dry_run else "changed"
    for name, old, new in change.changed:
        click.echo(f"{code} {verb} {name}: {_shown(old)} -> {_shown(new)}", err=True)
    if not change.changed:
        click.echo(f"{code}: policy unchanged", err=True)


def _shown(value: object) -> str:
    return value.value if isinstance(value, ChargeBasis) else str(value).lower()

"""`equipshare charges waive|reprice`: correcting a booking's charge, with a reason."""

from __future__ import annotations

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.domain.enums import UserClass
from equipshare.domain.records.money.charge_corrections import ChargeCorrection

reason_option = click.option(
    "--reason",
    required=True,
    metavar="TEXT",
    help="Why: kept in the audit trail, and printed with the result.",
)
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show the old and new price, and change nothing."
)


def _echo(correction: ChargeCorrection) -> None:
    if correction.dry_run:
        click.echo(f"dry run: {correction.words()}; nothing changed")
    else:
        click.echo(correction.words())


@click.group("charges")
def charges_group() -> None:
    """Correct a booking's charge: waive it, or reprice it from the rate cards."""


@charges_group.command("waive")
@click.argument("booking_id", type=int)
@reason_option
@dry_run_option
@as_option
@common_options
@click.pass_context
def waive(
    ctx: click.Context, booking_id: int, reason: str, dry_run: bool, as_user: str | None
) -> None:
    """Waive BOOKING_ID's charge: a late cancellation's fee, a no-show's charge, or a
    completed session's price becomes £0.00.

    Facility staff of the booking's facility and admins, with a reason; audited with the
    charges before and after. A booking that bills nothing, or one not over yet, is
    refused (exit 1). When the booking's month is already issued, its statement stays as
    it is and the refund is billed as an adjustment on the next open month. Prints
    "booking ID: £OLD -> £0.00 (waived: REASON)".

    \b
    Examples:
      equipshare charges waive 812 --reason "instrument fault; session lost"
      equipshare charges waive 812 --reason "goodwill" --dry-run
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.charging.service import ChargeCorrectionService

        correction = ChargeCorrectionService(context).waive(
            resolve_actor(context, as_user), booking_id, reason, dry_run=dry_run
        )
    _echo(correction)


@charges_group.command("reprice")
@click.argument("booking_id", type=int)
@reason_option
@click.option(
    "--user-class",
    type=click.Choice([c.value for c in UserClass]),
    help="The corrected user class (default: the class the booking was priced for).",
)
@dry_run_option
@as_option
@common_options
@click.pass_context
def reprice(
    ctx: click.Context,
    booking_id: int,
    reason: str,
    user_class: str | None,
    dry_run: bool,
    as_user: str | None,
) -> None:
    """Price BOOKING_ID again at the rate card in force on the local date it starts.

    For the class it was priced for, or a corrected --user-class. It then bills as its
    state does: booked time, used time where the facility bills actual time, or a late
    cancellation's share. Managers of the booking's facility and admins, with a reason;
    audited. No rate card for the class, no change, a free cancellation or a waived
    charge is refused (exit 1). When the booking's month is already issued, the
    difference is billed as an adjustment on the next open month. Prints "booking ID:
    £OLD -> £NEW (repriced at CLASS £RATE/h in force DATE: REASON)".

    \b
    Examples:
      equipshare charges reprice 812 --reason "new rates from 1 Nov" --dry-run
      equipshare charges reprice 812 --user-class industry --reason "Acme, not Aston"
    """
    wanted = None if user_class is None else UserClass(user_class)
    with cli_state(ctx).open() as context:
        from equipshare.services.charging.service import ChargeCorrectionService

        correction = ChargeCorrectionService(context).reprice(
            resolve_actor(context, as_user),
            booking_id,
            reason,
            user_class=wanted,
            dry_run=dry_run,
        )
    _echo(correction)

"""`equipshare facilities acknowledgement FACILITY`: show, set or clear a facility's wording
of the acknowledgements `equipshare acknowledge` writes (its managers and admins)."""

from __future__ import annotations

from pathlib import Path

import click

from equipshare.cli.files import read_input
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.domain.acknowledgements.wording import PLACEHOLDERS
from equipshare.domain.errors import InputError
from equipshare.domain.records.impact.acknowledgements import AcknowledgementWording

TEMPLATE_BYTES = 64 * 1024


def _template(path: Path) -> str:
    try:
        return read_input(path, TEMPLATE_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not UTF-8 text", "--template-file") from None


def _show(wording: AcknowledgementWording, verb: str) -> None:
    whose = "the default wording" if wording.is_default else "its own wording"
    click.echo(f"{wording.facility_code} ({wording.facility_name}) {verb} {whose}:")
    click.echo(wording.template)


@click.command("acknowledgement")
@click.argument("facility")
@click.option(
    "--template-file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Use the wording in FILE (UTF-8; its lines are joined into one paragraph).",
)
@click.option("--clear", is_flag=True, help="Go back to the default wording.")
@click.option("--placeholders", is_flag=True, help="List the placeholders a wording may use.")
@as_option
@common_options
@click.pass_context
def acknowledgement(
    ctx: click.Context,
    facility: str,
    template_file: Path | None,
    clear: bool,
    placeholders: bool,
    as_user: str | None,
) -> None:
    """Show, set (--template-file) or clear (--clear) FACILITY's acknowledgement wording.

    A wording is a sentence with placeholders such as $facility, $institution,
    $instruments and $thanks (--placeholders lists them all); an unknown one is refused.
    Setting and clearing are for the facility's managers and admins.

    \b
    Examples:
      equipshare facilities acknowledgement WAR-PRP
      equipshare facilities acknowledgement WAR-PRP --template-file wording.txt
      equipshare facilities acknowledgement WAR-PRP --clear
    """
    if template_file is not None and clear:
        raise InputError("give --template-file or --clear, not both", "--clear")
    if placeholders:
        for name, meaning in PLACEHOLDERS.items():
            click.echo(f"${name}: {meaning}")
        return
    text = _template(template_file) if template_file is not None else None
    with cli_state(ctx).open() as context:
        from equipshare.services.acknowledgements.service import AcknowledgementService

        service = AcknowledgementService(context)
        actor = resolve_actor(context, as_user)
        if clear:
            _show(service.clear_wording(actor, facility), "now uses")
        elif text is not None:
            try:
                wording = service.set_wording(actor, facility, text)
            except InputError as error:
                raise InputError(f"{template_file}: {error}", "--template-file") from None
            _show(wording, "now uses")
        else:
            _show(service.wording(actor, facility), "uses")

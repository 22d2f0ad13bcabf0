"""`equipshare slots`: the earliest free slots on one instrument, or a category at every partner."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.time_input import parse_from, parse_length
from equipshare.domain.display.wording import count_words
from equipshare.domain.errors import InputError
from equipshare.domain.records.instruments.catalogue import SlotRecord
from equipshare.domain.time.timewords import local_range
from equipshare.services.availability.service import AvailabilityService


def _print_table(slots: list[SlotRecord]) -> None:
    rows = [("WHEN", "INSTRUMENT", "INSTITUTION", "FACILITY")]
    rows += [
        (
            local_range(s.starts_at, s.ends_at, s.timezone),
            s.instrument_code,
            s.institution_code,
            s.facility_name,
        )
        for s in slots
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo(
            "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[3]])
        )


def _as_json(slot: SlotRecord) -> dict[str, object]:
    return {
        "start": slot.starts_at.isoformat(),
        "end": slot.ends_at.isoformat(),
        "instrument": slot.instrument_code,
        "instrument_name": slot.instrument_name,
        "institution": slot.institution_code,
        "facility": slot.facility_name,
        "timezone": slot.timezone,
        "own_institution": slot.own_institution,
    }


@click.command("slots")
@click.option("--instrument", "instrument_code", metavar="CODE", help="One instrument's code.")
@click.option("--category", metavar="NAME", help="Every bookable instrument of a category.")
@click.option("--length", required=True, help="Booking length: 2h, 90m or 1h30m.")
@click.option("--from", "from_", metavar="DATE", help="Window start: a date or ISO time (now).")
@click.option("--days", type=int, default=14, show_default=True, help="Window length in days.")
@click.option("--limit", type=int, default=20, show_default=True, help="At most this many slots.")
@click.option(
    "--per-instrument",
    type=click.IntRange(min=1),
    metavar="N",
    help="With --category, at most N slots on each instrument (default 3).",
)
@click.option(
    "--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@as_option
@common_options
@click.pass_context
def slots(
    ctx: click.Context,
    instrument_code: str | None,
    category: str | None,
    length: str,
    from_: str | None,
    days: int,
    limit: int,
    per_instrument: int | None,
    output: str,
    as_user: str | None,
) -> None:
    """Find the earliest free slots you could book, honouring every rule for you.

    Give --instrument CODE or --category NAME. A category spans every partner's
    instruments you may use; results are sorted by start, your own institution first.

    \b
    Examples:
      equipshare slots --category XPS --length 2h
      equipshare slots --instrument WAR-XPS-01 --length 90m --from 2026-03-17 --days 1
    """
    if (instrument_code is None) == (category is None):
        raise InputError("give exactly one of --instrument CODE or --category NAME", "--instrument")
    if per_instrument is not None and category is None:
        raise InputError("--per-instrument goes with --category", "--per-instrument")
    wanted = parse_length(length)
    state = cli_state(ctx)
    zone = ZoneInfo(state.settings().organisation.timezone)
    window_start = parse_from(from_, zone) if from_ else None
    with state.open() as context:
        actor = resolve_actor(context, as_user)
        found = AvailabilityService(context).find_slots(
            actor,
            instrument_code=instrument_code,
            category=category,
            length=wanted,
            window_start=window_start,
            days=days,
            limit=limit,
            per_instrument=per_instrument,
        )
    if output == "json":
        click.echo(json.dumps([_as_json(s) for s in found], indent=2))
    elif found:
        _print_table(found)
    if not found:
        what = instrument_code or f"category {category}"
        since = f"from {from_}" if from_ else "from now"
        within = count_words(days, "day")
        click.echo(f"no free slots of {length} on {what} within {within} {since}", err=True)

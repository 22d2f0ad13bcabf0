"""`equipshare audit`: read the audit trail, newest first, in pages."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.errors import InputError
from equipshare.domain.records.operations.history import HistoryEvent, HistoryQuery

COLUMNS = ["id", "when", "zone", "who", "action", "entity", "instrument", "changes"]


def _since(text: str | None) -> date | datetime | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text) if len(text.strip()) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--since: {text!r} is not a date like 2026-03-16 or a time like 2026-03-16T09:00",
            "since",
        ) from None


def _value(value: object) -> str:
    return "-" if value is None else str(value)


def _row(event: HistoryEvent, output: str) -> dict[str, object]:
    local = event.occurred_at.astimezone(ZoneInfo(event.timezone))
    if output == "json":
        changes: object = [
            {"field": c.field, "before": c.before, "after": c.after} for c in event.changes
        ]
    else:
        changes = "; ".join(
            f"{c.field}={_value(c.after)}"
            if c.before is None
            else f"{c.field}: {_value(c.before)} -> {_value(c.after)}"
            for c in event.changes
        )
    return {
        "id": event.id,
        "when": f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"
        if output == "table"
        else local.isoformat(),
        "zone": event.timezone,
        "who": event.actor or "(system)",
        "action": event.action,
        "entity": event.entity,
        "instrument": event.instrument_code,
        "changes": changes,
    }


def _block(event: HistoryEvent) -> str:
    """One event as people read a log: a heading line, then a line per changed field.

    A table's eight columns cannot hold a booking's dozen changed fields in 80 columns;
    --format csv and json keep the columns for scripts.
    """
    local = event.occurred_at.astimezone(ZoneInfo(event.timezone))
    on = f" on {event.instrument_code}" if event.instrument_code else ""
    lines = [
        f"#{event.id}  {local:%Y-%m-%d %H:%M:%S} {local.tzname()} ({event.timezone})  "
        f"{event.actor or '(system)'}  {event.action}  {event.entity}{on}"
    ]
    lines += [
        f"    {c.field} = {_value(c.after)}"
        if c.before is None
        else f"    {c.field}: {_value(c.before)} -> {_value(c.after)}"
        for c in event.changes
    ]
    return "\n".join(lines)


@click.command("audit")
@click.option("--entity", metavar="TYPE:KEY", help="booking:123, instrument:CODE, "
              "facility:CODE, downtime:ID, user:USERNAME or technician_profile:USERNAME: that "
              "one thing's history.")  # fmt: skip
@click.option("--user", "actor", metavar="USER", help="What USER did.")
@click.option("--instrument", metavar="CODE", help="An instrument with its bookings and downtime.")
@click.option("--since", metavar="DATE", help="From DATE (local midnight) or an ISO time on.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="At most this many events, newest first.")  # fmt: skip
@click.option("--before", type=int, metavar="EVENT_ID", help="The page older than EVENT_ID.")
@format_option
@as_option
@common_options
@click.pass_context
def audit(
    ctx: click.Context,
    entity: str | None,
    actor: str | None,
    instrument: str | None,
    since: str | None,
    limit: int,
    before: int | None,
    output: str,
    as_user: str | None,
) -> None:
    """Read the audit trail: who changed what, when, from what to what.

    Admins read everything; a facility's staff the history of its instruments,
    bookings, downtime and staff; anyone the history of their own bookings. Filters
    combine. Times show in the facility's zone (the organisation's for the rest), with
    the zone named. When more events remain, stderr says which --before reads them.

    \b
    Examples:
      equipshare audit --entity booking:123
      equipshare audit --instrument WAR-XPS-01 --since 2026-03-01 --format csv
      equipshare audit --user tech --limit 20 --before 5120
    """
    query = HistoryQuery(entity=entity, actor=actor, instrument=instrument, since=_since(since))
    with cli_state(ctx).open() as context:
        from equipshare.services.history.service import HistoryService

        acting = resolve_actor(context, as_user)
        page = HistoryService(context).page(acting, query, before=before, limit=limit)
    if output == "table":
        for event in page.events:
            click.echo(_block(event))
    else:
        emit([_row(e, output) for e in page.events], COLUMNS, output)
    if page.next_before is not None:
        click.echo(f"more events: add --before {page.next_before} for the next page", err=True)
    elif not page.events:
        click.echo("no events", err=True)

"""`equipshare import ics`: an exported calendar's events as bookings or downtime, re-runnable.

`import instruments` (a uniquip sheet) and `import users` live with their kind, in
catalogue_commands.py and people_commands.py, and join this group below.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from equipshare.cli.commands.import_export.catalogue import import_instruments
from equipshare.cli.commands.people.users import import_users
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import raw_csv_option, write_csv
from equipshare.domain.records.scheduling.calendar import ImportOutcome, ImportReport
from equipshare.domain.time.timewords import local_range
from equipshare.ical.import_source import read_calendar_file
from equipshare.services.calendar.service import CalendarImportService

HEADINGS = ("ACTION", "WHEN", "ID", "SUMMARY", "DETAIL")


@click.group("import")
def import_group() -> None:
    """Bring bookings, instruments and users in from other tools."""


import_group.add_command(import_instruments)
import_group.add_command(import_users)


def _cells(outcome: ImportOutcome, report: ImportReport) -> tuple[str, ...]:
    when = "-"
    if outcome.starts_at and outcome.ends_at:
        when = local_range(outcome.starts_at, outcome.ends_at, report.timezone)
    detail = outcome.reason
    if outcome.rule:
        detail = f"{outcome.rule}: {detail}"
    if outcome.overridden:
        detail = "overridden: " + "; ".join(outcome.overridden)
    if detail and outcome.line:
        detail += f" (line {outcome.line})"
    record = str(outcome.record_id) if outcome.record_id is not None else "-"
    return (outcome.action.value, when, record, outcome.summary or outcome.key, detail)


def _as_dict(outcome: ImportOutcome) -> dict[str, object]:
    return {
        "action": outcome.action.value,
        "key": outcome.key,
        "summary": outcome.summary,
        "start": outcome.starts_at.isoformat() if outcome.starts_at else None,
        "end": outcome.ends_at.isoformat() if outcome.ends_at else None,
        "id": outcome.record_id,
        "reason": outcome.reason,
        "conflicting_booking_ids": list(outcome.conflicting_booking_ids),
        "conflicting_downtime_ids": list(outcome.conflicting_downtime_ids),
        "conflicting_keys": list(outcome.conflicting_keys),
        "line": outcome.line,
        "rule": outcome.rule,
        "overridden": list(outcome.overridden),
    }


def _print(report: ImportReport, output: str) -> None:
    if output == "json":
        click.echo(json.dumps([_as_dict(o) for o in report.outcomes], indent=2))
    elif output == "csv":
        header = [h.lower() for h in HEADINGS] + ["key"]
        write_csv(sys.stdout, [header, *([*_cells(o, report), o.key] for o in report.outcomes)])
    elif report.outcomes:
        table = [HEADINGS, *(_cells(o, report) for o in report.outcomes)]
        widths = [max(len(row[i]) for row in table) for i in range(len(HEADINGS) - 1)]
        for row in table:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            click.echo("  ".join([*cells, row[-1]]).rstrip())


def _summary(report: ImportReport) -> str:
    counts = (
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped, "
        f"{len(report.refused)} refused, {len(report.conflicts)} in conflict"
    )
    what = "downtime" if report.as_downtime else "bookings"
    if report.dry_run:
        return f"dry run, nothing written: would have {counts} ({what} on {report.instrument_code})"
    return f"{counts} ({what} on {report.instrument_code})"


@import_group.command("ics")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--instrument", "instrument_code", required=True, metavar="CODE", help="Import onto it."
)
@click.option("--as-downtime", is_flag=True, help="Import the events as downtime, not bookings.")
@click.option("--owner", metavar="USERNAME", help="Owner of events whose emails match no user.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--override",
    "override_policy",
    is_flag=True,
    help="Wave policy, quota and approval through (audited); never access or training.",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@raw_csv_option
@as_option
@common_options
@click.pass_context
def import_ics(
    ctx: click.Context,
    file: Path,
    instrument_code: str,
    as_downtime: bool,
    owner: str | None,
    dry_run: bool,
    override_policy: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Import an iCalendar FILE (Outlook, Google, Thunderbird) onto one instrument.

    Series are expanded from 30 days ago to a year ahead. Each event's organiser (or an
    attendee) owns its booking when their email matches a user; --owner takes the rest.
    Running it again updates what changed and never duplicates. Events that overlap a
    booking or downtime are reported as conflicts and left out. Every booking rule
    holds except notice and horizon: an event a rule refuses (access, training, opening
    hours, length, quota...) is reported with the rule named, and one that needs
    approval is imported pending. --override waves the policy, the quota and
    approval through, recorded in the audit trail; access and training never yield.
    Staff of the instrument's facility and admins only. A file that cannot be read is
    refused whole (exit 2), naming the line.

    \b
    Examples:
      equipshare import ics xps.ics --instrument WAR-XPS-01 --dry-run
      equipshare import ics service.ics --instrument WAR-XPS-01 --as-downtime
    """
    data = read_calendar_file(file, cli_state(ctx).settings().limits.calendar_bytes)
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        report = CalendarImportService(context).import_calendar(
            actor,
            instrument_code,
            data,
            source=str(file),
            as_downtime=as_downtime,
            owner_username=owner,
            dry_run=dry_run,
            override_policy=override_policy,
        )
    _print(report, output)
    click.echo(_summary(report), err=True)

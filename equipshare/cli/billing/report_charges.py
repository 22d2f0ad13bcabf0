"""`equipshare report charges`: the monthly recharge statement, for people and finance offices."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option, plain, table_console
from equipshare.domain.display.wording import count_words
from equipshare.domain.money.charging import gbp, money
from equipshare.domain.records.money.statements import IssueReport, Statement, StatementLine
from equipshare.domain.time.report_periods import month_has_ended, preset_days
from equipshare.domain.time.timeparse import parse_month

if TYPE_CHECKING:
    from equipshare.services.plumbing.context import ServiceContext

LINE_COLUMNS = [
    "month", "payer", "host", "project_code", "facility", "instrument", "booking_id", "user",
    "start", "end", "status", "user_class", "minutes", "hourly_rate", "technician_minutes",
    "technician_rate", "instrument_amount", "technician_amount", "amount", "currency", "note",
    "adjusts_month",
]  # fmt: skip
LEVELS = ("line", "instrument", "project", "pair")


def previous_month(today: date) -> date:
    """The month a statement is for by default: the "last month" report period's."""
    return preset_days("last-month", today)[0]


@click.command("charges")
@click.option("--month", metavar="YYYY-MM", help="The month to bill (default: last month).")
@click.option("--institution", metavar="CODE", help="Only what CODE owes or is owed.")
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="line",
    show_default=True,
    help="csv: one row per booking line, or the totals of each instrument, project or pair.",
)
@click.option(
    "--issue",
    is_flag=True,
    help="Issue the month (admins): store its statement for good; it never changes again.",
)
@click.option(
    "--dry-run", is_flag=True, help="With --issue: show what would be issued; store nothing."
)
@format_option
@as_option
@common_options
@click.pass_context
def charges(
    ctx: click.Context,
    month: str | None,
    institution: str | None,
    level: str,
    issue: bool,
    dry_run: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Print the recharge statement for MONTH: what each institution owes each host.

    A booking is billed in the month its start falls in (in the organisation's zone) once
    it is chargeable: completed, a no-show (charged in full), confirmed and over, or
    cancelled late (the facility's cancellation fee). Prices are those frozen when the
    booking was made; a later rate change never alters them. Amounts are GBP to the
    penny, and every total is the exact sum of the lines below it: pair (payer owes
    host) -> project/grant code -> instrument -> booking.

    \b
    --format table   the nested statement, with subtotals, for people
    --format csv     one row per booking (or per --level total), for a finance office
    --format json    the nested statement with every total, for scripts
    Admins see every institution; a facility manager sees their facilities' lines.

    A month stays open, and its statement follows its bookings, until an admin issues it
    with --issue once it is over. Its lines and totals are then stored, and every later
    reading prints exactly the same statement. A later change to one of its bookings (a
    corrected check-out, a cancellation, a fee waived) is billed on the next open month
    as an adjustment line that names the booking and the month it corrects. Issuing an
    issued month changes nothing, says so on stderr and exits 0, so cron can run it daily.

    \b
    Examples:
      equipshare report charges --month 2026-03
      equipshare report charges --month 2026-03 --institution AST --format csv > ast-2026-03.csv
      equipshare report charges --month 2026-03 --level pair --format csv
      equipshare report charges --month 2026-03 --issue --dry-run
      equipshare report charges --issue --format csv > statement.csv   # cron, on the 1st
    """
    if issue and institution:
        raise click.UsageError("--issue issues the whole statement; leave out --institution")
    if dry_run and not issue:
        raise click.UsageError("--dry-run goes with --issue")
    with cli_state(ctx).open() as context:
        from equipshare.services.charging.service import StatementService

        today = context.clock.now().astimezone(_zone(context)).date()
        billed = parse_month(month, "--month") if month else previous_month(today)
        actor = resolve_actor(context, as_user)
        service = StatementService(context)
        report = service.issue(actor, billed, dry_run=dry_run) if issue else None
        statement = report.statement if report else service.statement(actor, billed, institution)
    # An open month not yet over bills only what has happened so far: say so.
    to_date = statement.issued_at is None and not month_has_ended(statement.month, today)
    if output == "json":
        click.echo(json.dumps(statement_document(statement), indent=2, ensure_ascii=False))
    elif output == "csv":
        emit(*level_rows(statement, level), "csv")
    else:
        print_statement(statement, to_date)
    click.echo(
        f"{statement.month:%Y-%m}{' to date' if to_date else ''}: "
        f"{count_words(len(statement.lines), 'booking')} billed, "
        f"{count_words(len(statement.pairs), 'payer/host pair')}, "
        f"total {gbp(statement.total_pence)}",
        err=True,
    )
    if report is not None:
        click.echo(issue_words(report), err=True)


def issue_words(report: IssueReport) -> str:
    """One line saying what --issue did."""
    statement = report.statement
    month = f"{statement.month:%Y-%m}"
    if report.already and statement.issued_at is not None:
        when = _when(statement.issued_at, statement.timezone)
        return f"{month} was already issued ({when} by {statement.issued_by}); nothing changed"
    adjustments = sum(line.adjusts_month is not None for line in statement.lines)
    lines = count_words(len(statement.lines), "line")
    what = f"{lines} ({count_words(adjustments, 'adjustment')}), {gbp(statement.total_pence)}"
    if report.dry_run:
        return f"dry run: would issue {month}: {what}; nothing stored"
    return f"issued {month}: {what}; it will not change"


def _when(instant: datetime, timezone: str) -> str:
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%d %b %Y %H:%M} {local.tzname()}"


def _zone(context: ServiceContext) -> ZoneInfo:
    return ZoneInfo(context.settings.organisation.timezone)


def _local(instant: datetime, timezone: str) -> str:
    return instant.astimezone(ZoneInfo(timezone)).isoformat(timespec="minutes")


def _rate(pence: int | None) -> object:
    return None if pence is None else money(pence)


def line_row(statement: Statement, line: StatementLine) -> dict[str, object]:
    return {
        "month": f"{statement.month:%Y-%m}",
        "payer": line.payer_code,
        "host": line.host_code,
        "project_code": line.project_code,
        "facility": line.facility_code,
        "instrument": line.instrument_code,
        "booking_id": line.booking_id,
        "user": line.username,
        "start": _local(line.starts_at, statement.timezone),
        "end": _local(line.ends_at, statement.timezone),
        "status": line.status,
        "user_class": line.user_class,
        "minutes": line.minutes,
        "hourly_rate": _rate(line.hourly_rate_pence),
        "technician_minutes": line.technician_minutes,
        "technician_rate": _rate(line.technician_rate_pence) if line.technician_minutes else None,
        "instrument_amount": money(line.instrument_pence),
        "technician_amount": money(line.technician_pence),
        "amount": money(line.total_pence),
        "currency": "GBP",
        "note": line.note,
        "adjusts_month": None if line.adjusts_month is None else f"{line.adjusts_month:%Y-%m}",
    }


def level_rows(statement: Statement, level: str) -> tuple[list[dict[str, object]], list[str]]:
    """Rows and columns for one level of the statement."""
    if level == "line":
        return [line_row(statement, line) for line in statement.lines], LINE_COLUMNS
    rows: list[dict[str, object]] = []
    month = f"{statement.month:%Y-%m}"
    for pair in statement.pairs:
        base = {"month": month, "payer": pair.payer_code, "host": pair.host_code}
        if level == "pair":
            rows.append(base | {"amount": money(pair.total_pence), "currency": "GBP"})
            continue
        for project in pair.projects:
            with_project = base | {"project_code": project.project_code}
            if level == "project":
                rows.append(
                    with_project | {"amount": money(project.total_pence), "currency": "GBP"}
                )
                continue
            for instrument in project.instruments:
                rows.append(
                    with_project
                    | {
                        "instrument": instrument.instrument_code,
                        "amount": money(instrument.total_pence),
                        "currency": "GBP",
                    }
                )
    columns = ["month", "payer", "host"]
    columns += {
        "pair": [],
        "project": ["project_code"],
        "instrument": ["project_code", "instrument"],
    }[level]
    return rows, [*columns, "amount", "currency"]


def statement_document(statement: Statement) -> dict[str, object]:
    """The nested statement with every total, amounts as exact decimal strings."""
    return {
        "month": f"{statement.month:%Y-%m}",
        "timezone": statement.timezone,
        "institution": statement.institution_code,
        "issued_at": None if statement.issued_at is None else statement.issued_at.isoformat(),
        "issued_by": statement.issued_by,
        "currency": "GBP",
        "total": str(money(statement.total_pence)),
        "pairs": [
            {
                "payer": pair.payer_code,
                "host": pair.host_code,
                "total": str(money(pair.total_pence)),
                "projects": [
                    {
                        "project_code": project.project_code,
                        "total": str(money(project.total_pence)),
                        "instruments": [
                            {
                                "instrument": instrument.instrument_code,
                                "total": str(money(instrument.total_pence)),
                                "lines": [
                                    {k: plain(v) for k, v in line_row(statement, line).items()}
                                    for line in instrument.lines
                                ],
                            }
                            for instrument in project.instruments
                        ],
                    }
                    for project in pair.projects
                ],
            }
            for pair in statement.pairs
        ],
    }


def print_statement(statement: Statement, to_date: bool = False) -> None:
    """A heading per payer/host pair, then its lines with project and instrument subtotals;
    `to_date` names a month not yet over."""
    from rich.console import RenderableType
    from rich.table import Table

    shown: list[RenderableType] = []
    if to_date:
        state = "to date, open: the month is not over"
    elif statement.issued_at is None:
        state = "open: it follows its bookings until it is issued"
    else:
        state = f"issued {_when(statement.issued_at, statement.timezone)} by {statement.issued_by}"
    shown.append(f"[bold]Recharge statement, {statement.month:%B %Y} (GBP)[/], {state}")
    zone = ZoneInfo(statement.timezone)
    for pair in statement.pairs:
        shown.append(f"\n[bold]{pair.payer_code} owes {pair.host_code}: {gbp(pair.total_pence)}[/]")
        table = Table(header_style="bold", show_edge=False)
        for name in ("project", "instrument", "booking", "user", "start", "hours", "note"):
            table.add_column(name, justify="right" if name in ("booking", "hours") else "left")
        table.add_column("amount", justify="right")
        for project in pair.projects:
            code = project.project_code or "(none)"
            for instrument in project.instruments:
                for line in instrument.lines:
                    table.add_row(
                        code,
                        instrument.instrument_code,
                        str(line.booking_id),
                        line.username,
                        f"{line.starts_at.astimezone(zone):%d %b %H:%M}",
                        f"{line.minutes / 60:.2f}",
                        line.note,
                        gbp(line.total_pence),
                    )
                if len(project.instruments) > 1:
                    table.add_row(code, f"{instrument.instrument_code} total", *[""] * 5,
                                  gbp(instrument.total_pence), style="italic")  # fmt: skip
            table.add_row(f"{code} total", *[""] * 6, gbp(project.total_pence), style="bold",
                          end_section=True)  # fmt: skip
        shown.append(table)
    shown.append(f"\n[bold]Total billed: {gbp(statement.total_pence)}[/]")
    console = table_console(*(t for t in shown if isinstance(t, Table)))
    for part in shown:
        console.print(part)

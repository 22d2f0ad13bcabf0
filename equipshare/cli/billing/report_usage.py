"""`equipshare report utilisation|technicians|demand`: the impact reports from the shell.

Each takes a period of local days (--period NAME, or --from/--to; default the previous
calendar month), ending now at the latest so that nothing still to come is counted, and
narrows to one host institution or facility, and prints a table, CSV or JSON. Reports
with more than one part (sharing, demand) print each part in turn: CSV parts are
separated by a blank line, JSON is one object. Sharing (report_sharing.py) and portfolio
(report_portfolio.py) use the options and printing here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option, plain
from equipshare.domain.errors import InputError
from equipshare.domain.records.impact.reports import (
    ReportFilter,
    ReportPeriod,
    UtilisationLevel,
    hours,
    percent,
)
from equipshare.domain.time.report_periods import PRESET_NAMES
from equipshare.domain.time.timeparse import parse_day_or_instant
from equipshare.services.plumbing.context import ServiceContext

F = TypeVar("F", bound=Callable[..., Any])
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
Rows = list[dict[str, object]]
FROM_HELP = (
    "First local day, or a date and time (2026-03-02 09:00 or 2026-03-02T09:00) to start "
    "from, in the organisation's zone (default: the first day of the previous month)."
)
TO_HELP = (
    "Last local day, included, or a date and time to end at, not included "
    "(default: the last day of the previous month)."
)


def report_options(function: F) -> F:
    """--from, --to, --institution, --facility, --format, --as, --db and --config."""
    decorators: list[Callable[[Any], Any]] = [
        click.option("--period", "preset", type=click.Choice(PRESET_NAMES),
                     help="A named period, as the terminal app's presets: this month and the "
                     "academic year run to date, last 12 months is the twelve whole months "
                     "before this one."),
        click.option("--from", "from_day", metavar="DATE[ HH:MM]", help=FROM_HELP),
        click.option("--to", "to_day", metavar="DATE[ HH:MM]", help=TO_HELP),
        click.option("--institution", metavar="CODE",
                     help="Only instruments hosted by this institution."),
        click.option("--facility", metavar="CODE", help="Only this facility's instruments."),
        format_option,
        as_option,
        common_options,
        click.pass_context,
    ]  # fmt: skip
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


class ReportRun:
    """One report command: who asks, for which period and instruments, from which database."""

    def __init__(
        self,
        context: ServiceContext,
        as_user: str | None,
        days: tuple[str | None, str | None, str | None],
        institution: str | None,
        facility: str | None,
    ) -> None:
        from equipshare.services.reports.service import ReportService

        preset, from_day, to_day = days
        self.service = ReportService(context)
        self.actor = resolve_actor(context, as_user)
        if preset:
            self.period = self.service.preset(preset)
        else:
            default = self.service.previous_month()
            zone = ZoneInfo(self.service.timezone)
            first: date | datetime = default.first_day
            last: date | datetime = default.last_day
            if from_day:
                first = parse_day_or_instant(from_day, "--from", zone)
            if to_day:
                last = parse_day_or_instant(to_day, "--to", zone)
            self.period = self.service.period_from(first, last)
        self.where = ReportFilter(institution or None, facility or None)


def _check_dates(
    preset: str | None, from_day: str | None, to_day: str | None
) -> tuple[str | None, str | None, str | None]:
    """Bad dates are usage errors (exit 2), told before the database is opened."""
    if preset and (from_day or to_day):
        raise InputError("--period: give a named period or --from/--to, not both", "--period")
    for text, option in ((from_day, "--from"), (to_day, "--to")):
        if text:
            parse_day_or_instant(text, option, ZoneInfo("UTC"))
    return preset, from_day, to_day


def _title(name: str, period: ReportPeriod) -> str:
    first, last = period.bounds()
    days = f"{first} to {last}" + (", to date" if period.to_date else "")
    return f"{name}, {days} ({period.timezone})"


def _emit_parts(parts: Sequence[tuple[str, Rows, Sequence[str]]], output: str) -> None:
    """Several tables in turn; for CSV a blank line between them."""
    for index, (title, rows, columns) in enumerate(parts):
        if index and output == "csv":
            click.echo("")
        emit(rows, columns, output, title=title)


def _emit_json(period: ReportPeriod, parts: Mapping[str, object]) -> None:
    document = {
        "from": period.bounds()[0],
        "to": period.bounds()[1],
        "timezone": period.timezone,
        "to_date": period.to_date,
        **parts,
    }
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=plain))


UTILISATION_COLUMNS = [
    "code", "name", "institution", "booked_hours", "used_hours", "opening_hours",
    "utilisation_percent", "bookings", "cancellations", "no_shows", "downtime_hours",
    "shared_hours", "shared_bookings",
]  # fmt: skip


@click.command("utilisation")
@click.option(
    "--by",
    "level",
    type=click.Choice([level.value for level in UtilisationLevel]),
    default=UtilisationLevel.INSTRUMENT.value,
    show_default=True,
    help="One row per instrument, facility or institution.",
)
@report_options
def utilisation(
    ctx: click.Context,
    level: str,
    preset: str | None,
    from_day: str | None,
    to_day: str | None,
    institution: str | None,
    facility: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """Use of each instrument, facility or institution over a period (staff and admins).

    Booked hours count confirmed, completed and no-show bookings that start in the
    period; used hours are checked-in time (a completed booking nobody checked in to
    counts its booked time); opening hours come from each instrument's weekly hours
    (none means around the clock). Utilisation is booked over opening hours. Shared
    hours are those booked by users of other institutions. Every instrument in scope is
    listed, idle ones too.

    \b
    Examples:
      equipshare report utilisation --from 2026-01-01 --to 2026-03-31
      equipshare report utilisation --by institution --format csv > use.csv
      equipshare report utilisation --facility WAR-PRP --format json
    """
    days = _check_dates(preset, from_day, to_day)
    with cli_state(ctx).open() as context:
        run = ReportRun(context, as_user, days, institution, facility)
        report = run.service.utilisation(run.actor, run.period, UtilisationLevel(level), run.where)
    rows: Rows = [
        {
            "code": r.code,
            "name": r.name,
            "institution": r.institution_code,
            "booked_hours": hours(r.booked_minutes),
            "used_hours": hours(r.used_minutes),
            "opening_hours": hours(r.opening_minutes),
            "utilisation_percent": r.utilisation_percent,
            "bookings": r.bookings,
            "cancellations": r.cancellations,
            "no_shows": r.no_shows,
            "downtime_hours": hours(r.downtime_minutes),
            "shared_hours": hours(r.shared_minutes),
            "shared_bookings": r.shared_bookings,
        }
        for r in report.rows
    ]
    title = _title(f"Utilisation per {report.level.value}", report.period)
    emit(rows, UTILISATION_COLUMNS, output, title=title)


TECHNICIAN_COLUMNS = [
    "username", "name", "institution", "assisted_sessions", "assisted_hours",
    "training_sessions", "people_trained", "instruments_trained_on", "downtimes_handled",
    "downtime_hours", "instruments_looked_after",
]  # fmt: skip


@click.command("technicians")
@report_options
def technicians(
    ctx: click.Context,
    preset: str | None,
    from_day: str | None,
    to_day: str | None,
    institution: str | None,
    facility: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """The recorded work of facility staff: assisting, training, downtime, instruments.

    One row per member of staff of the facilities in scope: assisted sessions (held
    bookings they were the technician of) and their hours, training given (records,
    people, instruments), downtime they scheduled that starts in the period, and the
    instruments they are the contact technician of. Admins see everyone, a facility
    manager the staff of the facilities they manage, a technician only their own row.

    \b
    Examples:
      equipshare report technicians --from 2025-08-01 --to 2026-07-31
      equipshare report technicians --facility WAR-PRP --format csv > work.csv
    """
    days = _check_dates(preset, from_day, to_day)
    with cli_state(ctx).open() as context:
        run = ReportRun(context, as_user, days, institution, facility)
        report = run.service.technicians(run.actor, run.period, run.where)
    rows: Rows = [
        {
            "username": r.username,
            "name": r.display_name,
            "institution": r.institution_code,
            "assisted_sessions": r.assisted_sessions,
            "assisted_hours": hours(r.assisted_minutes),
            "training_sessions": r.training_sessions,
            "people_trained": r.people_trained,
            "instruments_trained_on": r.instruments_trained_on,
            "downtimes_handled": r.downtimes_handled,
            "downtime_hours": hours(r.downtime_minutes),
            "instruments_looked_after": r.instruments_looked_after,
        }
        for r in report.rows
    ]
    emit(rows, TECHNICIAN_COLUMNS, output, title=_title("Technicians' work", report.period))


@click.command("demand")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="How many instruments to list.")  # fmt: skip
@report_options
def demand(
    ctx: click.Context,
    limit: int,
    preset: str | None,
    from_day: str | None,
    to_day: str | None,
    institution: str | None,
    facility: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """The most wanted instruments, and the hours and weekdays people ask for.

    Instruments are ranked by waitlist entries, then refused (rejected) requests, then
    all requests, each counted by the start asked for falling in the period. The hours
    and weekdays are those of requested starts on the local clock. CSV prints the
    instruments, the hours and the weekdays, separated by blank lines. For facility
    staff and admins; researchers are refused (exit 1).

    \b
    Examples:
      equipshare report demand --from 2026-01-01 --to 2026-03-31 --limit 10
      equipshare report demand --institution ASTON --format json
    """
    days = _check_dates(preset, from_day, to_day)
    with cli_state(ctx).open() as context:
        run = ReportRun(context, as_user, days, institution, facility)
        report = run.service.demand(run.actor, run.period, run.where, limit)
    instruments: Rows = [
        {"code": r.instrument_code, "name": r.instrument_name, "institution": r.institution_code,
         "waitlist": r.waitlist_entries, "refused": r.refused, "requests": r.requests}
        for r in report.instruments
    ]  # fmt: skip
    total = sum(report.by_hour)
    by_hour: Rows = [
        {"hour": f"{hour:02d}:00", "requests": n, "percent": percent(n, total)}
        for hour, n in enumerate(report.by_hour)
    ]
    by_weekday: Rows = [
        {"weekday": WEEKDAYS[day], "requests": n, "percent": percent(n, total)}
        for day, n in enumerate(report.by_weekday)
    ]
    if output == "json":
        _emit_json(report.period, {"instruments": instruments, "by_hour": by_hour,
                                   "by_weekday": by_weekday})  # fmt: skip
        return
    _emit_parts(
        [
            (_title("Most wanted instruments", report.period), instruments,
             ["code", "name", "institution", "waitlist", "refused", "requests"]),
            ("Requested starts by local hour", by_hour, ["hour", "requests", "percent"]),
            ("Requested starts by weekday", by_weekday, ["weekday", "requests", "percent"]),
        ],
        output,
    )  # fmt: skip

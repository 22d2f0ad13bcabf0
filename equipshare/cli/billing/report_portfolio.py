"""`equipshare report portfolio USER`: a technician's recorded work, as tables, data or a page.

The Markdown form is a printable page for a promotion panel or an appraisal; table, CSV and
JSON carry the same figures. CSV prints its parts (summary, instruments, institutions,
outputs) separated by blank lines, as the other reports with parts do.
"""

from __future__ import annotations

import json

import click

from equipshare.cli.billing.report_usage import ReportRun, Rows, _check_dates, _emit_parts
from equipshare.cli.identity import as_option
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import plain, raw_csv_option
from equipshare.domain.records.portfolio import Portfolio
from equipshare.domain.records.reports import hours
from equipshare.domain.report_periods import PRESET_NAMES
from equipshare.domain.wording import count_words

INSTRUMENT_COLUMNS = [
    "instrument", "name", "facility", "assisted_sessions", "assisted_hours", "training_given",
    "people_trained", "renewals", "downtimes_handled", "downtime_hours", "looks_after",
]  # fmt: skip
INSTITUTION_COLUMNS = ["institution", "name", "assisted_sessions", "assisted_hours", "people"]
OUTPUT_COLUMNS = ["year", "title", "doi", "institution", "credited_for"]
SUMMARY_COLUMNS = ["figure", "value"]


def instrument_rows(portfolio: Portfolio) -> Rows:
    return [
        {
            "instrument": r.instrument_code,
            "name": r.instrument_name,
            "facility": r.facility_code,
            "assisted_sessions": r.assisted_sessions,
            "assisted_hours": hours(r.assisted_minutes),
            "training_given": r.training_records,
            "people_trained": r.people_trained,
            "renewals": r.renewals,
            "downtimes_handled": r.downtimes_handled,
            "downtime_hours": hours(r.downtime_minutes),
            "looks_after": "yes" if r.looked_after else "",
        }
        for r in portfolio.instruments
    ]


def institution_rows(portfolio: Portfolio) -> Rows:
    return [
        {
            "institution": r.institution_code,
            "name": r.institution_name,
            "assisted_sessions": r.assisted_sessions,
            "assisted_hours": hours(r.assisted_minutes),
            "people": r.people,
        }
        for r in portfolio.institutions
    ]


def output_rows(portfolio: Portfolio) -> Rows:
    return [
        {
            "year": o.year,
            "title": o.title,
            "doi": o.doi,
            "institution": o.institution_code,
            "credited_for": o.credited_for,
        }
        for o in portfolio.outputs
    ]


def summary_rows(portfolio: Portfolio) -> Rows:
    figures: list[tuple[str, object]] = [
        ("name", portfolio.name),
        ("username", portfolio.username),
        ("orcid", portfolio.orcid or ""),
        ("job_title", portfolio.job_title),
        ("institution", portfolio.institution_code),
        ("facilities", " ".join(portfolio.facility_codes)),
        ("assisted_sessions", portfolio.assisted_sessions),
        ("assisted_hours", hours(portfolio.assisted_minutes)),
        ("training_given", portfolio.training_records),
        ("people_trained", portfolio.people_trained),
        ("renewals", portfolio.renewals),
        ("downtimes_handled", portfolio.downtimes_handled),
        ("downtime_hours", hours(portfolio.downtime_minutes)),
        ("instruments_looked_after", portfolio.instruments_looked_after),
        ("outputs_acknowledging", len(portfolio.outputs)),
    ]
    return [{"figure": name, "value": value} for name, value in figures]


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, on one line."""
    shown = plain(value)
    return " ".join(("" if shown is None else str(shown)).split()).replace("|", "\\|")


def _table(rows: Rows, columns: list[str], headers: list[str]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(row[c]) for c in columns) + " |" for row in rows]
    return lines


def markdown_page(portfolio: Portfolio) -> str:
    """The portfolio as a printable Markdown page."""
    p, period = portfolio, portfolio.period
    lines = [f"# Technician portfolio: {_cell(p.name)}", ""]
    facts = [f"**Period:** {period.words()} ({period.timezone})"]
    if p.job_title:
        facts.append(f"**Job title:** {_cell(p.job_title)}")
    facts.append(f"**Institution:** {p.institution_code}")
    if p.facility_codes:
        facts.append(f"**Facilities:** {', '.join(p.facility_codes)}")
    if p.orcid:
        facts.append(f"**ORCID iD:** https://orcid.org/{p.orcid}")
    lines += ["  \n".join(facts), "", "## Summary", ""]
    lines += [
        f"- {count_words(p.assisted_sessions, 'assisted session')}, {hours(p.assisted_minutes)} h",
        f"- {count_words(p.training_records, 'training record')} given to "
        f"{count_words(p.people_trained, 'person', 'people')}; "
        f"{count_words(p.renewals, 'renewal')}",
        f"- {count_words(p.downtimes_handled, 'downtime')} handled, {hours(p.downtime_minutes)} h",
        f"- {count_words(p.instruments_looked_after, 'instrument')} looked after",
        f"- {count_words(len(p.outputs), 'research output')} acknowledging this work",
        "",
    ]
    if p.instruments:
        lines += ["## By instrument", ""]
        lines += _table(instrument_rows(p), INSTRUMENT_COLUMNS, [
            "Instrument", "Name", "Facility", "Assisted", "Hours", "Training", "People",
            "Renewals", "Downtimes", "Downtime h", "Looks after",
        ])  # fmt: skip
        lines.append("")
    if p.institutions:
        lines += ["## Assisted sessions by the users' institutions", ""]
        lines += _table(institution_rows(p), INSTITUTION_COLUMNS,
                        ["Institution", "Name", "Sessions", "Hours", "People"])  # fmt: skip
        lines.append("")
    if p.outputs:
        lines += ["## Research outputs acknowledging this work", ""]
        lines += _table(output_rows(p), OUTPUT_COLUMNS,
                        ["Year", "Title", "DOI", "Institution", "Credited for"])  # fmt: skip
        lines.append("")
    lines.append("Counted by equipshare from the facilities' bookings, training records and "
                 "downtime; a session counts in the period its start falls in.")  # fmt: skip
    return "\n".join(lines) + "\n"


@click.command("portfolio")
@click.argument("username", metavar="USER")
@click.option(
    "--period",
    "preset",
    type=click.Choice(PRESET_NAMES),
    help="A named period, as the terminal app's presets.",
)
@click.option(
    "--from",
    "from_day",
    metavar="DATE",
    help="First local day (default: the first day of the previous month).",
)
@click.option(
    "--to",
    "to_day",
    metavar="DATE",
    help="Last local day, included (default: the last day of the previous month).",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "csv", "json", "markdown"]),
    default="table",
    show_default=True,
    help="table for people, csv or json for scripts, markdown for a printable page.",
)
@raw_csv_option
@as_option
@common_options
@click.pass_context
def portfolio(
    ctx: click.Context,
    username: str,
    preset: str | None,
    from_day: str | None,
    to_day: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """A technician's recorded work over a period: for appraisal and promotion panels.

    Assisted sessions and hours by instrument and by the users' institutions, training
    given (records, different people, renewals), downtime handled, instruments looked
    after, and the research outputs whose acknowledgement credits them (published in the
    period's years). A technician sees their own, a facility manager their staff's, an
    admin everyone's; researchers are refused (exit 1). Someone who opted out of being
    named shows to others as "technical staff of the facility".

    \b
    Examples:
      equipshare report portfolio t.jones --period academic-year
      equipshare report portfolio t.jones --from 2025-08-01 --to 2026-07-31 --format markdown > p.md
    """  # fmt: skip
    days = _check_dates(preset, from_day, to_day)
    with cli_state(ctx).open() as context:
        from equipshare.services.portfolio.service import PortfolioService

        run = ReportRun(context, as_user, days, None, None)
        found = PortfolioService(context).portfolio(run.actor, username, run.period)
    period = found.period
    if output == "markdown":
        click.echo(markdown_page(found), nl=False)
        return
    if output == "json":
        document = {
            "from": period.first_day.isoformat(), "to": period.last_day.isoformat(),
            "timezone": period.timezone, "to_date": period.to_date,
            "technician": {row["figure"]: row["value"] for row in summary_rows(found)[:6]},
            "summary": {row["figure"]: row["value"] for row in summary_rows(found)[6:]},
            "instruments": instrument_rows(found), "institutions": institution_rows(found),
            "outputs": [{**row, "doi_url": f"https://doi.org/{row['doi']}"}
                        for row in output_rows(found)],
        }  # fmt: skip
        click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=plain))
        return
    days_words = f"{period.first_day} to {period.last_day}" + (
        ", to date" if period.to_date else ""
    )
    _emit_parts(
        [
            (f"Portfolio of {found.name}, {days_words} ({period.timezone})",
             summary_rows(found), SUMMARY_COLUMNS),
            ("By instrument", instrument_rows(found), INSTRUMENT_COLUMNS),
            ("Assisted sessions by the users' institutions", institution_rows(found),
             INSTITUTION_COLUMNS),
            ("Research outputs acknowledging this work", output_rows(found), OUTPUT_COLUMNS),
        ],
        output,
    )  # fmt: skip

"""`equipshare report portfolio USER`: a technician's recorded work, as tables, data or a page.

The Markdown form is a printable page for a promotion panel or an appraisal; table, CSV and
JSON carry the same figures. CSV prints its parts (summary, instruments, institutions,
outputs) separated by blank lines, as the other reports with parts do.
"""

from __future__ import annotations

import json

import click

from equipshare.cli.billing.report_usage import (
    FROM_HELP,
    TO_HELP,
    ReportRun,
    _check_dates,
    _emit_parts,
)
from equipshare.cli.identity import as_option
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import plain, raw_csv_option
from equipshare.domain.display.portfolio_page import (
    INSTITUTION_COLUMNS,
    INSTRUMENT_COLUMNS,
    OUTPUT_COLUMNS,
    SUMMARY_COLUMNS,
    institution_rows,
    instrument_rows,
    markdown_page,
    output_rows,
    summary_rows,
)
from equipshare.domain.time.report_periods import PRESET_NAMES


@click.command("portfolio")
@click.argument("username", metavar="USER")
@click.option(
    "--period",
    "preset",
    type=click.Choice(PRESET_NAMES),
    help="A named period, as the terminal app's presets.",
)
@click.option("--from", "from_day", metavar="DATE[ HH:MM]", help=FROM_HELP)
@click.option("--to", "to_day", metavar="DATE[ HH:MM]", help=TO_HELP)
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
            "from": period.bounds()[0], "to": period.bounds()[1],
            "timezone": period.timezone, "to_date": period.to_date,
            "technician": {row["figure"]: row["value"] for row in summary_rows(found)[:6]},
            "summary": {row["figure"]: row["value"] for row in summary_rows(found)[6:]},
            "instruments": instrument_rows(found), "institutions": institution_rows(found),
            "outputs": [{**row, "doi_url": f"https://doi.org/{row['doi']}"}
                        for row in output_rows(found)],
        }  # fmt: skip
        click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=plain))
        return
    days_words = " to ".join(period.bounds()) + (", to date" if period.to_date else "")
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

"""`equipshare estimate`: cost a grant's instrument and technician time, save the plan,
list saved plans, show one, and compare one with its project code's charges."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from equipshare.cli.files import read_input
from equipshare.cli.grants.tables import OUTPUT_FORMATS, show
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import F, raw_csv_option
from equipshare.domain.display.grant_formats import (
    COMPARE_COLUMNS,
    COSTING_COLUMNS,
    PLAN_COLUMNS,
    TABLE_COMPARE_COLUMNS,
    TABLE_COSTING_COLUMNS,
    TABLE_PLAN_COLUMNS,
    compare_footer,
    compare_rows,
    costing_footer,
    costing_rows,
    costing_title,
    plan_row,
)
from equipshare.domain.errors import InputError
from equipshare.domain.inputs.grant_lines import line_spec
from equipshare.domain.money.grant_costing import checked_uplift
from equipshare.domain.records.money.grants import GrantEstimate, PlanLine, PlanRequest
from equipshare.sheets.grant_plan import read_plan

_format = click.option(
    "--format",
    "output",
    type=click.Choice(OUTPUT_FORMATS),
    default="table",
    show_default=True,
    help="table for people; csv or json for scripts; markdown for a proposal or a README.",
)


def output_option(function: F) -> F:
    """`--format table|csv|json|markdown` (as `output`) and `--raw-csv`."""
    return _format(raw_csv_option(function))


def _start(value: str | None) -> date:
    if value is None:
        raise InputError("--start is missing: the grant's first day, e.g. 2027-10-01", "start")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"--start {value!r} is not a date like 2027-10-01", "start") from None


def _lines(plan: Path | None, specs: tuple[str, ...]) -> tuple[PlanLine, ...]:
    if plan is None and not specs:
        raise InputError("no hours: give --line INSTRUMENT:YEAR:HOURS:ASSISTED or --plan", "line")
    sheet = read_plan(read_input(plan), str(plan)) if plan is not None else ()
    typed = tuple(line_spec(spec, f"--line {n}") for n, spec in enumerate(specs, start=1))
    return sheet + typed


def _costing(estimate: GrantEstimate, output: str, title: str) -> None:
    show(
        costing_rows(estimate),
        COSTING_COLUMNS,
        output,
        title,
        table_columns=TABLE_COSTING_COLUMNS,
        footer=costing_footer(estimate),
    )


@click.group("estimate", invoke_without_command=True)
@click.option("--user", "applicant", metavar="USER", help="The applicant (default: you).")
@click.option("--start", metavar="DATE", help="The grant's first day, e.g. 2027-10-01.")
@click.option(
    "--years", type=click.IntRange(1, 10), default=3, show_default=True, help="How long it runs."
)
@click.option(
    "--uplift", default="0", metavar="PERCENT", help="Yearly uplift past the latest card."
)
@click.option("--plan", type=click.Path(path_type=Path, dir_okay=False), help="A CSV of the hours.")
@click.option(
    "--line",
    "specs",
    multiple=True,
    metavar="INSTRUMENT:YEAR:HOURS[:ASSISTED]",
    help="Hours on an instrument in a grant year (repeat it); assisted hours are among them.",
)
@click.option("--save", "title", metavar="TITLE", help="Save the plan under TITLE.")
@click.option("--project", metavar="CODE", help="The project code a saved plan is charged to.")
@output_option
@as_option
@common_options
@click.pass_context
def estimate_group(
    ctx: click.Context,
    applicant: str | None,
    start: str | None,
    years: int,
    uplift: str,
    plan: Path | None,
    specs: tuple[str, ...],
    title: str | None,
    project: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """Cost a grant's instrument and technician time at the facilities' rate cards.

    Each grant year is priced at the card in force on its first day for the applicant's
    class at each host (as a booking made that day would be), or the latest card uplifted
    by PERCENT on each of its anniversaries. Hours are whole minutes (7.5, 0.25); assisted
    hours are part of the instrument hours and add the technician's rate. The plan CSV has
    columns instrument, year, hours, assisted_hours. Anyone may cost their own grant;
    facility staff and admins may cost one for --user. Nothing is saved without --save
    and --project; a saved plan keeps its figures whatever the rates do later. Bad input
    exits 2 naming the option, file or line, and saves nothing.

    \b
    Examples:
      equipshare estimate --start 2027-10-01 --years 3 --uplift 3 \\
          --line WAR-XPS-01:1:120:40 --line WAR-XPS-01:2:150:20
      equipshare estimate --user bob --start 2027-10-01 --plan plan.csv \\
          --save "Operando XPS" --project EP/X01 --format markdown
      equipshare estimate list
      equipshare estimate compare 3
    """
    if ctx.invoked_subcommand is not None:
        return
    if (title is None) != (project is None):
        raise InputError("--save TITLE and --project CODE go together", "save")
    request = PlanRequest(
        applicant, _start(start), years, checked_uplift(uplift), _lines(plan, specs)
    )
    with cli_state(ctx).open() as context:
        from equipshare.services.grants.service import GrantCostingService

        grants = GrantCostingService(context)
        actor = resolve_actor(context, as_user)
        if title is not None and project is not None:
            saved = grants.save(actor, request, title=title, project_code=project)
            click.echo(f"saved plan {saved.id} {saved.title!r} ({saved.project_code})", err=True)
            estimate = saved.estimate
        else:
            estimate = grants.estimate(actor, request)
    _costing(estimate, output, costing_title(estimate))


@estimate_group.command("list")
@click.option("--user", "applicant", metavar="USER", help="Only USER's plans.")
@output_option
@as_option
@common_options
@click.pass_context
def list_plans(ctx: click.Context, applicant: str | None, output: str, as_user: str | None) -> None:
    """List the saved grant plans you may see, newest first.

    Yours (as applicant or author); as facility staff, those costing your facility's
    instruments (their lines only); admins, all.
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.grants.service import GrantCostingService

        found = GrantCostingService(context).list(resolve_actor(context, as_user), applicant)
    rows = [plan_row(p) for p in found]
    show(rows, PLAN_COLUMNS, output, "Saved grant plans", table_columns=TABLE_PLAN_COLUMNS)


@estimate_group.command("show")
@click.argument("plan_id", type=int)
@output_option
@as_option
@common_options
@click.pass_context
def show_plan(ctx: click.Context, plan_id: int, output: str, as_user: str | None) -> None:
    """Show saved plan PLAN_ID's costing exactly as it was priced when saved."""
    with cli_state(ctx).open() as context:
        from equipshare.services.grants.service import GrantCostingService

        plan = GrantCostingService(context).show(resolve_actor(context, as_user), plan_id)
    title = f"Plan {plan.id} {plan.title!r} ({plan.project_code}). {costing_title(plan.estimate)}"
    _costing(plan.estimate, output, title)


@estimate_group.command("compare")
@click.argument("plan_id", type=int)
@output_option
@as_option
@common_options
@click.pass_context
def compare_plan(ctx: click.Context, plan_id: int, output: str, as_user: str | None) -> None:
    """Compare saved plan PLAN_ID with what its project code was charged.

    Per instrument and in total: hours and money planned, used so far (sessions held and
    late cancellations, at their frozen charges, as statements bill them), what is left,
    and what is booked ahead. Counts the project code's bookings by users of the
    applicant's institution within the grant's dates.
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.grants.service import GrantCostingService

        comparison = GrantCostingService(context).compare(resolve_actor(context, as_user), plan_id)
    plan = comparison.plan
    title = f"Plan {plan.id} {plan.title!r} ({plan.project_code}): planned against charged"
    show(
        compare_rows(comparison),
        COMPARE_COLUMNS,
        output,
        title,
        table_columns=TABLE_COMPARE_COLUMNS,
        footer=compare_footer(comparison),
    )

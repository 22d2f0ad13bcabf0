"""The Estimate screen's tables: the costing's and the saved plans' columns and cells, and
a saved plan's lines back as a draft's, keyed as the screen keys them."""

from __future__ import annotations

from decimal import Decimal

from equipshare.domain.money.charging import gbp
from equipshare.domain.money.grant_costing import hours_text
from equipshare.domain.records.money.grants import GrantEstimate, PlanComparison, PlanLine
from equipshare.tui.widgets.column_fit import ColumnSpec

COSTING = (
    ColumnSpec("Year", "year", priority=0, justify="right"),
    ColumnSpec("Instrument", "instrument", priority=0),
    ColumnSpec("Item", "item", priority=0, least=10),
    ColumnSpec("Hours", "hours", priority=0, justify="right"),
    ColumnSpec("Rate", "rate", priority=1, justify="right"),
    ColumnSpec("Amount", "amount", priority=0, justify="right"),
    ColumnSpec("Card", "card", priority=2),
)
PLANS = (
    ColumnSpec("Plan", "id", priority=0, justify="right"),
    ColumnSpec("Title", "title", priority=0, least=10),
    ColumnSpec("Project", "project", priority=1),
    ColumnSpec("Planned", "planned", priority=0, justify="right"),
    ColumnSpec("Used", "used", priority=0, justify="right"),
    ColumnSpec("Hours used", "hours", priority=1, justify="right"),
    ColumnSpec("Applicant", "applicant", priority=2),
)


def costing_cells(row: dict[str, object]) -> list[str]:
    """A costing row as the table shows it: money as £, blanks for totals' empty cells."""
    cells = []
    for spec in COSTING:
        value = row.get(spec.key)
        if isinstance(value, Decimal) and spec.key in ("rate", "amount"):
            cells.append(gbp(int(value * 100)))
        else:
            cells.append("" if value is None else str(value))
    return cells


def plan_cells(comparison: PlanComparison) -> list[str]:
    """A saved plan as the plans table shows it: planned beside used, in money and hours."""
    plan, total = comparison.plan, comparison.total
    return [
        str(plan.id),
        plan.title,
        plan.project_code,
        gbp(total.planned_pence),
        gbp(total.used_pence),
        f"{hours_text(total.used_minutes)} of {hours_text(total.planned_minutes)}",
        plan.estimate.applicant,
    ]


def plan_lines(estimate: GrantEstimate) -> dict[tuple[str, int], PlanLine]:
    """A saved estimate's lines as a draft holds them: by instrument (any case) and year."""
    return {
        (c.instrument_code.casefold(), c.year): PlanLine(
            c.instrument_code, c.year, c.instrument_minutes, c.assisted_minutes, "line"
        )
        for c in estimate.lines
    }

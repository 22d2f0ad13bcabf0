"""A grant costing, a list of plans and a comparison as rows of plain values: the one shape
the CLI prints (table, CSV, JSON, Markdown) and the Estimate screen shows, with instrument
time and technician time on separate lines as funders ask, then each year's total and the
grant's. Pure: amounts are two-place Decimals of pounds, hours Decimals of hours."""

from __future__ import annotations

from decimal import Decimal

from equipshare.domain.money.charging import gbp, money
from equipshare.domain.money.grant_costing import hours_text
from equipshare.domain.records.money.grants import (
    ComparisonRow,
    CostedLine,
    GrantEstimate,
    PlanComparison,
    SavedPlan,
)

COSTING_COLUMNS = (
    "year", "year_starts", "instrument", "host", "user_class", "item", "hours", "rate",
    "amount", "priced_at",
)  # fmt: skip
# A terminal is narrow: the host is in the code, the class joins the card that priced it.
TABLE_COSTING_COLUMNS = ("year", "instrument", "item", "hours", "rate", "amount", "card")
PLAN_COLUMNS = (
    "id", "title", "project_code", "applicant", "starts_on", "years", "uplift_percent",
    "instrument_cost", "technician_cost", "total", "saved_by",
)  # fmt: skip
COMPARE_COLUMNS = (
    "instrument", "planned_hours", "used_hours", "planned_assisted_hours",
    "used_assisted_hours", "planned", "used", "remaining", "booked_ahead_hours",
    "booked_ahead", "summary",
)  # fmt: skip
TABLE_COMPARE_COLUMNS = (
    "instrument",
    "planned_hours",
    "used_hours",
    "planned",
    "used",
    "remaining",
)
TABLE_PLAN_COLUMNS = ("id", "title", "project_code", "applicant", "starts_on", "years", "total")
MONEY_COLUMNS = frozenset(
    {"rate", "amount", "instrument_cost", "technician_cost", "total", "planned", "used",
     "remaining", "booked_ahead"}
)  # fmt: skip


def hours(minutes: int) -> Decimal:
    """Minutes as a number of hours (two places at most), for CSV and JSON."""
    value = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _priced_at(line: CostedLine, uplift: Decimal) -> str:
    """The card's first day, and the uplift applied: '2026-08-01 +3% x2'."""
    if line.card_valid_from is None:
        return "no rate card: free"
    raised = f" +{uplift.normalize()}% x{line.uplift_years}" if line.uplift_years else ""
    return f"{line.card_valid_from.isoformat()}{raised}"


def costing_rows(estimate: GrantEstimate) -> list[dict[str, object]]:
    """Per year: each instrument's time, its technician time, then the year's total."""
    rows: list[dict[str, object]] = []
    for year in estimate.year_totals():
        for line in (c for c in estimate.lines if c.year == year.year):
            common = {
                "year": line.year,
                "year_starts": line.priced_on,
                "instrument": line.instrument_code,
                "host": line.host_code,
                "user_class": line.user_class,
                "priced_at": _priced_at(line, estimate.uplift_percent),
                "card": f"{line.user_class.replace('_', ' ')}: "
                f"{_priced_at(line, estimate.uplift_percent)}",
            }
            rows.append(
                common
                | {
                    "item": "instrument",
                    "hours": hours(line.instrument_minutes),
                    "rate": money(line.hourly_rate_pence),
                    "amount": money(line.instrument_pence),
                }
            )
            if line.assisted_minutes:
                rows.append(
                    common
                    | {
                        "item": "technician",
                        "hours": hours(line.assisted_minutes),
                        "rate": money(line.technician_rate_pence),
                        "amount": money(line.technician_pence),
                    }
                )
        rows.append(
            {
                "year": year.year,
                "year_starts": year.starts_on,
                "item": f"year {year.year} total",
                "hours": hours(year.instrument_minutes),
                "amount": money(year.total_pence),
            }
        )
    rows += [
        {
            "item": "instrument, all years",
            "hours": hours(estimate.instrument_minutes),
            "amount": money(estimate.instrument_pence),
        },
        {
            "item": "technician, all years",
            "hours": hours(estimate.assisted_minutes),
            "amount": money(estimate.technician_pence),
        },
        {"item": "grant total", "amount": money(estimate.total_pence)},
    ]
    return rows


def costing_footer(estimate: GrantEstimate) -> str:
    """The split funders ask for, in one line under the table."""
    return (
        f"instrument time {gbp(estimate.instrument_pence)} "
        f"({hours_text(estimate.instrument_minutes)}), technician time "
        f"{gbp(estimate.technician_pence)} ({hours_text(estimate.assisted_minutes)} assisted); "
        f"total {gbp(estimate.total_pence)}"
    )


def costing_title(estimate: GrantEstimate) -> str:
    uplift = (
        f", uplift {estimate.uplift_percent.normalize()}% a year" if estimate.uplift_percent else ""
    )
    return (
        f"Grant costing for {estimate.applicant_name} ({estimate.applicant}, "
        f"{estimate.institution_code}): {estimate.years} years from "
        f"{estimate.starts_on.isoformat()}{uplift}; GBP"
    )


def plan_row(plan: SavedPlan) -> dict[str, object]:
    estimate = plan.estimate
    return {
        "id": plan.id,
        "title": plan.title,
        "project_code": plan.project_code,
        "applicant": estimate.applicant,
        "starts_on": estimate.starts_on,
        "years": estimate.years,
        "uplift_percent": estimate.uplift_percent,
        "instrument_cost": money(estimate.instrument_pence),
        "technician_cost": money(estimate.technician_pence),
        "total": money(estimate.total_pence),
        "saved_by": plan.created_by,
    }


def compare_row(row: ComparisonRow) -> dict[str, object]:
    return {
        "instrument": row.instrument_code or "total",
        "planned_hours": hours(row.planned_minutes),
        "used_hours": hours(row.used_minutes),
        "planned_assisted_hours": hours(row.planned_assisted_minutes),
        "used_assisted_hours": hours(row.used_assisted_minutes),
        "planned": money(row.planned_pence),
        "used": money(row.used_pence),
        "remaining": money(row.remaining_pence),
        "booked_ahead_hours": hours(row.ahead_minutes),
        "booked_ahead": money(row.ahead_pence),
        "summary": row.words(),
    }


def compare_rows(comparison: PlanComparison) -> list[dict[str, object]]:
    return [compare_row(row) for row in (*comparison.rows, comparison.total)]


def compare_footer(comparison: PlanComparison) -> str:
    total = comparison.total
    return (
        f"{total.words()}; technician time planned {hours_text(total.planned_assisted_minutes)},"
        f" used {hours_text(total.used_assisted_minutes)}; booked ahead "
        f"{hours_text(total.ahead_minutes)}, {gbp(total.ahead_pence)}"
    )

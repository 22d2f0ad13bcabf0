"""Reading a grant plan sheet: one row per instrument and grant year, with its hours.

Columns (any order, any case): instrument, year, hours, assisted_hours (optional; also
"assisted" or "technician hours"). A bad row is refused naming the file and its line.
"""

from __future__ import annotations

from equipshare.domain.errors import InputError
from equipshare.domain.inputs.grant_lines import plan_line
from equipshare.domain.records.money.grants import PlanLine
from equipshare.sheets.csv_files import read_sheet

COLUMNS = {
    "instrument": "instrument",
    "year": "year",
    "hours": "hours",
    "assistedhours": "assisted_hours",
}
ALIASES = {
    "instrumentcode": "instrument",
    "code": "instrument",
    "grantyear": "year",
    "instrumenthours": "hours",
    "assisted": "assistedhours",
    "technicianhours": "assistedhours",
}


def read_plan(data: bytes, source: str) -> tuple[PlanLine, ...]:
    """Every row of the sheet as a plan line; the first bad one is refused (exit 2)."""
    sheet = read_sheet(data, source, COLUMNS, ("instrument", "year", "hours"), ALIASES)
    lines = tuple(
        plan_line(
            row.get("instrument"),
            row.get("year"),
            row.get("hours"),
            row.get("assistedhours"),
            where=f"{source}:{row.line}",
        )
        for row in sheet.rows
    )
    if not lines:
        raise InputError(f"{source}: no rows under the header; nothing to cost", "file")
    return lines

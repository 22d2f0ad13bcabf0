"""Plan lines as people type them: `INSTRUMENT:YEAR:HOURS[:ASSISTED_HOURS]`, or the cells of
a plan sheet's row, each refused in one line that says where (`--line 2`, `plan.csv:5`)."""

from __future__ import annotations

from equipshare.domain.errors import InputError
from equipshare.domain.money.grant_costing import MAX_YEARS, minutes_of_hours
from equipshare.domain.records.money.grants import PlanLine


def plan_line(instrument: str, year: str, hours: str, assisted: str, where: str) -> PlanLine:
    """One line from its four texts; `assisted` empty means no technician time."""
    prefix = f"{where}: " if where else ""
    code = instrument.strip()
    if not code:
        raise InputError(f"{prefix}no instrument code", "instrument")
    try:
        year_number = int(year.strip())
    except ValueError:
        raise InputError(
            f"{prefix}year {year.strip()!r} is not a grant year (1 to {MAX_YEARS})", "year"
        ) from None
    instrument_minutes = minutes_of_hours(hours, f"{prefix}hours", "hours")
    assisted_minutes = (
        minutes_of_hours(assisted, f"{prefix}assisted hours", "assisted_hours")
        if assisted.strip()
        else 0
    )
    return PlanLine(code, year_number, instrument_minutes, assisted_minutes, where)


def line_spec(spec: str, where: str) -> PlanLine:
    """`WAR-XPS-01:2:120:40` (instrument, grant year, hours, assisted hours) as a line."""
    parts = spec.strip().rsplit(":", 3) if spec.count(":") >= 3 else spec.strip().split(":")
    if len(parts) == 3:
        parts.append("")
    if len(parts) != 4:
        raise InputError(
            f"{where}: {spec.strip()!r} is not INSTRUMENT:YEAR:HOURS[:ASSISTED_HOURS], "
            "e.g. WAR-XPS-01:1:120:40",
            "line",
        )
    instrument, year, hours, assisted = parts
    return plan_line(instrument, year, hours, assisted, where)

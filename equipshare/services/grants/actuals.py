"""A saved plan beside what its project code was actually charged, per instrument.

The charges are the bookings' frozen ones, found and measured as the monthly statements
bill them (equipshare.services.charging.billed_lines): bookings under the plan's project
code, by users of the institution that applied, starting within the grant's dates in the
organisation's zone. A late cancellation's fee counts as money used but not as hours.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from equipshare.db.models.grants import GrantPlan
from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.money.grants import ComparisonRow, PlanComparison, SavedPlan
from equipshare.services.charging import billed_lines


@dataclass
class _Sums:
    planned_minutes: int = 0
    planned_assisted_minutes: int = 0
    planned_pence: int = 0
    used_minutes: int = 0
    used_assisted_minutes: int = 0
    used_pence: int = 0
    ahead_minutes: int = 0
    ahead_pence: int = 0

    def row(self, code: str | None) -> ComparisonRow:
        return ComparisonRow(code, **vars(self))

    def add(self, other: _Sums) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


def grant_bounds(record: SavedPlan, timezone: str) -> tuple[datetime, datetime]:
    """The grant's first midnight and the midnight after its last day, in UTC."""
    zone = ZoneInfo(timezone)
    first = datetime.combine(record.estimate.starts_on, time(0), zone)
    after = datetime.combine(record.estimate.ends_on + timedelta(days=1), time(0), zone)
    return first.astimezone(UTC), after.astimezone(UTC)


def compare(
    session: Session,
    plan: GrantPlan,
    record: SavedPlan,
    facilities: frozenset[int] | None,
    *,
    now: datetime,
    timezone: str,
) -> PlanComparison:
    """Planned hours and money per instrument beside the project code's charges so far."""
    sums: dict[str, _Sums] = defaultdict(_Sums)
    for costed in record.estimate.lines:
        planned = sums[costed.instrument_code]
        planned.planned_minutes += costed.instrument_minutes
        planned.planned_assisted_minutes += costed.assisted_minutes
        planned.planned_pence += costed.total_pence
    starts, ends = grant_bounds(record, timezone)
    billed, ahead = billed_lines.project_lines(
        session, plan.project_code, plan.institution_id, starts, ends, now
    )
    for billed_line in billed:
        if facilities is not None and billed_line.facility_id not in facilities:
            continue
        line = billed_line.line
        used = sums[line.instrument_code]
        if line.status is not BookingStatus.CANCELLED:
            used.used_minutes += line.minutes
            used.used_assisted_minutes += line.technician_minutes
        used.used_pence += line.total_pence
    for billed_line in ahead:
        if facilities is not None and billed_line.facility_id not in facilities:
            continue
        line = billed_line.line
        sums[line.instrument_code].ahead_minutes += line.minutes
        sums[line.instrument_code].ahead_pence += line.total_pence
    total = _Sums()
    for each in sums.values():
        total.add(each)
    rows = tuple(sums[code].row(code) for code in sorted(sums))
    return PlanComparison(plan=record, rows=rows, total=total.row(None), as_of=now)

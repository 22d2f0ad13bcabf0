"""Frozen records of grant costing: a plan's lines, their prices, saved plans and how a
saved plan compares with what its project code was charged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from equipshare.domain.enums import UserClass
from equipshare.domain.money.charging import gbp
from equipshare.domain.money.grant_costing import grant_year_start, hours_text


@dataclass(frozen=True)
class PlanLine:
    """Hours planned on one instrument in one grant year; `where` names it in errors."""

    instrument_code: str
    year: int
    instrument_minutes: int
    assisted_minutes: int
    where: str = ""


@dataclass(frozen=True)
class PlanRequest:
    """What to cost: the applicant, the grant's start and length, the uplift and the lines."""

    applicant: str | None  # None: the acting user
    starts_on: date
    years: int
    uplift_percent: Decimal
    lines: tuple[PlanLine, ...]


@dataclass(frozen=True)
class CostedLine:
    """One line priced: the card it used (None: no card, so free) and its two charges."""

    instrument_code: str
    instrument_name: str
    host_code: str  # the instrument's institution, whose rate card priced it
    year: int
    priced_on: date
    user_class: UserClass
    instrument_minutes: int
    assisted_minutes: int
    card_valid_from: date | None
    uplift_years: int
    hourly_rate_pence: int
    technician_rate_pence: int
    instrument_pence: int
    technician_pence: int

    @property
    def total_pence(self) -> int:
        return self.instrument_pence + self.technician_pence

    @property
    def priced(self) -> bool:
        return self.card_valid_from is not None


@dataclass(frozen=True)
class YearTotal:
    """One grant year's hours and money, summed from its lines."""

    year: int
    starts_on: date
    instrument_minutes: int
    assisted_minutes: int
    instrument_pence: int
    technician_pence: int

    @property
    def total_pence(self) -> int:
        return self.instrument_pence + self.technician_pence


@dataclass(frozen=True)
class GrantEstimate:
    """A priced plan: for one applicant, a grant of `years` from `starts_on`."""

    applicant: str
    applicant_name: str
    institution_code: str
    starts_on: date
    years: int
    uplift_percent: Decimal
    lines: tuple[CostedLine, ...]

    def year_totals(self) -> tuple[YearTotal, ...]:
        """Every grant year, planned or not, with its sums."""
        totals = []
        for year in range(1, self.years + 1):
            lines = [line for line in self.lines if line.year == year]
            starts = lines[0].priced_on if lines else grant_year_start(self.starts_on, year)
            totals.append(
                YearTotal(
                    year=year,
                    starts_on=starts,
                    instrument_minutes=sum(line.instrument_minutes for line in lines),
                    assisted_minutes=sum(line.assisted_minutes for line in lines),
                    instrument_pence=sum(line.instrument_pence for line in lines),
                    technician_pence=sum(line.technician_pence for line in lines),
                )
            )
        return tuple(totals)

    @property
    def instrument_minutes(self) -> int:
        return sum(line.instrument_minutes for line in self.lines)

    @property
    def assisted_minutes(self) -> int:
        return sum(line.assisted_minutes for line in self.lines)

    @property
    def instrument_pence(self) -> int:
        return sum(line.instrument_pence for line in self.lines)

    @property
    def technician_pence(self) -> int:
        return sum(line.technician_pence for line in self.lines)

    @property
    def total_pence(self) -> int:
        return self.instrument_pence + self.technician_pence

    @property
    def ends_on(self) -> date:
        """The grant's last day: the day before its `years`th anniversary."""
        return grant_year_start(self.starts_on, self.years + 1) - timedelta(days=1)


@dataclass(frozen=True)
class SavedPlan:
    """A plan as saved: its figures are the ones priced then, whatever the cards say now."""

    id: int
    title: str
    project_code: str
    created_at: datetime
    created_by: str
    estimate: GrantEstimate


@dataclass(frozen=True)
class ComparisonRow:
    """Planned against charged, for one instrument or (code None) the whole plan.

    `used` is what the project code was charged for sessions held (and late cancellations);
    `ahead` is booked but not yet held, at the prices frozen on those bookings.
    """

    instrument_code: str | None
    planned_minutes: int
    planned_assisted_minutes: int
    planned_pence: int
    used_minutes: int
    used_assisted_minutes: int
    used_pence: int
    ahead_minutes: int
    ahead_pence: int

    @property
    def remaining_pence(self) -> int:
        return self.planned_pence - self.used_pence

    def words(self) -> str:
        """'planned 120 h, used 87 h, £4,210.00 of £5,800.00'."""
        return (
            f"planned {hours_text(self.planned_minutes)}, used {hours_text(self.used_minutes)}, "
            f"{gbp(self.used_pence)} of {gbp(self.planned_pence)}"
        )


@dataclass(frozen=True)
class PlanComparison:
    """A saved plan beside its project code's charges within the grant's dates, at `as_of`."""

    plan: SavedPlan
    rows: tuple[ComparisonRow, ...]
    total: ComparisonRow
    as_of: datetime

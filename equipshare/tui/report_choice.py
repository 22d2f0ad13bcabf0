"""Report periods the TUI offers: whole-month presets, typed from/to days and filters.

Pure (no Textual), so the presets are tested without an app and messages can carry a choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from equipshare.domain.errors import InputError
from equipshare.domain.timeparse import parse_date

ACADEMIC_YEAR_STARTS = 8  # UK universities' year runs 1 August to 31 July


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def preset_days(preset: str, today: date) -> tuple[date, date]:
    """First and last local day of a named preset around `today` (whole months)."""
    if preset == "this-month":
        return today.replace(day=1), month_end(today)
    if preset == "last-month":
        first = months_back(today, 1)
        return first, month_end(first)
    if preset == "last-12-months":  # the current month and the eleven before it
        return months_back(today, 11), month_end(today)
    if preset == "academic-year":
        year = today.year if today.month >= ACADEMIC_YEAR_STARTS else today.year - 1
        return date(year, ACADEMIC_YEAR_STARTS, 1), date(year + 1, ACADEMIC_YEAR_STARTS - 1, 31)
    raise ValueError(f"no preset called {preset!r}")


PRESETS = (
    ("this-month", "This month"),
    ("last-month", "Last month"),
    ("last-12-months", "Last 12 months"),
    ("academic-year", "Academic year"),
)


@dataclass(frozen=True)
class ReportChoice:
    """Local days first_day..last_day and optional institution/facility codes."""

    first_day: date
    last_day: date
    institution_code: str | None = None
    facility_code: str | None = None

    def words(self) -> str:
        """'1 Apr 2025 to 31 Mar 2026 · WARWICK · WAR-PRP', for the screen's heading."""
        days = f"{self.first_day:%-d %b %Y} to {self.last_day:%-d %b %Y}"
        return " · ".join(x for x in (days, self.institution_code, self.facility_code) if x)


def read_choice(first: str, last: str, institution: str, facility: str) -> ReportChoice:
    """What the form says, or InputError naming the field ('from' or 'to') that is wrong."""
    first_day = parse_date(first, "from")
    last_day = parse_date(last, "to")
    if last_day < first_day:
        raise InputError(f"to: {last_day} is before from {first_day}", "to")
    return ReportChoice(
        first_day,
        last_day,
        institution.strip().upper() or None,
        facility.strip().upper() or None,
    )

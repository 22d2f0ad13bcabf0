"""Report periods the TUI offers: the named presets (domain/time/report_periods.py, as the CLI's
--period), typed from/to days and filters.

Pure (no Textual), so the choice is tested without an app and messages can carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from equipshare.domain.errors import InputError
from equipshare.domain.time.report_periods import PRESETS, preset_days
from equipshare.domain.time.timeparse import parse_typed_day

__all__ = ["PRESETS", "ReportChoice", "preset_days", "read_choice"]


@dataclass(frozen=True)
class ReportChoice:
    """Local days first_day..last_day and optional institution/facility codes.

    `to_date`: the last day is today, counted up to the minute the report is made.
    """

    first_day: date
    last_day: date
    institution_code: str | None = None
    facility_code: str | None = None
    to_date: bool = False

    @classmethod
    def of(cls, first_day: date, last_day: date, today: date) -> ReportChoice:
        """Days ending today at the latest: a report counts what has happened."""
        return cls(first_day, min(last_day, today), to_date=last_day >= today)

    def parts(self) -> list[str]:
        """The days, then the institution and facility chosen, if any."""
        days = f"{self.first_day:%-d %b %Y} to {self.last_day:%-d %b %Y}"
        if self.to_date:
            days += ", to date"
        return [x for x in (days, self.institution_code, self.facility_code) if x]

    def words(self) -> str:
        """'1 Apr 2025 to 31 Mar 2026 · WARWICK · WAR-PRP', for the screen's heading."""
        return " · ".join(self.parts())


def read_choice(
    first: str, last: str, institution: str, facility: str, today: date
) -> ReportChoice:
    """What the form says, or InputError naming the field ('from' or 'to') that is wrong.

    A last day after today becomes today (to date); a first day after today is refused,
    as the reports service refuses it for the CLI.
    """
    # A day without a year: the last one so far for the first day, the nearest for the last.
    first_day = parse_typed_day(first, "from", today, ahead=False)
    last_day = parse_typed_day(last, "to", today)
    if last_day < first_day:
        raise InputError(f"to: {last_day} is before from {first_day}", "to")
    if first_day > today:
        raise InputError(
            f"from: {first_day} is after today ({today}); a report counts what has happened",
            "from",
        )
    days = ReportChoice.of(first_day, last_day, today)
    return ReportChoice(
        days.first_day,
        days.last_day,
        institution.strip().upper() or None,
        facility.strip().upper() or None,
        days.to_date,
    )

"""Named report periods, one definition for the TUI's presets and `equipshare report --period`.

A report counts what has happened: no preset reaches past today, and the reports service
ends any period at the present minute, so no figure counts open hours still to come.

- this month: the 1st of the current month to today (to date);
- last month: the whole calendar month before the current one (the CLI's default);
- last 12 months: the twelve whole months before the current one, so the figures of a
  year (and its twelve monthly statements) stay put through a month rather than change
  every day; 6 Dec 2026 gives 1 Dec 2025 to 30 Nov 2026;
- academic year: the current UK academic year (from 1 August) to today (to date).
"""

from __future__ import annotations

from datetime import date, timedelta

ACADEMIC_YEAR_STARTS = 8  # UK universities' year runs 1 August to 31 July

PRESETS = (
    ("this-month", "This month"),
    ("last-month", "Last month"),
    ("last-12-months", "Last 12 months"),
    ("academic-year", "Academic year"),
)
PRESET_NAMES = tuple(name for name, _ in PRESETS)


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def preset_days(preset: str, today: date) -> tuple[date, date]:
    """First and last local day of a named preset on `today`; none ends after today."""
    if preset == "this-month":
        return today.replace(day=1), today
    if preset == "last-month":
        first = months_back(today, 1)
        return first, month_end(first)
    if preset == "last-12-months":
        return months_back(today, 12), today.replace(day=1) - timedelta(days=1)
    if preset == "academic-year":
        year = today.year if today.month >= ACADEMIC_YEAR_STARTS else today.year - 1
        return date(year, ACADEMIC_YEAR_STARTS, 1), today
    raise ValueError(f"no preset called {preset!r}")


def statement_month(first_day: date, last_day: date, today: date) -> date:
    """The month whose recharge statement stands for the period: its last month that has
    ended by `today`; the current month (to date) when the period has no ended month."""
    month = min(last_day, today).replace(day=1)
    if month_end(month) >= today and month > first_day.replace(day=1):
        return months_back(month, 1)
    return month


def month_has_ended(month: date, today: date) -> bool:
    """Whether every day of `month`'s month is before `today`."""
    return month_end(month) < today

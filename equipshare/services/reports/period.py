"""Reporting periods: local days in the organisation's zone, and the calendar facts about them.

Pure Python over zoneinfo: the SQL of the reports takes these facts (UTC offsets in force,
month boundaries, how many Mondays...) as constants, so SQLite, which knows no time
zones, and PostgreSQL agree to the minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from equipshare.domain.errors import InputError
from equipshare.domain.records.reports import ReportPeriod
from equipshare.domain.report_periods import preset_days
from equipshare.domain.zone_offsets import OffsetSpan, local_midnight, offset_spans_between

__all__ = [
    "OffsetSpan",
    "local_midnight",
    "make_period",
    "minutes_into_last_day",
    "month_boundaries",
    "month_starts",
    "offset_spans",
    "period_minutes",
    "previous_month",
    "weekday_counts",
]


def make_period(
    first_day: date, last_day: date, timezone: str, now: datetime | None = None
) -> ReportPeriod:
    """Local days first_day..last_day; refuses (naming --to) a last day before the first.

    Given `now`, the period ends there at the latest (to the minute): a report counts what
    has happened, so today is counted to date and no later day at all. A period that starts
    after today has nothing to count and is refused, naming --from.
    """
    if last_day < first_day:
        raise InputError(
            f"--to {last_day.isoformat()} is before --from {first_day.isoformat()}", "--to"
        )
    zone = ZoneInfo(timezone)
    ends_at = local_midnight(last_day + timedelta(days=1), zone)
    to_date = False
    if now is not None:
        today = now.astimezone(zone).date()
        if first_day > today:
            raise InputError(
                f"--from {first_day.isoformat()} is after today ({today.isoformat()}): "
                "a report counts what has happened",
                "--from",
            )
        present = now.astimezone(UTC).replace(second=0, microsecond=0)
        if present < ends_at:
            last_day, ends_at, to_date = today, present, True
    return ReportPeriod(
        first_day=first_day,
        last_day=last_day,
        timezone=timezone,
        starts_at=local_midnight(first_day, zone),
        ends_at=ends_at,
        to_date=to_date,
    )


def previous_month(today: date) -> tuple[date, date]:
    """The first and last day of the calendar month before the one `today` is in: the
    "last month" preset, the reports' default."""
    return preset_days("last-month", today)


def period_minutes(period: ReportPeriod) -> int:
    """Real minutes in the period: a day of a clock change has 23 or 25 hours."""
    return int((period.ends_at - period.starts_at).total_seconds()) // 60


def weekday_counts(period: ReportPeriod) -> tuple[int, ...]:
    """How many whole Mondays, Tuesdays... (Monday first) the period's local days include;
    a period to date leaves its last day, today, to `minutes_into_last_day`."""
    days = (period.last_day - period.first_day).days + (0 if period.to_date else 1)
    whole, rest = divmod(days, 7)
    counts = [whole] * 7
    for offset in range(rest):
        counts[(period.first_day.weekday() + offset) % 7] += 1
    return tuple(counts)


def minutes_into_last_day(period: ReportPeriod) -> int | None:
    """For a period to date, the local wall-clock minute of today at which it ends."""
    if not period.to_date:
        return None
    local = period.ends_at.astimezone(ZoneInfo(period.timezone))
    return local.hour * 60 + local.minute


def offset_spans(period: ReportPeriod) -> tuple[OffsetSpan, ...]:
    """The zone's UTC offsets in force during the period, each from the instant it starts."""
    return offset_spans_between(period.timezone, period.starts_at, period.ends_at)


def month_starts(period: ReportPeriod) -> tuple[date, ...]:
    """The first day of each local month the period touches."""
    months = []
    month = period.first_day.replace(day=1)
    while month <= period.last_day:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return tuple(months)


def month_boundaries(period: ReportPeriod) -> tuple[datetime, ...]:
    """UTC instants at which the period's second, third... local month begins."""
    zone = ZoneInfo(period.timezone)
    return tuple(local_midnight(month, zone) for month in month_starts(period)[1:])

"""Reporting periods: local days in the organisation's zone, and the calendar facts about them.

Pure Python over zoneinfo: the SQL of the reports takes these facts (UTC offsets in force,
month boundaries, how many Mondays...) as constants, so SQLite, which knows no time
zones, and PostgreSQL agree to the minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from equipshare.domain.errors import InputError
from equipshare.domain.records.impact.reports import ReportPeriod
from equipshare.domain.time.report_periods import preset_days
from equipshare.domain.time.zone_offsets import OffsetSpan, local_midnight, offset_spans_between

__all__ = [
    "OffsetSpan",
    "local_midnight",
    "make_period",
    "minutes_into_first_day",
    "minutes_into_last_day",
    "month_boundaries",
    "month_starts",
    "offset_spans",
    "period_from",
    "period_minutes",
    "previous_month",
    "weekday_counts",
]


def make_period(
    first_day: date,
    last_day: date,
    timezone: str,
    now: datetime | None = None,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> ReportPeriod:
    """Local days first_day..last_day; refuses (naming --to) a last day before the first.

    `starts_at` (an instant in first_day) starts the period at that minute instead of
    first_day's midnight; `ends_at` (an instant in last_day, or the midnight after it)
    ends it there, not included, instead of at the midnight after last_day.

    Given `now`, the period ends there at the latest (to the minute): a report counts what
    has happened, so today is counted to date and no later day at all. A period that starts
    after now has nothing to count and is refused, naming --from.
    """
    zone = ZoneInfo(timezone)
    start = starts_at or local_midnight(first_day, zone)
    end = ends_at or local_midnight(last_day + timedelta(days=1), zone)
    if last_day < first_day or end <= start:
        raise InputError(
            f"--to {_shown(last_day, ends_at, zone)} is before --from "
            f"{_shown(first_day, starts_at, zone)}",
            "--to",
        )
    to_date = False
    if now is not None:
        today = now.astimezone(zone).date()
        present = now.astimezone(UTC).replace(second=0, microsecond=0)
        if first_day > today or start >= present:
            raise InputError(
                f"--from {_shown(first_day, starts_at, zone)} is after "
                f"{'today (' + today.isoformat() + ')' if first_day > today else 'now'}: "
                "a report counts what has happened",
                "--from",
            )
        if present < end:
            last_day, end, to_date = today, present, True
    return ReportPeriod(
        first_day=first_day,
        last_day=last_day,
        timezone=timezone,
        starts_at=start,
        ends_at=end,
        to_date=to_date,
    )


def period_from(
    first: date | datetime, last: date | datetime, timezone: str, now: datetime | None = None
) -> ReportPeriod:
    """The period from `first` to `last`: a day is a whole local day (`last` included), an
    instant starts the period there or ends it there (not included), so its first or last
    day may be partial; refused as `make_period` refuses."""
    zone = ZoneInfo(timezone)
    starts_at = first if isinstance(first, datetime) else None
    ends_at = last if isinstance(last, datetime) else None
    first_day = first.astimezone(zone).date() if isinstance(first, datetime) else first
    last_day = last
    if isinstance(last, datetime):
        last_day = max((last - timedelta(microseconds=1)).astimezone(zone).date(), first_day)
    return make_period(first_day, last_day, timezone, now, starts_at=starts_at, ends_at=ends_at)


def _shown(day: date, instant: datetime | None, zone: ZoneInfo) -> str:
    return day.isoformat() if instant is None else f"{instant.astimezone(zone):%Y-%m-%d %H:%M}"


def minutes_into_first_day(period: ReportPeriod) -> int | None:
    """The local wall-clock minute of the first day at which the period starts, when that is
    not its midnight (a period given from a time)."""
    zone = ZoneInfo(period.timezone)
    if period.starts_at == local_midnight(period.first_day, zone):
        return None
    local = period.starts_at.astimezone(zone)
    return local.hour * 60 + local.minute


def previous_month(today: date) -> tuple[date, date]:
    """The first and last day of the calendar month before the one `today` is in: the
    "last month" preset, the reports' default."""
    return preset_days("last-month", today)


def period_minutes(period: ReportPeriod) -> int:
    """Real minutes in the period: a day of a clock change has 23 or 25 hours."""
    return int((period.ends_at - period.starts_at).total_seconds()) // 60


def weekday_counts(period: ReportPeriod) -> tuple[int, ...]:
    """How many whole Mondays, Tuesdays... (Monday first) the period's local days include;
    a first or last day the period covers only part of (a period to date, or one given
    with times) is left to `minutes_into_first_day` and `minutes_into_last_day`."""
    first = period.first_day
    if minutes_into_first_day(period) is not None:
        first += timedelta(days=1)
    days = (period.last_day - first).days
    days += 0 if minutes_into_last_day(period) is not None else 1
    whole, rest = divmod(max(days, 0), 7)
    counts = [whole] * 7
    for offset in range(rest):
        counts[(first.weekday() + offset) % 7] += 1
    return tuple(counts)


def minutes_into_last_day(period: ReportPeriod) -> int | None:
    """For a period to date, or one given to a time, the local wall-clock minute of its
    last day at which it ends."""
    zone = ZoneInfo(period.timezone)
    if not period.to_date and period.ends_at == local_midnight(
        period.last_day + timedelta(days=1), zone
    ):
        return None
    local = period.ends_at.astimezone(zone)
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

"""Times in words for people: a range in the facility's own zone, naming the zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

#: A day this close to today is named without its year in a table ('Tue 19 Jan').
HALF_YEAR_DAYS = 182


def local_range(start: datetime, end: datetime, timezone: str) -> str:
    """'Tue 17 Mar 2026 10:00-12:00 GMT' in the facility's zone, naming the zone."""
    zone = ZoneInfo(timezone)
    a, b = start.astimezone(zone), end.astimezone(zone)
    day = f"{a:%a} {a.day} {a:%b %Y}"
    if (b - timedelta(microseconds=1)).date() == a.date():
        zones = a.tzname() if a.tzname() == b.tzname() else f"{a.tzname()}/{b.tzname()}"
        return f"{day} {a:%H:%M}-{b:%H:%M} {zones}"
    return f"{day} {a:%H:%M} {a.tzname()} - {b:%a} {b.day} {b:%b %Y} {b:%H:%M} {b.tzname()}"


def short_range(start: datetime, end: datetime, timezone: str, near: date) -> str:
    """'Tue 8 Dec 09:00-11:00 GMT': a range for a table column, as short as it can be while
    whole. A day within half a year of `near` (today, say) goes without its year, as it
    cannot be mistaken; an end within the week names only its weekday ('Wed 25 Nov
    21:00-Thu 09:00 GMT'); the zone is named once, or at each end when the clocks change
    between them."""
    zone = ZoneInfo(timezone)
    a, b = start.astimezone(zone), end.astimezone(zone)
    around = near.date() if isinstance(near, datetime) else near

    def day(moment: datetime) -> str:
        far = abs((moment.date() - around).days) > HALF_YEAR_DAYS
        return f"{moment:%a} {moment.day} {moment:%b}" + (f" {moment.year}" if far else "")

    same_zone = a.tzname() == b.tzname()
    head = f"{day(a)} {a:%H:%M}" if same_zone else f"{day(a)} {a:%H:%M} {a.tzname()}"
    last_day = (b - timedelta(microseconds=1)).date()
    if last_day == a.date():
        tail = f"{b:%H:%M}"
    elif (last_day - a.date()).days < 7:
        tail = f"{b:%a} {b:%H:%M}"
    else:
        tail = f"{day(b)} {b:%H:%M}"
    return f"{head}-{tail} {b.tzname()}"


def moment_words(instant: datetime, timezone: str, now: datetime) -> str:
    """'16 Nov 09:00 GMT': an instant in the facility's zone, naming the zone, and its year
    when that is not the current one there ('20 Dec 2025 10:00 GMT')."""
    zone = ZoneInfo(timezone)
    local = instant.astimezone(zone)
    year = f" {local.year}" if local.year != now.astimezone(zone).year else ""
    return f"{local.day} {local:%b}{year} {local:%H:%M} {local.tzname()}"


def clock_words(instant: datetime, timezone: str) -> str:
    """'10:02 GMT': a time of day in the facility's zone, naming the zone, for a moment whose
    day is shown beside it (a check-in on the booking's own row)."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%H:%M} {local.tzname()}"

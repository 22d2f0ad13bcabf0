"""The reports' time arithmetic in SQL agrees with zoneinfo on both engines, across clock changes.

Bookings start around both 2026 changes in London (29 March, 25 October), at local
midnights that are another UTC day, and in zones with half-hour offsets; the SQL local
hour, weekday and month, and the real minutes of each booking, must be what Python says.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus
from equipshare.services.reports.period import (
    make_period,
    month_starts,
    offset_spans,
    period_minutes,
    previous_month,
    weekday_counts,
)
from equipshare.services.reports.sql_time import (
    local_hour,
    local_weekday,
    minutes_between,
    month_index,
    overlap_minutes,
)
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World

STARTS = [
    datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # London: Saturday 23:30 GMT
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 00:30 GMT, the night of the change
    datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 02:00 BST: the clocks went forward
    datetime(2026, 3, 31, 23, 30, tzinfo=UTC),  # 00:30 BST on 1 April
    datetime(2026, 10, 24, 23, 0, tzinfo=UTC),  # Sunday 00:00 BST
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 01:30 BST, the first time
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # 01:00 GMT: the clocks went back
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 01:30 GMT, the second time
    datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
]
ZONES = ["Europe/London", "America/St_Johns", "Australia/Lord_Howe", "UTC"]


@pytest.mark.parametrize("zone", ZONES)
def test_local_hour_weekday_month_and_minutes_in_sql(
    database: Database, world: World, zone: str
) -> None:
    ids = {
        plant_booking(
            database, world, "alice", "WAR-RAM-01", start, start + timedelta(minutes=90),
            BookingStatus.COMPLETED,
        ): start
        for start in STARTS
    }  # fmt: skip
    period = make_period(date(2026, 1, 1), date(2027, 1, 1), zone)
    dialect = database.backend
    moment = Booking.starts_at
    statement = select(
        Booking.id,
        local_hour(dialect, moment, period),
        local_weekday(dialect, moment, period),
        month_index(moment, period),
        minutes_between(dialect, Booking.starts_at, Booking.ends_at),
        overlap_minutes(dialect, Booking.starts_at, Booking.ends_at, period),
    )
    months = month_starts(period)
    with database.readonly() as session:
        got = {row[0]: tuple(row[1:]) for row in session.execute(statement)}
    for booking_id, start in ids.items():
        local = start.astimezone(ZoneInfo(zone))
        month = months.index(local.date().replace(day=1))
        inside = min(start + timedelta(minutes=90), period.ends_at) - start
        expected = (local.hour, local.weekday(), month, 90, int(inside.total_seconds()) // 60)
        assert got[booking_id] == expected, (zone, start.isoformat())


def test_offsets_and_days_of_a_london_year() -> None:
    year = make_period(date(2026, 1, 1), date(2026, 12, 31), "Europe/London")
    assert [(s.starts_at, s.minutes) for s in offset_spans(year)] == [
        (None, 0),
        (datetime(2026, 3, 29, 1, tzinfo=UTC), 60),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), 0),
    ]
    assert period_minutes(year) == 365 * 1440
    assert weekday_counts(year) == (52, 52, 52, 53, 52, 52, 52)  # 2026 begins on a Thursday
    forward = make_period(date(2026, 3, 29), date(2026, 3, 29), "Europe/London")
    back = make_period(date(2026, 10, 25), date(2026, 10, 25), "Europe/London")
    assert (period_minutes(forward), period_minutes(back)) == (23 * 60, 25 * 60)
    assert weekday_counts(forward) == (0, 0, 0, 0, 0, 0, 1)
    assert len(month_starts(year)) == 12 and month_starts(forward) == (date(2026, 3, 1),)


def test_half_hour_changes_and_the_previous_month() -> None:
    spring = make_period(date(2026, 10, 4), date(2026, 10, 4), "Australia/Lord_Howe")
    assert [(s.starts_at, s.minutes) for s in offset_spans(spring)] == [
        (None, 630),
        (datetime(2026, 10, 3, 15, 30, tzinfo=UTC), 660),
    ]
    assert period_minutes(spring) == 1440 - 30
    assert previous_month(date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert previous_month(date(2026, 3, 1)) == (date(2026, 2, 1), date(2026, 2, 28))

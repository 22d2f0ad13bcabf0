"""A report counts what has happened: no period counts open hours, bookings or downtime still
to come (issue 20: "Last 12 months" counted the open hours of the rest of the year). On both
engines.

The clock stands at Wed 9 Dec 2026 12:00 GMT, three hours into the XPS's opening hours
(Mon-Fri 09:00-17:00); December so far has six whole weekdays, Tue 1 to Tue 8.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from equipshare.db.engine import Database
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import InputError
from equipshare.domain.records.impact.reports import UtilisationRow
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.reports.impact import ReportService
from tests.services.reports.test_reports import plant_downtime
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World, london

XPS, RAM = "WAR-XPS-01", "WAR-RAM-01"
NOON = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)


@pytest.fixture
def reports(
    context: ServiceContext, clock: FrozenClock, database: Database, world: World
) -> ReportService:
    clock.instant = NOON
    held = BookingStatus.CONFIRMED
    plant_booking(
        database, world, "bob", XPS, london(2026, 12, 2, 10), london(2026, 12, 2, 12), held
    )
    plant_booking(
        database, world, "alice", XPS, london(2026, 12, 9, 9), london(2026, 12, 9, 11), held
    )
    # Still to come: later today, and next week.
    plant_booking(
        database, world, "bob", XPS, london(2026, 12, 9, 14), london(2026, 12, 9, 16), held
    )
    plant_booking(
        database, world, "bob", XPS, london(2026, 12, 15, 9), london(2026, 12, 15, 17), held
    )
    # Maintenance from Tuesday 13:00 to Thursday 13:00: 23 of its 48 hours have passed.
    plant_downtime(database, world, XPS, london(2026, 12, 8, 13), london(2026, 12, 10, 13), "tech")
    return ReportService(context)


def xps(rows: tuple[UtilisationRow, ...]) -> UtilisationRow:
    return next(r for r in rows if r.code == XPS)


def test_a_month_not_over_counts_only_up_to_now(reports: ReportService) -> None:
    december = reports.period(date(2026, 12, 1), date(2026, 12, 31))
    assert december.to_date and december.last_day == date(2026, 12, 9)
    assert december.ends_at == NOON
    assert december.words() == "1 Dec 2026 to 9 Dec 2026, to date"
    rows = reports.utilisation("mgr", december).rows
    row = xps(rows)
    # Six whole weekdays of 8 h, and today's 09:00-12:00; not the 16 weekdays to come.
    assert row.opening_minutes == 6 * 480 + 180
    assert (row.booked_minutes, row.bookings, row.shared_minutes) == (240, 2, 120)
    assert row.downtime_minutes == 23 * 60
    assert row.utilisation_percent == Decimal("7.8")  # 240 of 3,060 minutes
    # Open round the clock: every real minute from 1 Dec 00:00 to now.
    raman = next(r for r in rows if r.code == RAM)
    assert raman.opening_minutes == 8 * 1440 + 12 * 60


def test_other_reports_share_the_period_to_date(reports: ReportService) -> None:
    december = reports.period(date(2026, 12, 1), date(2026, 12, 31))
    sharing = reports.sharing("mgr", december)
    assert sharing.cross_institution_minutes == 120  # bob's past 2 h, not his 10 to come
    assert [m.month for m in sharing.months] == [date(2026, 12, 1)]
    demand = reports.demand("mgr", december)
    assert sum(demand.by_hour) == 2


def test_a_period_before_today_is_whole_and_one_after_today_is_refused(
    reports: ReportService,
) -> None:
    november = reports.period(date(2026, 11, 1), date(2026, 11, 30))
    assert not november.to_date and november.words() == "1 Nov 2026 to 30 Nov 2026"
    assert xps(reports.utilisation("mgr", november).rows).opening_minutes == 21 * 480
    with pytest.raises(InputError) as refused:
        reports.period(date(2026, 12, 10), date(2026, 12, 31))
    assert refused.value.field == "--from"
    assert str(refused.value) == (
        "--from 2026-12-10 is after today (2026-12-09): a report counts what has happened"
    )


@pytest.mark.parametrize(
    ("preset", "days", "to_date"),
    [
        ("last-12-months", (date(2025, 12, 1), date(2026, 11, 30)), False),
        ("academic-year", (date(2026, 8, 1), date(2026, 12, 9)), True),
        ("this-month", (date(2026, 12, 1), date(2026, 12, 9)), True),
        ("last-month", (date(2026, 11, 1), date(2026, 11, 30)), False),
    ],
)
def test_named_periods_end_by_now(
    reports: ReportService, preset: str, days: tuple[date, date], to_date: bool
) -> None:
    period = reports.preset(preset)
    assert (period.first_day, period.last_day, period.to_date) == (*days, to_date)
    assert period.ends_at <= NOON

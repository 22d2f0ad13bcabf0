"""Reports screen: staff open it with R and see the report services' own figures, as charts.

The clock stands at Mon 16 Mar 2026 09:00 UTC, so the screen opens on February 2026 (the
last full month, as the CLI does). The fixture books February with the clock moved back:
Aston's bob on Warwick's XPS twice (once assisted by tech), Warwick's alice on the XPS and
on Aston's SEM, erin on the Raman, a cancelled booking, a downtime, and January and March
bookings for the trend by month.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from equipshare.db.engine import Database
from equipshare.db.models.charging import RateCard
from equipshare.domain.enums import DowntimeReason, UserClass
from equipshare.domain.money.charging import money
from equipshare.domain.records.impact.reports import hours
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.charging.statements import StatementService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.reports.impact import ReportService
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.reports.report_period import ReportPeriodModal
from equipshare.tui.report_charts import HEAT_RAMP, utilisation_bar
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.reports.reports import ReportsScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.world import World, london
from tests.tui.conftest import recorded, settle, shown

XPS, SEM, RAM = "WAR-XPS-01", "AST-SEM-01", "WAR-RAM-01"
TABS = ["utilisation", "sharing", "technicians", "demand", "charges"]
FEB = (date(2026, 2, 1), date(2026, 2, 28))
Compare = Callable[..., bool]


@pytest.fixture
def reported(context: ServiceContext, world: World, clock: FrozenClock, database: Database) -> None:
    with database.sessions.begin() as session:
        session.add(
            RateCard(
                instrument_id=world.instruments[XPS],
                user_class=UserClass.PARTNER,
                hourly_rate=Decimal("30.00"),
                technician_hourly_rate=Decimal("40.00"),
                currency="GBP",
                valid_from=date(2020, 1, 1),
            )
        )
    bookings = BookingService(context)

    def book(user: str, code: str, day: tuple[int, int], start: int, end: int, **extra: Any) -> int:
        request = BookingRequest(code, london(2026, *day, start), london(2026, *day, end), **extra)
        return bookings.book(user, request).id

    now = clock.instant
    clock.instant = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
    shared = [
        book("bob", XPS, (1, 22), 10, 11),
        book("bob", XPS, (2, 2), 10, 12),
        book("bob", XPS, (2, 3), 10, 13, technician_username="tech"),
        book("alice", SEM, (2, 5), 10, 12),
    ]
    book("alice", XPS, (2, 4), 10, 11)
    book("erin", RAM, (2, 6), 10, 14)
    bookings.cancel("alice", book("alice", XPS, (2, 9), 10, 11))
    DowntimeService(context).schedule(
        "tech", XPS, london(2026, 2, 10, 13), london(2026, 2, 10, 15), DowntimeReason.MAINTENANCE
    )
    for booking_id in shared:  # cross-institution bookings wait for approval, given in time
        bookings.approve("root", booking_id)
    clock.instant = now
    bookings.approve("root", book("bob", XPS, (3, 17), 10, 12))


def screen_of(app: EquipshareApp) -> ReportsScreen:
    assert isinstance(app.screen, ReportsScreen)
    return app.screen


def cells(screen: ReportsScreen, table_id: str) -> list[list[str]]:
    table = screen.query_one(f"#{table_id}", DataTable)
    if isinstance(table, FittedTable):  # every column's cell, shown or not
        return [[str(c).strip() for c in table.row_values_at(i)] for i in range(table.row_count)]
    return [[str(c).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(screen: ReportsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def last_12_months(screen: ReportsScreen) -> bool:
    """The screen has taken the "last 12 months" preset (from Mon 16 Mar 2026): the twelve
    whole months before March."""
    return (screen.choice.first_day, screen.choice.last_day) == (
        date(2025, 3, 1),
        date(2026, 2, 28),
    )


async def open_reports(pilot: Pilot[None], tab: str = "utilisation") -> ReportsScreen:
    app = pilot.app
    assert isinstance(app, EquipshareApp)
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
    await pilot.press("escape", "R")
    screen = await shown(pilot, ReportsScreen)
    await pilot.press(str(TABS.index(tab) + 1))
    await settle(pilot, lambda: screen.report(tab) is not None)
    return screen


async def test_r_shows_a_manager_the_services_utilisation_and_sharing_as_charts(
    context: ServiceContext, reported: None
) -> None:
    reports = ReportService(context)
    february = reports.period(*FEB)
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reports(pilot)
        utilisation = reports.utilisation("mgr", february)
        assert screen.report("utilisation") == utilisation
        rows = cells(screen, "utilisation-table")
        # Busiest first: XPS 6 h of 160 h open, SEM 2 of 160, Raman 4 of 672 (24/7).
        assert [row[0] for row in rows[:3]] == [XPS, SEM, RAM]
        by_code = {row.code: row for row in utilisation.rows}
        xps = by_code[XPS]
        assert xps.utilisation_percent == Decimal("3.8")
        assert rows[0] == [
            XPS,
            utilisation_bar(xps.utilisation_percent, 12).strip(),
            "6.00",  # booked: bob 2 h + 3 h, alice 1 h
            "0.00",  # used: nobody checked in, nothing completed yet
            "160.00",  # 20 weekdays of 8 h
            "1",  # alice's cancelled booking
            "0",
            "2.00",  # the maintenance
            "5.00",  # bob is from Aston
            by_code[XPS].name,
        ]
        # 3.8% of 12 cells is 3.6 eighths of a cell, drawn as 4: half a cell.
        assert rows[0][1].startswith("▌ ")

        await pilot.press("2")
        await settle(pilot, lambda: screen.report("sharing") is not None)
        assert screen.report("sharing") == reports.sharing("mgr", february)
        assert cells(screen, "sharing-matrix") == [
            ["ASTON", "·", "2.00", "2.00"],  # alice on Aston's SEM
            ["WARWICK", "5.00", "5.00", "10.00"],  # bob on the XPS; Warwick's own use
        ]
        matrix = screen.query_one("#sharing-matrix", DataTable)
        strongest = matrix.get_cell("WARWICK", "ASTON")
        assert isinstance(strongest, Text) and str(strongest.style) == HEAT_RAMP[-1]
        chart = text_of(screen, "#sharing-chart")
        assert "Hours shared across institutions by month, 2026 (peak 7.00 h in Feb 2026)" in chart
        assert chart.splitlines()[-1].startswith("Feb")
        assert "7.00 h in 3 bookings" in text_of(screen, "#sharing-view .report-note")


async def test_a_researcher_is_offered_no_reports(context: ServiceContext, reported: None) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("escape", "R")
        await pilot.pause()
        assert isinstance(app.screen, CatalogueScreen)
        assert app.check_action("reports", ()) is False


async def test_a_new_period_reloads_and_a_bad_day_is_named_in_the_picker(
    context: ServiceContext, reported: None
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reports(pilot)
        await pilot.press("p")
        picker = await shown(pilot, ReportPeriodModal)
        picker.query_one("#period-from", Input).value = "2026-02-30"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReportPeriodModal)
        assert str(picker.query_one("#period-error", Static).render()) == (
            "from: '2026-02-30' is not a date; write it as 2026-12-16, 16/12/2026,"
            " 16 Dec, 16 Dec 2026, today, tomorrow or a weekday (fri)"
        )
        await pilot.click("#preset-last-12-months")
        # February's report is shown until the new period's arrives.
        await settle(
            pilot, lambda: last_12_months(screen) and screen.report("utilisation") is not None
        )
        assert pilot.app.screen is screen
        year = ReportService(context).period(date(2025, 3, 1), date(2026, 2, 28))
        assert screen.report("utilisation") == ReportService(context).utilisation("mgr", year)
        assert text_of(screen, "#reports-period").startswith("1 Mar 2025 to 28 Feb 2026 (")
        xps = next(r for r in cells(screen, "utilisation-table") if r[0] == XPS)
        assert xps[2] == "7.00"  # January's hour joins February's six; March is not over


async def test_x_saves_the_shown_tab_as_csv(
    context: ServiceContext, reported: None, tmp_path: Path
) -> None:
    reports = ReportService(context)
    app = EquipshareApp(context, "mgr")
    app.downloads = tmp_path
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        screen = await open_reports(pilot)
        await pilot.press("x")
        saved = tmp_path / "equipshare-utilisation-instrument-2026-02-01-to-2026-02-28.csv"
        await settle(pilot, saved.exists)
        with saved.open(newline="") as f:
            rows = list(csv.DictReader(f))
        report = reports.utilisation("mgr", reports.period(*FEB))
        assert [r["code"] for r in rows] == [r.code for r in report.rows]
        assert [r["booked_hours"] for r in rows] == [
            str(hours(r.booked_minutes)) for r in report.rows
        ]
        xps = next(r for r in rows if r["code"] == XPS)
        assert (xps["booked_hours"], xps["shared_hours"], xps["cancellations"]) == (
            "6.00",
            "5.00",
            "1",
        )
        notes = recorded(app).notified("information")
        assert any(f"Saved {len(rows)} rows to {saved}" in note for note in notes)

        await pilot.press("5")
        await settle(pilot, lambda: screen.report("charges") is not None)
        statement = StatementService(context).statement("mgr", date(2026, 2, 1))
        assert screen.report("charges") == statement
        # bob (Aston, partner rate £30/h): 2 h, then 3 h assisted by tech at £40/h.
        assert cells(screen, "charges-pairs") == [["ASTON", "WARWICK", "2", "£270.00"]]
        assert [r[3] for r in cells(screen, "charges-lines")] == ["£60.00", "£210.00"]
        await pilot.press("x")
        charges = tmp_path / "equipshare-charges-2026-02.csv"
        await settle(pilot, charges.exists)
        with charges.open(newline="") as f:
            lines = list(csv.DictReader(f))
        assert [(r["booking_id"], r["total_gbp"]) for r in lines] == [
            (str(line.booking_id), str(money(line.total_pence))) for line in statement.lines
        ]
        assert [r["total_gbp"] for r in lines] == ["60.00", "210.00"]


def test_snapshot_of_a_years_sharing(
    snap_compare: Compare, context: ServiceContext, reported: None
) -> None:
    async def ready(pilot: Pilot[None]) -> None:
        screen = await open_reports(pilot, "sharing")
        await pilot.press("p")
        await shown(pilot, ReportPeriodModal)
        await pilot.click("#preset-last-12-months")
        # February's report is shown until the new period's arrives.
        await settle(pilot, lambda: last_12_months(screen) and screen.report("sharing") is not None)

    assert snap_compare(EquipshareApp(context, "mgr"), terminal_size=(100, 30), run_before=ready)

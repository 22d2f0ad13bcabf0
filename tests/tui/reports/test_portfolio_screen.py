"""The Portfolio screen (W): a technician's own work, a manager picking one of their staff,
an opted-out technician unnamed to the manager, and a researcher offered nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Select, Static

from equipshare.domain.display.portfolio_page import markdown_page
from equipshare.domain.records.impact.credit import UNNAMED_STAFF
from equipshare.domain.records.impact.reports import ReportPeriod
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.portfolio.service import PortfolioService
from equipshare.services.reports.impact import ReportService
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.reports.report_period import ReportPeriodModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.portfolio import PortfolioScreen
from equipshare.tui.screens.week import WeekScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.services.portfolio.test_portfolio import opt_out
from tests.services.reports.test_reports import plant_march
from tests.support.world import World
from tests.tui.conftest import settle, shown

#: Mid-April 2026: the academic year to date (from 1 Aug 2025) holds the planted March.
APRIL = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)


async def open_portfolio(pilot: Pilot[None]) -> PortfolioScreen:
    app = pilot.app
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    await settle(pilot, lambda: not any(w.group == "standing" for w in app.workers))
    await pilot.press("W")
    screen = await shown(pilot, PortfolioScreen)
    await settle(pilot, lambda: screen.portfolio is not None and bool(screen.subjects))
    return screen


def rows(screen: PortfolioScreen, table: str) -> list[list[str]]:
    found = screen.query_one(f"#portfolio-{table}", FittedTable)
    return [[str(c) for c in found.row_values_at(i)] for i in range(found.row_count)]


def status(screen: PortfolioScreen) -> str:
    return str(screen.query_one("#portfolio-status", Static).content)


def year_to_date(context: ServiceContext) -> ReportPeriod:
    return ReportService(context).preset("academic-year")


async def test_a_technician_sees_and_saves_their_own(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    plant_march(context.database, world)
    context.clock.instant = APRIL  # type: ignore[attr-defined]
    expected = PortfolioService(context).portfolio("tech", "tech", year_to_date(context))
    app = EquipshareApp(context, "tech")
    app.downloads = tmp_path
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_portfolio(pilot)
        assert screen.portfolio == expected
        assert [s.username for s in screen.subjects] == ["tech"]
        assert [r[:3] for r in rows(screen, "instruments")] == [
            ["WAR-MEG-01", "0", "0.00"],
            ["WAR-XPS-01", "1", "4.00"],
        ]
        assert rows(screen, "institutions") == [["ASTON", "1", "4.00", "1"]]
        assert "1 Aug 2025 to 15 Apr 2026, to date" in status(screen)
        await pilot.press("x")
        saved = tmp_path / "equipshare-portfolio-tech-2025-08-01-to-2026-04-15.md"
        await settle(pilot, saved.exists)
        assert saved.read_text(encoding="utf-8") == markdown_page(expected)
        await pilot.press("u")  # nobody else to choose: says so
        await pilot.press("p")
        await shown(pilot, ReportPeriodModal)
        await pilot.press("escape")


async def test_a_manager_picks_staff_and_an_opted_out_one_is_unnamed(
    context: ServiceContext, world: World
) -> None:
    plant_march(context.database, world)
    opt_out(context, world, "tech")
    context.clock.instant = APRIL  # type: ignore[attr-defined]
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_portfolio(pilot)
        assert screen.subjects[0].username == "mgr"
        names = {s.username: s.name for s in screen.subjects}
        assert names["tech"] == UNNAMED_STAFF
        screen.query_one("#portfolio-who", Select).value = "tech"
        await settle(
            pilot, lambda: screen.portfolio is not None and screen.asked.username == "tech"
            and screen.portfolio.assisted_sessions == 1,
        )  # fmt: skip
        assert status(screen).startswith(UNNAMED_STAFF)
        assert "Echnician" not in status(screen)
        assert [r[0] for r in rows(screen, "instruments")] == ["WAR-MEG-01", "WAR-XPS-01"]


async def test_a_researcher_is_offered_no_portfolio(context: ServiceContext, world: World) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await settle(pilot, lambda: not any(w.group == "standing" for w in app.workers))
        await pilot.press("W")
        await pilot.pause()
        assert isinstance(app.screen, CatalogueScreen)
        assert app.check_action("portfolio", ()) is False


async def test_enter_on_an_instrument_opens_its_week(context: ServiceContext, world: World) -> None:
    plant_march(context.database, world)
    context.clock.instant = APRIL  # type: ignore[attr-defined]
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_portfolio(pilot)
        table = screen.query_one("#portfolio-instruments", FittedTable)
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        week = await shown(pilot, WeekScreen)
        assert week.code == "WAR-XPS-01"

"""Reports' keys (issue 20): x pressed just after switching tabs, before the tab's report has
arrived, is not dropped: it is kept and the CSV saved as soon as the report loads; l off the
Utilisation tab says where it applies; Enter on a report's row says what changes it.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT).
"""

from __future__ import annotations

import threading
from pathlib import Path

from textual.widgets import DataTable

from equipshare.domain.records.impact.reports import ReportFilter, ReportPeriod, SharingReport
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.reports.impact import EVERYTHING
from equipshare.services.reports.service import ReportService
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.reports.reports import ReportsScreen
from tests.support.world import World
from tests.tui.conftest import recorded, settle, shown
from tests.tui.widgets.test_key_answers import answered


class GatedReports(ReportService):
    """Builds the sharing report only once the gate opens, as a busy database would."""

    def __init__(self, context: ServiceContext) -> None:
        super().__init__(context)
        self.gate = threading.Event()

    def sharing(
        self, actor_username: str, period: ReportPeriod, where: ReportFilter = EVERYTHING
    ) -> SharingReport:
        assert self.gate.wait(timeout=30)
        return super().sharing(actor_username, period, where)


async def test_x_before_the_tab_has_loaded_saves_the_csv_once_it_arrives(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    app = EquipshareApp(context, "mgr")
    app.downloads = tmp_path
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: app.staff)
        app.screen.query_one("#catalogue-table").focus()
        await pilot.press("R")
        screen = await shown(pilot, ReportsScreen)
        await settle(pilot, lambda: screen.report("utilisation") is not None)
        gated = GatedReports(context)
        screen._reports = gated
        await pilot.press("2", "x")  # the sharing report is still being built
        assert await answered(app, pilot, 1) == (
            "The sharing report is still loading; it is saved as CSV as soon as it arrives"
        )
        gated.gate.set()
        await settle(pilot, lambda: bool(list(tmp_path.glob("*.csv"))))
        (saved,) = tmp_path.glob("*.csv")
        assert saved.name.startswith("equipshare-sharing-")
        assert any(note.startswith("Saved ") for note in recorded(app).notified("information"))


async def test_l_off_the_utilisation_tab_says_where_it_applies(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    app = EquipshareApp(context, "mgr")
    app.downloads = tmp_path
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: app.staff)
        app.screen.query_one("#catalogue-table").focus()
        await pilot.press("R")
        screen = await shown(pilot, ReportsScreen)
        await pilot.press("3", "l")
        assert await answered(app, pilot, 1) == (
            "l groups the Utilisation tab only (by instrument, facility or institution); "
            "press 1 for it"
        )
        assert screen.active_tab == "technicians"


async def test_enter_on_a_report_row_says_what_changes_the_report(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    app = EquipshareApp(context, "mgr")
    app.downloads = tmp_path
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: app.staff)
        app.screen.query_one("#catalogue-table").focus()
        await pilot.press("R")
        screen = await shown(pilot, ReportsScreen)
        await settle(pilot, lambda: screen.report("utilisation") is not None)
        table = screen.query_one("#utilisation-table", DataTable)
        await settle(pilot, lambda: table.row_count > 0)
        table.focus()
        await pilot.press("enter")
        assert await answered(app, pilot, 1) == (
            "A report's row opens nothing: l groups it by instrument, facility or institution, "
            "p changes the period"
        )
        await pilot.press("3")  # technicians
        await settle(pilot, lambda: screen.report("technicians") is not None)
        technicians = screen.query_one("#technicians-table", DataTable)
        await settle(pilot, lambda: technicians.row_count > 0)
        technicians.focus()
        await pilot.press("enter")
        assert await answered(app, pilot, 2) == (
            "A report's row opens nothing: p changes the period, x exports the figures"
        )
        assert isinstance(app.screen, ReportsScreen)

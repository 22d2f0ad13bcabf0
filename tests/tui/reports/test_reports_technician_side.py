"""The Reports screen's Sharing tab shows the technician side: technician time that one
institution's staff gave to another's researchers, by month and by pair (issue 21)."""

from __future__ import annotations

from textual.widgets import DataTable

from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.reports.impact import ReportService
from equipshare.tui.app import EquipshareApp
from equipshare.tui.report_csv import sharing_rows
from tests.tui.reports.test_reports_screen import FEB, cells, open_reports, reported, text_of

__all__ = ["reported"]  # the fixture, used by name


async def test_sharing_shows_technician_time_across_institutions(
    context: ServiceContext, reported: None
) -> None:
    february = ReportService(context).period(*FEB)
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reports(pilot, "sharing")
        report = screen.report("sharing")
        assert report == ReportService(context).sharing("mgr", february)
        # Warwick's tech assisted Aston's bob on the XPS for 3 hours on 3 February.
        assert cells(screen, "sharing-technicians") == [["WARWICK", "ASTON", "3.00", "1"]]
        chart = text_of(screen, "#sharing-technician-chart")
        assert chart.startswith(
            "Technician time across institutions by month: 3.00 h in 1 assisted session"
        )
        assert chart.splitlines()[-1].startswith("Feb")
        table = screen.query_one("#sharing-technicians", DataTable)
        table.focus()
        table.scroll_visible()
        await pilot.pause()
        assert table.row_count == 1
        assert report is not None
        rows = sharing_rows(report)
        assert ["technician_matrix", "WARWICK", "ASTON", "", "3.00", "1"] in rows
        assert ["technician_month", "", "", "2026-02", "3.00", "1"] in rows

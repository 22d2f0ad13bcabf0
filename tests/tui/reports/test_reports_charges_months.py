"""Reports screen, Charges tab: issued and open months listed over the month's statement.

The clock stands at Wed 2 Dec 2026 09:00 UTC with November issued, so the tab opens on
November's stored statement; Enter on December loads the open month as billed now, named
"to date" because it is not over.
"""

from __future__ import annotations

from textual.widgets import Static

from equipshare.db.engine import Database
from equipshare.domain.records.money.statements import Statement
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.charging.service import StatementService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.reports.reports import ReportsScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.november import DECEMBER, NOVEMBER, NOW, plant_november
from tests.support.world import World
from tests.tui.conftest import settle, shown


def cells(screen: ReportsScreen, table_id: str) -> list[list[str]]:
    table = screen.query_one(f"#{table_id}", FittedTable)
    return [[str(c).strip() for c in table.row_values_at(i)] for i in range(table.row_count)]


def shows(screen: ReportsScreen, month: object) -> bool:
    report = screen.report("charges")
    return isinstance(report, Statement) and report.month == month


async def test_the_charges_tab_lists_issued_and_open_months_and_opens_either(
    context: ServiceContext, clock: FrozenClock, database: Database, world: World
) -> None:
    clock.instant = NOW
    plant_november(database, world)
    StatementService(context).issue("root", NOVEMBER)
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        await pilot.press("escape", "R")
        screen = await shown(pilot, ReportsScreen)
        await pilot.press("5")
        await settle(pilot, lambda: shows(screen, NOVEMBER))
        await settle(pilot, lambda: len(cells(screen, "charges-months")) == 12)

        months = cells(screen, "charges-months")
        assert months[0] == ["Dec 2026", "open, to date", "—", "—"]
        assert months[1] == ["Nov 2026", "issued 2 Dec 2026 by root", "5", "£90.00"]
        assert months[2] == ["Oct 2026", "open", "—", "—"]
        note = str(screen.query_one("#charges-view .report-note", Static).render())
        assert note == "Statement for November 2026 (issued 2 Dec 2026 by root): £90.00 in 5 lines"

        # The highlighted month is the one shown (seen in a snapshot: the cursor sat on
        # December over November's statement); focus is on the list: up, Enter opens December.
        table = screen.query_one("#charges-months", FittedTable)
        assert table.cursor_row == 1
        await pilot.press("up", "enter")
        await settle(pilot, lambda: shows(screen, DECEMBER))
        report = screen.report("charges")
        assert isinstance(report, Statement) and report.issued_at is None
        note = str(screen.query_one("#charges-view .report-note", Static).render())
        assert note == (
            "Statement for December 2026 to date (open, the month is not over): £10.00 in 1 line"
        )
        assert cells(screen, "charges-pairs") == [["ASTON", "WARWICK", "1", "£10.00"]]
        # The open month shown gives its figures so far in the list, as the note does.
        assert cells(screen, "charges-months")[0] == ["Dec 2026", "open, to date", "1", "£10.00"]
        assert table.cursor_row == 0

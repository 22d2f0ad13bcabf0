"""The Estimate screen (G): a costing that updates as lines are added, a line dropped,
the plan saved and listed beside its project code's charges, and a saved plan shown as it
was priced; staff cost a grant for someone else. Real services on a real SQLite file."""

from __future__ import annotations

from datetime import date

from textual.pilot import Pilot
from textual.widgets import Input, Static

from equipshare.domain.enums import UserClass
from equipshare.services.grants.service import GrantCostingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.estimate.estimate import EstimateScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.pricing import plant_rate
from tests.support.world import World
from tests.tui.conftest import recorded, settle, shown
from tests.tui.widgets.test_layout import assert_footer_whole, assert_whole

XPS = "WAR-XPS-01"


def cells(screen: EstimateScreen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, FittedTable)
    return [[str(cell) for cell in table.row_values_at(i)] for i in range(table.row_count)]


def status(screen: EstimateScreen) -> str:
    return str(screen.query_one("#est-status", Static).content)


async def open_estimate(pilot: Pilot[None]) -> EstimateScreen:
    app = pilot.app
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    await settle(pilot, lambda: not any(w.group == "standing" for w in app.workers))
    await pilot.press("G")
    screen = await shown(pilot, EstimateScreen)
    await settle(pilot, lambda: not screen.working("estimate_plans"))
    return screen


async def type_into(pilot: Pilot[None], screen: EstimateScreen, field: str, text: str) -> None:
    screen.query_one(field, Input).value = ""
    screen.query_one(field, Input).focus()
    await pilot.press(*text)


async def test_a_researcher_costs_drops_saves_and_reopens_a_plan(
    context: ServiceContext, world: World
) -> None:
    plant_rate(context.database, world, XPS, UserClass.PARTNER, "50", "30", date(2020, 1, 1))
    app = EquipshareApp(context, "bob")
    async with app.run_test(size=(100, 40), message_hook=recorded(app)) as pilot:
        screen = await open_estimate(pilot)
        assert screen.query_one("#est-user", Input).disabled  # his own grant only
        await type_into(pilot, screen, "#est-start", "2026-10-01")
        await type_into(pilot, screen, "#est-instrument", XPS)
        await pilot.press("tab", "backspace", "1", "tab", *"10", "tab", "2", "enter")
        await settle(pilot, lambda: screen.estimate is not None)
        assert cells(screen, "#est-costing")[:3] == [
            ["1", XPS, "instrument", "10", "£50.00", "£500.00", "partner: 2020-01-01"],
            ["1", XPS, "technician", "2", "£30.00", "£60.00", "partner: 2020-01-01"],
            ["1", "", "year 1 total", "10", "", "£560.00", ""],
        ]
        assert status(screen).endswith("total £560.00")
        # A second year, then drop it again from the table.
        await type_into(pilot, screen, "#est-year", "2")
        await type_into(pilot, screen, "#est-hours", "4")
        await pilot.press("enter")
        await settle(pilot, lambda: screen.estimate is not None and len(screen.estimate.lines) == 2)
        table = screen.query_one("#est-costing", FittedTable)
        table.focus()
        table.move_cursor(row=[r[2] for r in cells(screen, "#est-costing")].index("instrument", 3))
        await pilot.press("d")
        await settle(pilot, lambda: screen.estimate is not None and len(screen.estimate.lines) == 1)

        # A bad draft says why, and there is nothing to save.
        await type_into(pilot, screen, "#est-years", "0")
        await pilot.press("enter")
        await settle(pilot, lambda: screen.problem is not None)
        assert "a grant runs 1 to 10 years" in status(screen)
        await type_into(pilot, screen, "#est-years", "3")
        await pilot.press("enter")
        await settle(pilot, lambda: screen.estimate is not None)

        screen.query_one("#est-costing", FittedTable).focus()
        await pilot.press("s")  # no title yet
        assert any("title and a project code" in n for n in recorded(app).notified("warning"))
        await type_into(pilot, screen, "#est-title", "Catalysis")
        await type_into(pilot, screen, "#est-project", "EP/C1")
        await pilot.press("enter")
        await settle(pilot, lambda: len(screen.comparisons) == 1)
        assert cells(screen, "#est-plans") == [
            ["1", "Catalysis", "EP/C1", "£560.00", "£0.00", "0 h of 10 h", "bob"]
        ]
        saved = GrantCostingService(context).show("bob", 1)
        assert saved.estimate == screen.estimate

        # Enter on the saved plan shows it as saved, and loads its lines to cost again.
        screen.query_one("#est-costing", FittedTable).focus()
        await pilot.press("l", "enter")
        await settle(pilot, lambda: status(screen).startswith("Plan 1 as saved"))
        assert "planned 10 h, used 0 h, £0.00 of £560.00" in status(screen)
        assert screen.query_one("#est-start", Input).value == "2026-10-01"


async def test_staff_cost_a_grant_for_someone_else(context: ServiceContext, world: World) -> None:
    plant_rate(
        context.database, world, XPS, UserClass.EXTERNAL_ACADEMIC, "70", "0", date(2020, 1, 1)
    )
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        screen = await open_estimate(pilot)
        await type_into(pilot, screen, "#est-user", "carol")
        await type_into(pilot, screen, "#est-start", "1/10/2026")
        await type_into(pilot, screen, "#est-instrument", XPS)
        await type_into(pilot, screen, "#est-hours", "1.5")
        await pilot.press("enter")
        await settle(pilot, lambda: screen.estimate is not None)
        assert screen.estimate is not None and screen.estimate.applicant == "carol"
        assert screen.estimate.total_pence == 10_500
        await pilot.pause()  # the columns are laid out after the rows arrive
        assert_whole(screen.query_one("#est-costing", FittedTable), "year", "instrument", "amount")
        assert_footer_whole(app)
        await type_into(pilot, screen, "#est-hours", "x")
        await pilot.press("enter")
        assert any("line: hours 'x'" in n for n in recorded(app).notified("error"))


async def test_enter_on_a_line_puts_it_in_the_fields_to_change(
    context: ServiceContext, world: World
) -> None:
    plant_rate(context.database, world, XPS, UserClass.PARTNER, "50", "30", date(2020, 1, 1))
    app = EquipshareApp(context, "bob")
    async with app.run_test(size=(100, 40), message_hook=recorded(app)) as pilot:
        screen = await open_estimate(pilot)
        await type_into(pilot, screen, "#est-start", "2026-10-01")
        await type_into(pilot, screen, "#est-instrument", XPS)
        await pilot.press("tab", "backspace", "1", "tab", *"10", "tab", "2", "enter")
        await settle(pilot, lambda: screen.estimate is not None)
        table = screen.query_one("#est-costing", FittedTable)
        table.focus()
        await pilot.press("enter")  # on year 1's instrument line
        fields = ("#est-instrument", "#est-year", "#est-hours", "#est-assisted")
        assert [screen.query_one(f, Input).value for f in fields] == [XPS, "1", "10", "2"]
        assert screen.query_one("#est-hours", Input).has_focus
        await type_into(pilot, screen, "#est-hours", "12")
        await pilot.press("enter")  # the changed line replaces the old one
        await settle(
            pilot,
            lambda: screen.estimate is not None and cells(screen, "#est-costing")[0][3] == "12",
        )
        assert screen.estimate is not None and len(screen.estimate.lines) == 1

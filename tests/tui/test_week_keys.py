"""Week calendar keys (issue 20): g reads the dates the training import reads and says which
forms it takes when it refuses one.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT).
"""

from __future__ import annotations

from datetime import date

from textual.widgets import Input, Static

from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.go_to_date import GoToDateModal
from equipshare.tui.screens.week import WeekScreen
from equipshare.tui.widgets.week_grid import WeekGrid
from tests.support.world import World
from tests.tui.conftest import recorded, settle, shown
from tests.tui.test_week import open_week, view_of


def grid(app: EquipshareApp) -> WeekGrid:
    return app.screen.query_one(WeekGrid)


def loaded(app: EquipshareApp) -> bool:
    return isinstance(app.screen, WeekScreen) and app.screen.loaded


async def test_g_reads_a_british_date_as_the_training_import_does(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        await pilot.press("g")
        modal = await shown(pilot, GoToDateModal)
        modal.query_one(Input).value = "16/12/2026"
        await pilot.press("enter")
        await settle(pilot, lambda: loaded(app))
        assert view_of(app).week_start == date(2026, 12, 14)
        assert grid(app).cursor_day == 2  # Wednesday 16 December


async def test_g_names_the_forms_it_reads_when_it_refuses_one(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        await pilot.press("g")
        modal = await shown(pilot, GoToDateModal)
        modal.query_one(Input).value = "31/02/2026"
        await pilot.press("enter")
        await pilot.pause()
        error = str(modal.query_one("#go-error", Static).render())
        assert "31/02/2026" in error
        assert "2026-12-16" in error and "16/12/2026" in error
        assert isinstance(app.screen, GoToDateModal)

"""Every key answers (issue 20): a key that cannot act now says why in a notification.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT).
"""

from __future__ import annotations

from textual.pilot import Pilot

from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.catalogue import CatalogueScreen
from tests.support.world import World
from tests.tui.conftest import recorded, settle


def warnings(app: EquipshareApp) -> list[str]:
    return recorded(app).notified("warning")


async def answered(app: EquipshareApp, pilot: Pilot[None], count: int) -> str:
    """Wait for the `count`th warning and give it."""
    await settle(pilot, lambda: len(warnings(app)) >= count)
    return warnings(app)[count - 1]


async def test_a_staff_screen_key_tells_a_researcher_whom_it_is_for(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await app.workers.wait_for_complete()
        app.screen.query_one("#catalogue-table").focus()
        await pilot.press("A")
        assert await answered(app, pilot, 1) == (
            "Approvals is for facility staff and admins; alice is neither"
        )
        await pilot.press("U")
        assert await answered(app, pilot, 2) == "Users is for admins; alice is neither"
        await pilot.press("S")
        assert await answered(app, pilot, 3) == (
            "Facilities is for admins and facility managers; alice is neither"
        )
        assert isinstance(app.screen, CatalogueScreen)

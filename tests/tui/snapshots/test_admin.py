"""Snapshots of the administration screens (root, an admin) and the instrument editor's
tabs (mgr)."""

from __future__ import annotations

import pytest

from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from tests.tui.conftest import settle
from tests.tui.snapshots.conftest import FIRST_SIZE, XPS, Shots, loaded, started


@pytest.mark.parametrize(
    ("key", "screen_name"),
    [("U", "UsersScreen"), ("S", "FacilitiesScreen"), ("I", "InstitutionsScreen")],
    ids=["users", "facilities", "institutions"],
)
async def test_admin_screen(
    seeded: ServiceContext, shots: Shots, key: str, screen_name: str
) -> None:
    app = EquipshareApp(seeded, "root")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        await settle(pilot, lambda: app.standing.admin)
        await pilot.press("escape", key)
        await loaded(pilot, screen_name)
        await shots(pilot)


@pytest.mark.parametrize("tab", ["details", "policy", "hours", "status"])
async def test_instrument_editor(seeded: ServiceContext, shots: Shots, tab: str) -> None:
    app = EquipshareApp(seeded, "mgr")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        app.open_instrument(XPS)
        screen = await loaded(pilot, "InstrumentScreen")
        await settle(pilot, lambda: screen.detail is not None)
        await pilot.press("e")
        editor = await loaded(pilot, "InstrumentEditorScreen")
        editor.query_one("#editor-tabs").active = f"tab-{tab}"
        await pilot.pause()
        await shots(pilot)

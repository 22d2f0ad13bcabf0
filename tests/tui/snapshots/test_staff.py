"""Snapshots of the staff screens: approvals, training, downtime and each reports tab (mgr,
the manager of Warwick's photoemission facility)."""

from __future__ import annotations

import pytest

from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from tests.tui.conftest import settle
from tests.tui.snapshots.conftest import FIRST_SIZE, Shots, loaded, started


@pytest.mark.parametrize(
    ("key", "screen_name"),
    [("A", "ApprovalsScreen"), ("T", "TrainingScreen"), ("D", "DowntimeScreen")],
    ids=["approvals", "training", "downtime"],
)
async def test_staff_screen(
    seeded: ServiceContext, shots: Shots, key: str, screen_name: str
) -> None:
    app = EquipshareApp(seeded, "mgr")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        await pilot.press("escape", key)
        await loaded(pilot, screen_name)
        await shots(pilot)


async def test_training_all(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "mgr")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        await pilot.press("escape", "T")
        screen = await loaded(pilot, "TrainingScreen")
        await pilot.press("t")  # from those running out to every record
        await settle(pilot, lambda: screen.loaded)
        await shots(pilot)


@pytest.mark.parametrize(
    ("number", "tab"),
    [
        ("1", "utilisation"),
        ("2", "sharing"),
        ("3", "technicians"),
        ("4", "demand"),
        ("5", "charges"),
    ],
)
async def test_reports(seeded: ServiceContext, shots: Shots, number: str, tab: str) -> None:
    app = EquipshareApp(seeded, "mgr")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        await pilot.press("escape", "R")
        screen = await loaded(pilot, "ReportsScreen")
        await pilot.press(number)
        await settle(pilot, lambda: screen.report(tab) is not None)
        await shots(pilot)

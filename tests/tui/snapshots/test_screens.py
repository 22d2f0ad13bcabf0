"""Snapshots of the screens everyone has: catalogue, instrument, week, my bookings, history,
feeds, SSH keys, acknowledgements and help (alice, a Warwick researcher; history as tech)."""

from __future__ import annotations

from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from tests.tui.conftest import settle
from tests.tui.snapshots.conftest import XPS, Shots, loaded, started

Size = tuple[int, int]


async def test_catalogue(seeded: ServiceContext, shots: Shots, size: Size) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.press("escape")  # to the table: no cursor in the search box
        await shots(pilot)


async def test_instrument(seeded: ServiceContext, shots: Shots, size: Size) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        app.open_instrument(XPS)
        screen = await loaded(pilot, "InstrumentScreen")
        await settle(pilot, lambda: screen.detail is not None)
        await shots(pilot)


async def test_week(seeded: ServiceContext, shots: Shots, size: Size) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        app.open_week(XPS)
        await loaded(pilot, "WeekScreen")
        await pilot.press("right", "right")  # the cursor on Wednesday, on alice's session
        await shots(pilot)


async def test_my_bookings_upcoming_and_past(
    seeded: ServiceContext, shots: Shots, size: Size
) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.press("escape", "m")
        screen = await loaded(pilot, "MyBookingsScreen")
        await shots(pilot, "upcoming")
        await pilot.press("t")
        await settle(pilot, lambda: screen.loaded and not screen.upcoming)
        await shots(pilot, "past")


async def test_history(seeded: ServiceContext, shots: Shots, size: Size) -> None:
    app = EquipshareApp(seeded, "tech")
    async with app.run_test(size=size) as pilot:
        await started(pilot, staff=True)
        app.open_instrument(XPS)
        screen = await loaded(pilot, "InstrumentScreen")
        await settle(pilot, lambda: screen.detail is not None)
        await pilot.press("h")
        await loaded(pilot, "HistoryScreen")
        await shots(pilot)


async def test_feed_tokens(seeded: ServiceContext, shots: Shots, size: Size) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.press("escape", "F")
        await loaded(pilot, "FeedTokensScreen")
        await shots(pilot)


async def test_ssh_keys(seeded: ServiceContext, shots: Shots, size: Size) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.press("escape", "K")
        await loaded(pilot, "SshKeysScreen")
        await shots(pilot)


async def test_help(seeded: ServiceContext, shots: Shots, size: Size) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.press("escape", "m")
        await loaded(pilot, "MyBookingsScreen")
        await pilot.press("question_mark")
        await loaded(pilot, "HelpScreen")
        await shots(pilot)


async def test_acknowledge(seeded: ServiceContext, shots: Shots, size: Size) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.press("escape", "C")
        screen = await loaded(pilot, "AcknowledgeScreen")
        await settle(pilot, lambda: screen.shown_for is not None or screen.refused is not None)
        await shots(pilot)

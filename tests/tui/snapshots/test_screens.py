"""Snapshots of the screens everyone has: catalogue, instrument, week, my bookings, history,
feeds, SSH keys, acknowledgements, help (alice, a Warwick researcher; history as tech),
and outputs, portfolio and grant costing (mgr, who sees the most of them)."""

from __future__ import annotations

from textual.widgets import Input, Select

from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from tests.tui.conftest import settle
from tests.tui.snapshots.conftest import FIRST_SIZE, XPS, Shots, loaded, started, until


async def test_catalogue(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot)
        await pilot.press("escape")  # to the table: no cursor in the search box
        await shots(pilot)


async def test_instrument(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot)
        app.open_instrument(XPS)
        screen = await loaded(pilot, "InstrumentScreen")
        await settle(pilot, lambda: screen.detail is not None)
        await shots(pilot)


async def test_week(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot)
        app.open_week(XPS)
        await loaded(pilot, "WeekScreen")
        await pilot.press("right", "right")  # the cursor on Wednesday, on alice's session
        await shots(pilot)


async def test_my_bookings_upcoming_and_past(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot)
        await pilot.press("escape", "m")
        screen = await loaded(pilot, "MyBookingsScreen")
        await shots(pilot, "upcoming")
        await pilot.press("t")
        await settle(pilot, lambda: screen.loaded and not screen.upcoming)
        await shots(pilot, "past")


async def test_history(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "tech")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        app.open_instrument(XPS)
        screen = await loaded(pilot, "InstrumentScreen")
        await settle(pilot, lambda: screen.detail is not None)
        await pilot.press("h")
        await loaded(pilot, "HistoryScreen")
        await shots(pilot)


async def test_feed_tokens(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot)
        await pilot.press("escape", "F")
        await loaded(pilot, "FeedTokensScreen")
        await shots(pilot)


async def test_ssh_keys(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot)
        await pilot.press("escape", "K")
        await loaded(pilot, "SshKeysScreen")
        await shots(pilot)


async def test_help(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot)
        await pilot.press("escape", "m")
        await loaded(pilot, "MyBookingsScreen")
        await pilot.press("question_mark")
        await loaded(pilot, "HelpScreen")
        await shots(pilot)


async def test_acknowledge(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot)
        await pilot.press("escape", "C")
        screen = await loaded(pilot, "AcknowledgeScreen")
        await settle(pilot, lambda: screen.shown_for is not None or screen.refused is not None)
        await shots(pilot)


async def test_outputs(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "mgr")  # staff: the facility's outputs, bob's and alice's
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        await pilot.press("escape", "O")
        await loaded(pilot, "OutputsScreen")
        await shots(pilot)


async def test_portfolio(seeded: ServiceContext, shots: Shots) -> None:
    app = EquipshareApp(seeded, "mgr")  # a manager picks whose: tech's assisted session
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        await pilot.press("escape", "W")
        screen = await until(pilot, "PortfolioScreen")
        await settle(pilot, lambda: screen.portfolio is not None and bool(screen.subjects))
        screen.portfolio = None
        screen.query_one("#portfolio-who", Select).value = "tech"
        await settle(pilot, lambda: screen.asked.username == "tech" and bool(screen.portfolio))
        await shots(pilot)


async def test_estimate(seeded: ServiceContext, shots: Shots) -> None:
    """mgr, who may cost a grant for someone else: Aston's bob pays the partner rates."""
    app = EquipshareApp(seeded, "mgr")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        await pilot.press("escape", "G")
        screen = await until(pilot, "EstimateScreen")
        for field, text in (("user", "bob"), ("start", "2026-10-01"), ("uplift", "3")):
            screen.query_one(f"#est-{field}", Input).value = text
        for year, hours, assisted in (("1", "40", "10"), ("2", "25", "")):
            for field, text in (("instrument", XPS), ("year", year), ("hours", hours),
                                ("assisted", assisted)):  # fmt: skip
                screen.query_one(f"#est-{field}", Input).value = text
            screen.query_one("#est-hours", Input).focus()
            await pilot.press("enter")
            await settle(pilot, lambda: screen.estimate is not None and len(screen.lines) > 0)
        await settle(pilot, lambda: screen.estimate is not None and len(screen.lines) == 2)
        screen.query_one("#est-title", Input).value = "Perovskite films, 2026-29"
        screen.query_one("#est-project", Input).value = "EP/T01234/1"
        screen.query_one("#est-title", Input).focus()
        await pilot.press("enter")  # saved: the plan beside what its project code was charged
        await settle(pilot, lambda: bool(screen.comparisons))
        screen.query_one("#est-costing").focus()  # the screen's keys in the footer
        await shots(pilot)

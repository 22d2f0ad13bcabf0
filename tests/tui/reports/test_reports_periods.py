"""Reports on the demo's today, Sun 6 Dec 2026: the presets count nothing still to come, and
every figure the screen shows is `equipshare report`'s for the same period (both engines).

Issue 20 saw "Last 12 months" cover 1 Jan-31 Dec 2026 (utilisation counting the open hours
of the rest of December, the Charges tab showing the unfinished December) and "Academic
year" show a statement for July 2027.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from equipshare.cli.main import cli
from equipshare.db.engine import Database
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, TrainingLevel
from equipshare.domain.records.money.statements import Statement
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.reports.report_period import ReportPeriodModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.reports.reports import ReportsScreen
from tests.conftest import BACKENDS
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World, london
from tests.tui.conftest import settle, shown

XPS = "WAR-XPS-01"
DEMO_TODAY = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)  # Sunday evening


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def planted(
    clock: FrozenClock,
    database: Database,
    world: World,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bookings before and after today; the CLI on the same database and frozen clock."""
    clock.instant = DEMO_TODAY
    held = BookingStatus.CONFIRMED
    for user, day, hours in [
        ("alice", (2026, 3, 3), (10, 12)),
        ("bob", (2026, 9, 15), (9, 13)),
        ("bob", (2026, 11, 10), (10, 12)),  # November: the statement's month
        ("bob", (2026, 12, 2), (10, 11)),  # December so far
        ("bob", (2026, 12, 15), (9, 17)),  # still to come: counted by no report
    ]:
        starts, ends = london(*day, hours[0]), london(*day, hours[1])
        plant_booking(database, world, user, XPS, starts, ends, held)
    monkeypatch.setattr("equipshare.services.plumbing.context.SystemClock", lambda: clock)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EQUIPSHARE_DATABASE_URL", raising=False)
    monkeypatch.delenv("EQUIPSHARE_CONFIG", raising=False)
    monkeypatch.setattr("equipshare.config.user_config_path", lambda: tmp_path / "none.toml")


def cli_report(database_url: str, *args: str) -> Any:
    """`equipshare report ARGS --format json` as mgr, read as JSON."""
    result = CliRunner().invoke(
        cli,
        ["report", *args, "--format", "json", "--db", database_url],
        env={"EQUIPSHARE_USER": "mgr"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def weekdays(first: date, last: date) -> int:
    return sum((first + timedelta(days=n)).weekday() < 5 for n in range((last - first).days + 1))


def row_of(screen: ReportsScreen, table_id: str, key: str) -> list[str]:
    table = screen.query_one(f"#{table_id}", DataTable)
    return [str(cell).strip() for cell in table.get_row(key)]


async def choose(pilot: Pilot[None], screen: ReportsScreen, preset: str) -> None:
    """Pick a preset in the period picker and wait for the utilisation tab to show it."""
    await pilot.press("p")
    await shown(pilot, ReportPeriodModal)
    shown_before = screen.report("utilisation")
    await pilot.click(f"#preset-{preset}")
    await settle(
        pilot,
        lambda: (
            pilot.app.screen is screen and screen.report("utilisation") not in (None, shown_before)
        ),
    )


@pytest.mark.parametrize(
    ("preset", "heading", "days", "booked", "statement"),
    [
        (
            "last-12-months",
            "1 Dec 2025 to 30 Nov 2026 (Europe/London)",
            (date(2025, 12, 1), date(2026, 11, 30)),
            "8.00",  # 3 Mar, 15 Sep, 10 Nov
            date(2026, 11, 1),
        ),
        (
            "academic-year",
            "1 Aug 2026 to 6 Dec 2026, to date (Europe/London)",
            (date(2026, 8, 1), date(2026, 12, 6)),
            "7.00",  # 15 Sep, 10 Nov, 2 Dec
            date(2026, 11, 1),
        ),
    ],
)
async def test_presets_count_nothing_to_come_and_agree_with_the_cli(
    context: ServiceContext,
    planted: None,
    database_url: str,
    preset: str,
    heading: str,
    days: tuple[date, date],
    booked: str,
    statement: date,
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        await pilot.press("escape", "R")
        screen = await shown(pilot, ReportsScreen)
        await settle(pilot, lambda: screen.report("utilisation") is not None)
        await choose(pilot, screen, preset)
        assert str(screen.query_one("#reports-period", Static).render()).startswith(heading)

        # Utilisation: open hours of the period's weekdays up to today, none to come.
        xps = row_of(screen, "utilisation-table", XPS)
        assert xps[4] == f"{weekdays(*days) * 8}.00"
        cli_rows = cli_report(database_url, "utilisation", "--period", preset)
        cli_xps = next(r for r in cli_rows if r["code"] == XPS)
        assert (xps[2], xps[3], xps[4], xps[8]) == (
            cli_xps["booked_hours"],
            cli_xps["used_hours"],
            cli_xps["opening_hours"],
            cli_xps["shared_hours"],
        )
        assert cli_xps["utilisation_percent"] in xps[1]  # the bar's label
        assert xps[2] == booked  # the 8 hours booked for 15 December count in neither

        # Sharing: the same cross-institution hours, month by month.
        await pilot.press("2")
        await settle(pilot, lambda: screen.report("sharing") is not None)
        sharing = cli_report(database_url, "sharing", "--period", preset)
        assert (sharing["from"], sharing["to"]) == (days[0].isoformat(), days[1].isoformat())
        cross = sum(float(c["hours"]) for c in sharing["cells"] if c["host"] != c["user"])
        note = str(screen.query_one("#sharing-view .report-note", Static).render())
        assert note.startswith(f"Shared across institutions: {cross:.2f} h in ")

        # Charges: the period's last month that is over, never one still to come.
        await pilot.press("5")
        await settle(pilot, lambda: isinstance(screen.report("charges"), Statement))
        shown_statement = screen.report("charges")
        assert isinstance(shown_statement, Statement) and shown_statement.month == statement
        note = str(screen.query_one("#charges-view .report-note", Static).render())
        assert note.startswith(f"Statement for {statement:%B %Y} (")


async def test_counts_agree_with_their_nouns(
    context: ServiceContext, planted: None, database: Database, world: World
) -> None:
    with database.sessions.begin() as session:
        for trainer, trainee in [("tech", "erin"), ("tech", "dave"), ("tech2", "erin")]:
            session.add(
                TrainingRecord(
                    user_id=world.users[trainee],
                    instrument_id=world.instruments[XPS],
                    trainer_id=world.users[trainer],
                    level=TrainingLevel.INDEPENDENT,
                    trained_at=london(2026, 11, 12, 10),
                )
            )
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        await pilot.press("escape", "R")
        screen = await shown(pilot, ReportsScreen)
        await settle(pilot, lambda: screen.report("utilisation") is not None)
        note = screen.query_one("#utilisation-view .report-note", Static)
        assert str(note.render()).startswith("5 instruments · booked 2.00 h of ")
        await pilot.press("l")  # per facility: issue 20 saw "40 facilitys"
        await settle(pilot, lambda: str(note.render()).startswith("2 facilities · booked"))
        await pilot.press("3")
        await settle(pilot, lambda: screen.report("technicians") is not None)
        technicians = str(screen.query_one("#technicians-view .report-note", Static).render())
        # tech trained erin and dave, tech2 erin again: two people, not three.
        assert technicians == "3 technicians · 0.00 h of assisted sessions · 2 people trained"
        await pilot.press("4")
        await settle(pilot, lambda: screen.report("demand") is not None)
        demand = str(screen.query_one("#demand-view .report-note", Static).render())
        assert demand == "Top 1 instrument · 1 request in all"  # bob's 10 November

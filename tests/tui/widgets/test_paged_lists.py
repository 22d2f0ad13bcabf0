"""Training and My bookings' lists page from the database and are searched as typed (issue 20).

Training listed up to 5,000 records at once with no search, and My bookings' past tab stopped
at 200. Here each screen is opened with a small page (5 rows) over a few pages of planted
rows, so every row must be reached by moving down. The clock stands at Mon 16 Mar 2026
09:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from equipshare.db.engine import Database
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, TrainingLevel
from equipshare.services.bookings.service import MyBookingsService
from equipshare.services.people.service import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.paged_screen import PagedScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.screens.training import TrainingScreen
from equipshare.tui.widgets.paged_table import PagedTable
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World
from tests.tui.conftest import recorded, settle

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
TRAINEES = ("alice", "bob", "carol", "dave", "erin")
INSTRUMENTS = ("WAR-XPS-01", "WAR-MEG-01", "WAR-RAM-01")


@pytest.fixture
def records(database: Database, world: World) -> list[int]:
    """Fifteen more records on Warwick's instruments, trained the same instant; with the
    world's three XPS ones, 18 for tech to page through."""
    with database.sessions.begin() as session:
        rows = [
            TrainingRecord(
                user_id=world.users[user],
                instrument_id=world.instruments[code],
                trainer_id=world.users["tech"],
                level=TrainingLevel.SUPERVISED,
                trained_at=NOW - timedelta(days=30),
                expires_at=NOW + timedelta(days=20),
                notes="",
            )
            for user in TRAINEES
            for code in INSTRUMENTS
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def table_of(app: EquipshareApp) -> PagedTable:
    screen = app.screen
    assert isinstance(screen, PagedScreen)
    return screen.table


def keys(app: EquipshareApp) -> list[str]:
    return [str(row.key.value) for row in table_of(app).ordered_rows]


def status(app: EquipshareApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


async def scroll_to_the_end(pilot: Pilot[None], app: EquipshareApp, count: int) -> None:
    """Move to the last row loaded until `count` rows are, as a user holding End would."""
    while (before := table_of(app).row_count) < count:

        def grown(before: int = before) -> bool:
            return table_of(app).row_count > before

        await pilot.press("ctrl+end")
        await settle(pilot, grown)


async def test_training_pages_every_record_and_searches_as_typed(
    context: ServiceContext, records: list[int]
) -> None:
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.push_screen(TrainingScreen(TrainingService(context), "tech", page_size=5))
        await settle(pilot, lambda: isinstance(app.screen, TrainingScreen) and app.screen.loaded)
        assert len(keys(app)) == 5  # the expiring list: the 15 supervised records
        assert status(app, "#training-status").startswith(
            "5 training records expiring within 30 days loaded, more below"
        )
        await scroll_to_the_end(pilot, app, 15)
        assert sorted(int(k) for k in keys(app)) == records

        await pilot.press("t")  # every record: 18, by instrument then trainee
        await settle(pilot, lambda: not isinstance(app.screen, TrainingScreen) or (
            not app.screen.expiring and app.screen.loaded and len(keys(app)) == 5
        ))  # fmt: skip
        await scroll_to_the_end(pilot, app, 18)
        assert len(set(keys(app))) == 18
        assert [str(cell) for cell in table_of(app).row_values_at(17)][:2] == [
            "erin · WARWICK", "WAR-XPS-01",
        ]  # fmt: skip

        await pilot.press("slash", *"erin ram")
        await settle(pilot, lambda: len(keys(app)) == 1)
        assert [str(cell) for cell in table_of(app).row_values_at(0)][:2] == [
            "erin · WARWICK", "WAR-RAM-01",
        ]  # fmt: skip
        assert status(app, "#training-status").startswith("1 training record loaded  ·")
        await pilot.press(*" nobody")
        await settle(pilot, lambda: not keys(app))
        assert status(app, "#training-status") == "No training records match 'erin ram nobody'"
        assert recorded(app).notified("error") == []


async def test_my_past_bookings_page_back_through_every_one_and_search(
    context: ServiceContext, database: Database, world: World
) -> None:
    past = [
        plant_booking(
            database, world, "alice", code,
            NOW - timedelta(days=day), NOW - timedelta(days=day) + timedelta(hours=1),
            BookingStatus.COMPLETED, project_code=f"P-{day}",
        )
        for day in range(1, 13)
        for code in ("WAR-XPS-01", "WAR-MEG-01")
    ]  # fmt: skip
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        services = app.booking_services
        screen = MyBookingsScreen(
            MyBookingsService(context), services, app.weeks, "alice", page_size=5
        )
        app.push_screen(screen)
        await settle(pilot, lambda: screen.loaded)
        assert keys(app) == []  # nothing upcoming
        await pilot.press("t")
        await settle(pilot, lambda: not screen.upcoming and screen.loaded and len(keys(app)) == 5)
        await scroll_to_the_end(pilot, app, 24)
        # Latest first; at each start the later-made (MEG) booking first.
        expected = [booking for day in zip(past[0::2], past[1::2], strict=True) for booking in
                    day[::-1]]  # fmt: skip
        assert [int(k) for k in keys(app)] == expected
        assert status(app, "#my-bookings-status").startswith("24 past bookings  ·")

        await pilot.press("slash", *"meg p-1")  # P-1, P-10, P-11, P-12 on the MEG
        await settle(pilot, lambda: len(keys(app)) == 4)
        assert [int(k) for k in keys(app)] == [past[1], past[19], past[21], past[23]]
        await pilot.press("enter", "t")  # the search holds on the other tab
        await settle(pilot, lambda: screen.upcoming and screen.loaded)
        assert keys(app) == []
        assert status(app, "#my-bookings-status") == "No upcoming bookings match 'meg p-1'"

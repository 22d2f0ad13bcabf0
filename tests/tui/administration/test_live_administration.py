"""The Downtime, Users, Facilities and Institutions screens keep up with writes made in
another process, and so does the header's "N to approve" (issue 20, live). Both engines.

"Elsewhere" is a second engine on the same database, as the CLI or another terminal app
would write; the screens' check runs every PERIOD_MS. Waits are for what the check causes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from equipshare.db.engine import Database
from equipshare.domain.enums import DowntimeReason
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.consortium.facilities import FacilityService
from equipshare.services.consortium.institutions import InstitutionService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.people.account_edits import AccountService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.live import LiveScreen
from equipshare.tui.modals.downtime.schedule_downtime import ScheduleDowntimeModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.downtime import DowntimeScreen
from tests.conftest import BACKENDS
from tests.support.world import World, london
from tests.tui.conftest import click_when_ready, recorded, settle, shown

PERIOD_MS = 100
WITHIN = 10.0


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def live(context: ServiceContext) -> ServiceContext:
    settings = context.settings
    tui = replace(settings.tui, live_check_ms=PERIOD_MS)
    return replace(context, settings=replace(settings, tui=tui))


@pytest.fixture
def elsewhere(database_url: str, context: ServiceContext) -> Iterator[ServiceContext]:
    other = Database.connect(database_url)
    yield replace(context, database=other)
    other.dispose()


def cells(app: EquipshareApp, table_id: str) -> list[str]:
    """Every cell of the table on the screen in front, as text."""
    table = app.screen.query_one(f"#{table_id}", DataTable)
    return [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]


async def opened(app: EquipshareApp, pilot: Pilot[None], key: str, table_id: str) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.standing.admin)
    await pilot.press(key)
    await settle(pilot, lambda: bool(app.screen.query(f"#{table_id}")) and app.screen.loaded)  # type: ignore[attr-defined]


async def shows_after(
    app: EquipshareApp, pilot: Pilot[None], table_id: str, write: Callable[[], object], text: str
) -> None:
    """`text` is not in the table; `write` happens elsewhere; it is, without a key."""
    assert text not in cells(app, table_id)
    write()
    await settle(pilot, lambda: text in cells(app, table_id), timeout=WITHIN)


async def test_downtime_scheduled_elsewhere_appears(
    live: ServiceContext, elsewhere: ServiceContext, world: World
) -> None:
    app = EquipshareApp(live, "tech")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        await pilot.press("D")
        await settle(pilot, lambda: bool(app.screen.query("#downtime-table")) and app.screen.loaded)  # type: ignore[attr-defined]

        def schedule() -> None:
            DowntimeService(elsewhere).schedule(
                "mgr",
                "WAR-RAM-01",
                london(2026, 3, 19, 13),
                london(2026, 3, 19, 15),
                DowntimeReason.MAINTENANCE,
                "new laser",
            )

        await shows_after(app, pilot, "downtime-table", schedule, "new laser")


async def test_the_screens_own_write_reloads_it_once_and_the_cursor_stays_where_it_went(
    live: ServiceContext, world: World
) -> None:
    """A downtime scheduled on the screen moves the stamp it watches; the screen's own reload
    shows it and takes the cursor to it, and no check reloads it again over that cursor."""
    calibration = DowntimeReason.CALIBRATION  # Thursday's, below the new one: the cursor's first
    DowntimeService(live).schedule(
        "mgr", "WAR-RAM-01", london(2026, 3, 19, 9), london(2026, 3, 19, 10), calibration
    )
    app = EquipshareApp(live, "tech")
    posted = recorded(app)
    async with app.run_test(size=(120, 30), message_hook=posted) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        await pilot.press("D")
        await settle(pilot, lambda: isinstance(app.screen, DowntimeScreen) and app.screen.loaded)
        loads = posted.count(DowntimeScreen.BoardLoaded)
        await pilot.press("n")
        form = await shown(pilot, ScheduleDowntimeModal)
        for field, text in [
            ("instrument", "WAR-XPS-01"),
            ("start", "2026-03-18 09:00"),
            ("end", "2h"),
            ("description", "filament"),
        ]:
            form.query_one(f"#downtime-{field}", Input).value = text
        await pilot.pause()
        await click_when_ready(pilot, "#downtime-preview-button")
        await settle(pilot, lambda: form.plan is not None)
        await pilot.press("enter")  # on the confirm button
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, DowntimeScreen)
                and app.screen.loaded
                and "filament" in cells(app, "downtime-table")
            ),
        )
        checks = posted.count(LiveScreen.StampsRead)
        await settle(pilot, lambda: posted.count(LiveScreen.StampsRead) >= checks + 3)
        assert posted.count(DowntimeScreen.BoardLoaded) == loads + 1  # its own reload only
        screen = app.screen
        assert isinstance(screen, DowntimeScreen)
        selected = screen.selected()
        assert selected is not None and selected.description == "filament"


async def test_users_facilities_and_institutions_follow_edits_made_elsewhere(
    live: ServiceContext, elsewhere: ServiceContext, world: World
) -> None:
    app = EquipshareApp(live, "root")
    async with app.run_test(size=(160, 40), message_hook=recorded(app)) as pilot:
        await opened(app, pilot, "U", "users-table")
        rename = AccountService(elsewhere).edit
        await shows_after(
            app, pilot, "users-table", lambda: rename("root", "carol", name="Carol B"), "Carol B"
        )
        await pilot.press("escape")

        await opened(app, pilot, "S", "facilities-table")
        edit = FacilityService(elsewhere).edit
        await shows_after(
            app,
            pilot,
            "facilities-table",
            lambda: edit("root", "WAR-PRP", name="Photoemission Lab"),
            "Photoemission Lab",
        )
        await pilot.press("escape")

        await opened(app, pilot, "I", "institutions-table")
        rename_institution = InstitutionService(elsewhere).edit
        await shows_after(
            app,
            pilot,
            "institutions-table",
            lambda: rename_institution("root", "WARWICK", name="Warwick Uni"),
            "Warwick Uni",
        )


async def test_the_header_counts_requests_made_by_other_people(
    live: ServiceContext, elsewhere: ServiceContext, world: World
) -> None:
    app = EquipshareApp(live, "mgr")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        before = app.pending
        request = BookingRequest(
            "WAR-MEG-01", london(2026, 3, 18, 10), london(2026, 3, 18, 12), project_code="GR-1"
        )
        BookingService(elsewhere).book("alice", request)  # waits for mgr's approval
        await settle(pilot, lambda: app.pending == before + 1, timeout=WITHIN)
        assert app.sub_title == f"signed in as mgr · {before + 1} to approve"

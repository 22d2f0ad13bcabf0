"""SVG snapshots of the main screens at 100x30, checked by eye when accepted.

Update them with `pytest tests/tui/test_snapshots.py --snapshot-update`, then look at
each changed SVG under tests/tui/__snapshots__/ before committing it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from equipshare.domain.enums import DowntimeReason
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.bookings.booking_form import BookingForm
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.help import HelpScreen
from equipshare.tui.screens.week import WeekScreen
from equipshare.tui.widgets.catalogue_table import CatalogueTable
from tests.support.world import World, london
from tests.tui.conftest import settle, shown

SIZE = (100, 30)
XPS = "WAR-XPS-01"
Compare = Callable[..., bool]


@pytest.fixture
def busy(context: ServiceContext, world: World) -> ServiceContext:
    bookings = BookingService(context)
    for user, day, start, end, technician in (
        ("bob", 17, 10, 12, None),
        ("alice", 18, 10, 11, None),
        ("erin", 20, 13, 16, "tech"),  # an assisted session
    ):
        request = BookingRequest(
            XPS,
            london(2026, 3, day, start),
            london(2026, 3, day, end),
            technician_username=technician,
        )
        bookings.book(user, request)
    DowntimeService(context).schedule(
        "tech",
        XPS,
        london(2026, 3, 19, 13),
        london(2026, 3, 19, 15),
        DowntimeReason.MAINTENANCE,
        "new filament",
    )
    return context


def catalogue_ready(app: Any) -> bool:
    screen = app.screen
    if not isinstance(screen, CatalogueScreen):
        return False
    table = screen.query_one("#catalogue-table", CatalogueTable)
    return bool(table.row_count) and all(
        table.cell(code, "next_free") != "…" for code in table.codes
    )


async def in_week(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, EquipshareApp)
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    app.open_week(XPS)
    await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)


def test_catalogue(snap_compare: Compare, busy: ServiceContext) -> None:
    async def ready(pilot: Pilot[None]) -> None:
        await settle(pilot, lambda: isinstance(pilot.app.screen, CatalogueScreen))
        await pilot.press("escape")  # to the table, so no cursor blinks in the search box
        await settle(pilot, lambda: catalogue_ready(pilot.app))

    assert snap_compare(EquipshareApp(busy, "alice"), terminal_size=SIZE, run_before=ready)


def test_week_calendar(snap_compare: Compare, busy: ServiceContext) -> None:
    async def ready(pilot: Pilot[None]) -> None:
        await in_week(pilot)
        await pilot.press("right", "shift+down")

    assert snap_compare(EquipshareApp(busy, "alice"), terminal_size=SIZE, run_before=ready)


def test_booking_form(snap_compare: Compare, busy: ServiceContext) -> None:
    async def ready(pilot: Pilot[None]) -> None:
        await in_week(pilot)
        await pilot.press("right", "enter")
        await shown(pilot, BookingForm)
        await pilot.press("tab")  # to project code: the purpose field shows its placeholder

    assert snap_compare(EquipshareApp(busy, "alice"), terminal_size=SIZE, run_before=ready)


def test_help(snap_compare: Compare, busy: ServiceContext) -> None:
    async def ready(pilot: Pilot[None]) -> None:
        await in_week(pilot)
        await pilot.press("question_mark")
        await shown(pilot, HelpScreen)

    assert snap_compare(EquipshareApp(busy, "mgr"), terminal_size=SIZE, run_before=ready)

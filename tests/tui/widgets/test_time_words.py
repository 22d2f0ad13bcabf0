"""Times in tables name the facility's zone, and the year when it is not the current one
(issue 20, clumsy forms): "in 21:15" and "Requested 16 Nov 09:00" named neither. The
clock is Mon 16 Mar 2026 09:00 UTC (09:00 GMT).
"""

from __future__ import annotations

from datetime import UTC, datetime

from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.domain.time.timewords import clock_words, moment_words
from equipshare.services.bookings.service import (
    ApprovalsService,
    BookingService,
    CheckInService,
)
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.approvals import ApprovalsScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.world import World, london
from tests.tui.conftest import settle

XPS, MEG = "WAR-XPS-01", "WAR-MEG-01"
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def test_a_moment_names_its_zone_and_a_year_not_the_current_one() -> None:
    assert moment_words(london(2026, 11, 16, 9), "Europe/London", NOW) == "16 Nov 09:00 GMT"
    assert moment_words(london(2026, 6, 2, 9), "Europe/London", NOW) == "2 Jun 09:00 BST"
    assert moment_words(london(2025, 12, 20, 10), "Europe/London", NOW) == ("20 Dec 2025 10:00 GMT")
    assert clock_words(london(2026, 6, 2, 21, 15), "Europe/London") == "21:15 BST"


def cells(table: FittedTable, column: str) -> list[str]:
    index = [spec.key for spec in table.specs].index(column)
    return [str(table.row_values_at(i)[index]) for i in range(table.row_count)]


async def test_approvals_say_when_each_request_was_made_with_zone_and_year(
    context: ServiceContext, world: World, clock: FrozenClock
) -> None:
    bookings = BookingService(context)
    clock.instant = datetime(2025, 12, 20, 10, 0, tzinfo=UTC)  # asked for before the new year
    asked = BookingRequest(
        MEG, london(2026, 3, 18, 10), london(2026, 3, 18, 12), project_code="GR-1"
    )
    bookings.book("alice", asked)
    clock.instant = NOW
    bookings.book(
        "erin",
        BookingRequest(MEG, london(2026, 3, 19, 14), london(2026, 3, 19, 16), project_code="GR-2"),
    )
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.push_screen(ApprovalsScreen(ApprovalsService(context), bookings, "mgr"))
        await settle(pilot, lambda: isinstance(app.screen, ApprovalsScreen) and app.screen.loaded)
        table = app.screen.query_one("#approvals-table", FittedTable)
        assert "requested" in table.shown_columns
        assert cells(table, "requested") == ["20 Dec 2025 10:00 GMT", "16 Mar 09:00 GMT"]


async def test_my_bookings_say_when_i_checked_in_naming_the_zone(
    context: ServiceContext, world: World, clock: FrozenClock
) -> None:
    booked = BookingService(context).book(
        "alice", BookingRequest(XPS, london(2026, 3, 16, 10), london(2026, 3, 16, 12))
    )
    clock.instant = london(2026, 3, 16, 10, 2)
    CheckInService(context).check_in("alice", booked.id)
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("m")
        await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen) and app.screen.loaded)
        table = app.screen.query_one(FittedTable)
        assert "in 10:02 GMT" in [str(c) for c in table.row_values_at(0)]

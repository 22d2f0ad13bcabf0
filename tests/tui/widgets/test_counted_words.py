"""Counts agree with their nouns (issue 20): "1 upcoming booking", not "1 upcoming bookings",
on both engines; the same rule words the CLI's and the services' counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Static

from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.rules.policy_rules import days_words
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from tests.conftest import BACKENDS
from tests.support.world import World, london
from tests.tui.conftest import recorded, settle


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def status(app: EquipshareApp) -> str:
    return str(app.screen.query_one("#my-bookings-status", Static).render())


async def test_one_upcoming_booking_reads_in_the_singular(
    context: ServiceContext, world: World, clock: FrozenClock
) -> None:
    bookings = BookingService(context)
    bookings.book(
        "bob", BookingRequest("WAR-XPS-01", london(2026, 3, 19, 10), london(2026, 3, 19, 11))
    )
    for day in (17, 18):
        bookings.book(
            "bob", BookingRequest("WAR-XPS-01", london(2026, 3, day, 10), london(2026, 3, day, 11))
        )
    clock.instant = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # two past, one upcoming
    app = EquipshareApp(context, "bob")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("m")
        await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen) and app.screen.loaded)
        assert status(app) == "1 upcoming booking  ·  t switches upcoming/past"
        await pilot.press("t")
        await settle(pilot, lambda: status(app).startswith("2 past"))
        assert status(app) == "2 past bookings  ·  t switches upcoming/past"


def test_a_horizon_of_one_day_reads_in_the_singular() -> None:
    assert (days_words(1), days_words(90)) == ("1 day", "90 days")

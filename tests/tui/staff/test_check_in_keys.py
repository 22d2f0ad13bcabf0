"""My bookings' n and o answer (issue 20): check-in before its window opens, after it closes,
twice, and check-out before check-in each say why, with times in the facility's zone, named;
a window that opens while the list is shown lets n act without reading the list again.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from tests.support.world import World, london
from tests.tui.bookings.test_my_bookings import my_screen, offered, open_my_bookings
from tests.tui.conftest import recorded, settle
from tests.tui.widgets.test_key_answers import answered

XPS = "WAR-XPS-01"


def shows_use(app: EquipshareApp, checked_out: bool) -> bool:
    """The highlighted row, read again, shows the check-in (or the check-out)."""
    row = my_screen(app).selected() if my_screen(app).loaded else None
    used = None if row is None else row.checked_out_at if checked_out else row.checked_in_at
    return used is not None


@pytest.fixture
def tuesday(context: ServiceContext, world: World, clock: FrozenClock) -> int:
    """alice's Tue 17 Mar 10:00-12:00 GMT booking on the XPS; it is Monday 09:00 now."""
    return (
        BookingService(context)
        .book("alice", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12)))
        .id
    )


async def test_n_before_check_in_opens_says_when_it_opens_in_the_facility_zone(
    context: ServiceContext, tuesday: int, clock: FrozenClock
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        assert offered(app) == set()  # the footer offers neither yet
        await pilot.press("n")
        assert await answered(app, pilot, 1) == (
            f"Check-in to booking {tuesday} opens at 09:45 GMT Tue 17 Mar 2026, "
            "15 minutes before its start"
        )
        await pilot.press("o")
        assert await answered(app, pilot, 2) == (
            f"Booking {tuesday} was never checked in; check in (n) before checking out"
        )

        # The window opens while the list is shown: n acts now, without reading it again.
        clock.instant = london(2026, 3, 17, 9, 50)
        await pilot.press("n")
        await settle(pilot, lambda: shows_use(app, checked_out=False))
        assert BookingService(context).get("alice", tuesday).checked_in_at == clock.now()
        await pilot.press("n")
        assert await answered(app, pilot, 3) == (
            f"Booking {tuesday} is already checked in, at 09:50 GMT Tue 17 Mar 2026"
        )

        clock.instant = london(2026, 3, 17, 11, 30)
        await pilot.press("o")
        await settle(pilot, lambda: shows_use(app, checked_out=True))
        await pilot.press("o")
        assert await answered(app, pilot, 4) == (
            f"Booking {tuesday} is already checked out, at 11:30 GMT Tue 17 Mar 2026"
        )


async def test_n_after_the_end_says_check_in_closed(
    context: ServiceContext, tuesday: int, clock: FrozenClock
) -> None:
    clock.instant = datetime.fromisoformat("2026-03-17T11:59:00+00:00")
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        clock.instant = london(2026, 3, 17, 12, 1)  # it ended while the list was open
        await pilot.press("n")
        assert await answered(app, pilot, 1) == (
            f"Check-in to booking {tuesday} closed at its end, 12:00 GMT Tue 17 Mar 2026"
        )

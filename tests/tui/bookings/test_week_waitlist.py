"""Week calendar and the waitlist: `j` joins the line for taken time; a range held for you
shows as yours to book until the hold ends, and Enter books it through the usual form.

The clock stands at Mon 16 Mar 2026 09:00 GMT; bob (Aston) holds the XPS Tue 10-12,
pending approval.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from equipshare.domain.enums import BookingStatus, WaitlistStatus
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.service import BookingService, MyBookingsService, WaitlistService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.bookings.booking_form import BookingForm
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.week import WeekScreen
from equipshare.tui.week_layout import CellState
from equipshare.tui.widgets.week_grid import WeekGrid
from tests.support.world import World, london
from tests.tui.conftest import Posted, settle, shown

XPS = "WAR-XPS-01"
TEN, TWELVE = london(2026, 3, 17, 10), london(2026, 3, 17, 12)


@pytest.fixture
def bobs(context: ServiceContext, world: World) -> int:
    return BookingService(context).book("bob", BookingRequest(XPS, TEN, TWELVE)).id


def week(app: EquipshareApp) -> WeekScreen:
    assert isinstance(app.screen, WeekScreen)
    return app.screen


def status(app: EquipshareApp) -> str:
    return str(week(app).query_one("#week-status", Static).render())


async def open_week(app: EquipshareApp, pilot: Pilot[None]) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    app.open_week(XPS)
    await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)


async def test_join_the_waitlist_from_the_week_then_see_and_book_the_hold(
    context: ServiceContext, bobs: int
) -> None:
    app = EquipshareApp(context, "alice")
    posted = Posted()
    async with app.run_test(size=(100, 30), message_hook=posted) as pilot:
        await open_week(app, pilot)
        await pilot.press("right", "down")  # Tue 10:00, bob's pending booking
        assert "Booked (Aston University), waiting for approval" in status(app)
        await pilot.press("enter")  # taken: Enter says how to wait for it
        await settle(pilot, lambda: bool(posted.notified("warning")))
        assert "press j to join the waitlist" in posted.notified("warning")[-1]

        await pilot.press("j")
        await settle(pilot, lambda: posted.count(WeekScreen.WaitlistJoined) == 1)
        assert posted.notified("information")[-1] == (
            "You are 1st in line for WAR-XPS-01 Tue 17 Mar 2026 10:00-12:00 GMT: when it "
            "frees up, it is held for you for up to 1 hour and you are told"
        )  # how long, as [booking] waitlist_hold_minutes says; not "for a while"
        (entry,) = WaitlistService(context).mine("alice")
        assert (entry.starts_at, entry.ends_at) == (TEN, TWELVE)

        await pilot.press("j")  # twice is refused, saying why
        await settle(pilot, lambda: bool(posted.notified("error")))
        assert "already waiting for WAR-XPS-01" in posted.notified("error")[-1]

        BookingService(context).cancel("bob", bobs)  # elsewhere: the range frees up
        before = posted.count(WeekScreen.WeekLoaded)
        week(app).reload()  # read the week again, cursor where it is (t now goes to today)
        await settle(pilot, lambda: posted.count(WeekScreen.WeekLoaded) > before)
        grid = week(app).query_one(WeekGrid)
        held = grid.cells[1][10]
        assert (held.state, held.label) == (CellState.HELD, "Held for you")
        assert (grid.cursor_day, grid.cursor_row) == (1, 10)  # the cursor stayed on it
        assert status(app) == (
            "Tue 17 Mar 2026 10:00-12:00 GMT · held for you until 10:00 GMT: Enter books it"
        )

        await pilot.press("shift+down", "enter")
        form = await shown(pilot, BookingForm)
        assert form.value("start") == "2026-03-17 10:00" and form.value("length") == "2h"
        before = posted.count(WeekScreen.WeekLoaded)
        await pilot.press(*"surface scan", "enter")
        await settle(pilot, lambda: posted.count(WeekScreen.WeekLoaded) > before)
        assert week(app).query_one(WeekGrid).cells[1][10].state is CellState.MINE

    (booked,) = [
        b for b in MyBookingsService(context).list("alice", upcoming=True) if b.starts_at == TEN
    ]
    assert (booked.ends_at, booked.status) == (TWELVE, BookingStatus.CONFIRMED)
    (entry,) = WaitlistService(context).mine("alice", ended=True)
    assert entry.status is WaitlistStatus.ACCEPTED


async def test_joining_for_free_time_is_refused_with_the_reason(
    context: ServiceContext, bobs: int
) -> None:
    app = EquipshareApp(context, "alice")
    posted = Posted()
    async with app.run_test(size=(100, 30), message_hook=posted) as pilot:
        await open_week(app, pilot)
        await pilot.press("right", "right", "down")  # Wed 10:00, free
        await pilot.press("j")
        await settle(pilot, lambda: bool(posted.notified("error")))
        assert (
            "is free 10:00-11:00 Wed 18 Mar 2026 GMT: book it instead"
            in (posted.notified("error")[-1])
        )
    assert WaitlistService(context).mine("alice") == []

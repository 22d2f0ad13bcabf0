"""Every key answers (issue 20): a key that cannot act now says why in a notification.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT).
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any, TypeVar

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.scheduling.bookings import BookingRecord, BookingRequest
from equipshare.domain.records.users.accounts import Standing
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.my_bookings import MyBookingsService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.bookings.booking_form import BookingForm
from equipshare.tui.screens.administration.institutions import InstitutionsScreen
from equipshare.tui.screens.administration.users import UsersScreen
from equipshare.tui.screens.approvals import ApprovalsScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.downtime import DowntimeScreen
from equipshare.tui.screens.instrument import InstrumentScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.screens.training import TrainingScreen
from equipshare.tui.screens.week import WeekScreen
from equipshare.tui.widgets.catalogue_table import CatalogueTable
from tests.support.world import World, london
from tests.tui.bookings.test_week import open_week
from tests.tui.bookings.test_week_keys import gated
from tests.tui.conftest import TIMEOUT, recorded, settle, shown

S = TypeVar("S", bound=Screen[Any])


def warnings(app: EquipshareApp) -> list[str]:
    return recorded(app).notified("warning")


async def answered(app: EquipshareApp, pilot: Pilot[None], count: int) -> str:
    """Wait for the `count`th warning and give it; a worker held at a gate may still run."""
    deadline = time.monotonic() + TIMEOUT
    while len(warnings(app)) < count:
        assert time.monotonic() < deadline, f"no warning {count}; warned: {warnings(app)}"
        await pilot.pause(0.01)
    return warnings(app)[count - 1]


async def test_a_staff_screen_key_tells_a_researcher_whom_it_is_for(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await app.workers.wait_for_complete()
        app.screen.query_one("#catalogue-table").focus()
        await pilot.press("A")
        assert await answered(app, pilot, 1) == (
            "Approvals is for facility staff and admins; alice is neither"
        )
        await pilot.press("U")
        assert await answered(app, pilot, 2) == "Users is for admins only; alice is not an admin"
        await pilot.press("S")
        assert await answered(app, pilot, 3) == (
            "Facilities is for admins and facility managers; alice is neither"
        )
        assert isinstance(app.screen, CatalogueScreen)


async def open_screen(app: EquipshareApp, pilot: Pilot[None], key: str, kind: type[S]) -> S:
    """Press `key` on the catalogue's table and wait for the `kind` screen to have loaded."""
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    await app.workers.wait_for_complete()
    app.screen.query_one("#catalogue-table").focus()
    await pilot.press(key)
    screen = await shown(pilot, kind)
    await settle(pilot, lambda: bool(getattr(screen, "loaded", getattr(screen, "detail", None))))
    return screen


async def test_catalogue_keys_with_nothing_to_act_on_say_so(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await app.workers.wait_for_complete()
        await pilot.press("x")  # no filter is set
        assert await answered(app, pilot, 1) == "No filters to clear"
        search = app.screen.query_one("#catalogue-search", Input)
        search.value = "no such instrument anywhere"
        table = app.screen.query_one(CatalogueTable)
        await settle(pilot, lambda: table.cursor_code is None and app.screen.is_current)
        table.focus()
        await pilot.press("w")
        assert await answered(app, pilot, 2) == "No instrument highlighted to book"
        await pilot.press("enter")
        assert await answered(app, pilot, 3) == "No instrument highlighted to open"
        assert isinstance(app.screen, CatalogueScreen)


async def test_m_on_my_bookings_says_it_is_open_already(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_screen(app, pilot, "m", MyBookingsScreen)
        await pilot.press("m")
        assert await answered(app, pilot, 1) == "You are on that screen already"


async def test_e_on_an_instrument_tells_a_researcher_who_edits_it(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        screen = await open_screen(app, pilot, "enter", InstrumentScreen)
        await pilot.press("e")
        assert await answered(app, pilot, 1) == (
            f"{screen.code} is edited by its facility's managers and technicians, and admins"
        )
        assert app.screen is screen


async def test_screens_opened_without_the_right_say_who_may_write(
    context: ServiceContext, world: World
) -> None:
    """Offered by mistake (the offer is not a right): each write key says whose it is."""
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await app.workers.wait_for_complete()
        app.staff, app.standing = True, Standing(admin=True, staff=True, manager=True)
        cases: list[tuple[str, type[Screen[None]], str, str]] = [
            ("T", TrainingScreen, "n", "Training is recorded by the instrument's facility "
             "staff; you staff no facility"),
            ("D", DowntimeScreen, "x", "Downtime is scheduled by facility staff; you staff no "
             "facility"),
            ("U", UsersScreen, "e", "Accounts are added and changed by admins"),
            ("I", InstitutionsScreen, "n", "Institutions are added and edited by admins"),
        ]  # fmt: skip
        for count, (opener, kind, key, words) in enumerate(cases, start=1):
            await open_screen(app, pilot, opener, kind)
            await pilot.press(key)
            assert await answered(app, pilot, count) == words
            app.pop_screen()


async def test_x_with_no_downtime_says_there_is_none_to_cancel(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: app.staff)
        await open_screen(app, pilot, "D", DowntimeScreen)
        await pilot.press("x")
        assert await answered(app, pilot, 1) == "No downtime to cancel: none is current or coming"


class GatedBookings(BookingService):
    """Approves and books only once the gate opens, as a busy database would."""

    def __init__(self, context: ServiceContext) -> None:
        super().__init__(context)
        self.gate = threading.Event()

    def approve(self, actor_username: str, booking_id: int, reason: str = "") -> BookingRecord:
        assert self.gate.wait(timeout=30)
        return super().approve(actor_username, booking_id, reason)

    def book(
        self, actor_username: str, request: BookingRequest, *, override_policy: bool = False
    ) -> BookingRecord:
        assert self.gate.wait(timeout=30)
        return super().book(actor_username, request, override_policy=override_policy)


async def test_a_second_a_while_the_first_is_deciding_says_so(
    context: ServiceContext, world: World
) -> None:
    pending = BookingService(context).book(
        "bob", BookingRequest("WAR-XPS-01", london(2026, 3, 17, 10), london(2026, 3, 17, 12))
    )
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: app.staff)
        screen = await open_screen(app, pilot, "A", ApprovalsScreen)
        gated = GatedBookings(context)
        screen._bookings = gated
        await pilot.press("a", "a")
        assert await answered(app, pilot, 1) == (
            f"Still deciding request {pending.id}; wait for the answer"
        )
        gated.gate.set()
        await settle(pilot, lambda: bool(recorded(app).notified("information")))
        assert BookingService(context).get("mgr", pending.id).status is BookingStatus.CONFIRMED


async def test_ctrl_s_while_the_booking_is_being_made_says_wait(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    gated = GatedBookings(context)
    services = app.booking_services
    app.booking_services = replace(services, bookings=gated)
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_week(app, pilot)
        await pilot.press("right", "enter")  # Tue 09:00, free
        form = await shown(pilot, BookingForm)
        form.query_one("#booking-purpose", Input).value = "depth profile"
        await pilot.press("ctrl+s", "ctrl+s")
        assert await answered(app, pilot, 1) == "Still saving; wait for the answer"
        gated.gate.set()
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen))
        assert len(MyBookingsService(context).list("alice", upcoming=True)) == 1


async def test_j_before_the_week_arrives_says_it_is_loading(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    weeks = gated(app)
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        weeks.gate.clear()
        app.open_week("WAR-XPS-01")
        week = await shown(pilot, WeekScreen)
        await pilot.press("j", "enter")
        assert await answered(app, pilot, 1) == (
            "The week is still loading; try again when it shows"
        )
        assert await answered(app, pilot, 2) == (
            "The week is still loading; try again when it shows"
        )
        weeks.gate.set()
        await settle(pilot, lambda: week.loaded)

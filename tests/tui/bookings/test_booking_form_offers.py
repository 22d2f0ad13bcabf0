"""What the booking form offers after a refusal (issue 20, wrong figures).

A start inside the notice names the earliest start that could be booked, in the facility's
zone, and the form offers the free slots from there; a series that clashes offers first
bookings from which the whole series is free, never the slot the form already holds.
The demo's today: Sun 6 Dec 2026 21:00 GMT.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static

from equipshare.db.models.catalogue import Instrument
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.my_bookings import MyBookingsService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.bookings.booking_form import BookingDraft, BookingForm
from equipshare.tui.screens.catalogue import CatalogueScreen
from tests.support.world import World, london
from tests.tui.conftest import settle, shown

XPS = "WAR-XPS-01"
SUNDAY_EVENING = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)


@pytest.fixture
def demo_today(context: ServiceContext, clock: FrozenClock, world: World) -> None:
    clock.instant = SUNDAY_EVENING
    with context.database.sessions.begin() as session:
        session.execute(
            update(Instrument)
            .where(Instrument.id == world.instruments[XPS])
            .values(min_notice_minutes=24 * 60)
        )


async def open_form(pilot: Pilot[None], app: EquipshareApp, start: datetime) -> BookingForm:
    """The form for two hours on the XPS from `start`, as the week opens it."""
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    draft = BookingDraft(XPS, XPS, "Europe/London", start, 120)
    app.push_screen(BookingForm(app.booking_services, app.actor_username, draft))
    return await shown(pilot, BookingForm)


def offered(form: BookingForm) -> list[str]:
    nearest = form.query_one("#booking-nearest", OptionList)
    return [str(nearest.get_option_at_index(i).prompt) for i in range(nearest.option_count)]


def start_error(form: BookingForm) -> str:
    return str(form.query_one("#start-error", Static).render()).strip()


async def test_a_start_inside_the_notice_names_an_open_start_and_offers_slots_from_it(
    context: ServiceContext, demo_today: None
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(pilot, app, london(2026, 12, 7, 10))
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: start_error(form) != "")
        assert start_error(form) == (
            "WAR-XPS-01 needs 24 hours notice: the earliest start is 09:00 Tue 8 Dec 2026 GMT"
        )
        await settle(pilot, lambda: bool(offered(form)))
        assert offered(form)[:3] == [
            "Free: Tue 8 Dec 2026 09:00-11:00 GMT",
            "Free: Tue 8 Dec 2026 11:00-13:00 GMT",
            "Free: Tue 8 Dec 2026 13:00-15:00 GMT",
        ]
        nearest = form.query_one("#booking-nearest", OptionList)
        nearest.focus()
        nearest.highlighted = 0
        await pilot.press("enter")
        assert form.query_one("#booking-start", Input).value == "2026-12-08 09:00"
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not isinstance(app.screen, BookingForm))
    rows = MyBookingsService(context).list("alice", upcoming=True)
    assert [(r.starts_at, r.ends_at) for r in rows] == [
        (london(2026, 12, 8, 9), london(2026, 12, 8, 11))
    ]


async def test_a_series_clash_offers_starts_where_the_whole_series_is_free(
    context: ServiceContext, demo_today: None
) -> None:
    # Bob holds the third Wednesday at 10:00-12:00; the form asks for four from Wed 9 Dec.
    BookingService(context).book(
        "bob", BookingRequest(XPS, london(2026, 12, 23, 10), london(2026, 12, 23, 12))
    )
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot, app, london(2026, 12, 9, 10))
        form.query_one("#booking-repeat", Select).value = "weekly"
        await pilot.pause()
        form.query_one("#booking-count", Input).value = "4"
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: start_error(form) != "")
        assert "occurrence 3 of 4" in start_error(form) and "already booked" in start_error(form)
        await settle(pilot, lambda: bool(offered(form)))
        choices = offered(form)
        # Not 10:00-12:00 on the 9th: the form holds it, and on the 23rd it is taken.
        assert "Free for the whole series: Wed 9 Dec 2026 10:00-12:00 GMT" not in choices
        # 09:00, 10:00 and 11:00 starts would meet bob on the 23rd: the nearest that do not.
        assert choices[:3] == [
            "Free for the whole series: Wed 9 Dec 2026 12:00-14:00 GMT",
            "Free for the whole series: Wed 9 Dec 2026 14:00-16:00 GMT",
            "Free for the whole series: Tue 8 Dec 2026 15:00-17:00 GMT",
        ]
        nearest = form.query_one("#booking-nearest", OptionList)
        nearest.focus()
        nearest.highlighted = 0
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not isinstance(app.screen, BookingForm))
    starts = [r.starts_at for r in MyBookingsService(context).list("alice", upcoming=True)]
    assert starts == [london(2026, 12, d, 12) for d in (9, 16, 23, 30)]

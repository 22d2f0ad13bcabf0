"""Forms a newcomer can work by keyboard (issue 20, clumsy forms and flows).

Every Tab stop in a form is a field that shows its focus; the booking form labels the
repeat count, highlights and focuses the first slot it offers after a clash, and opens
on an assisted session when the viewer has no training (the only kind they may book).
The clock is Mon 16 Mar 2026 09:00 UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select

from equipshare.db.models.catalogue import Instrument
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.consortium.service import FacilityService, InstitutionService
from equipshare.services.downtime.service import DowntimeService
from equipshare.services.people.service import AccountService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.ssh_keys.service import SshKeysService
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.account.ssh_key_form import SshKeyForm
from equipshare.tui.modals.administration.facility_form import FacilityForm
from equipshare.tui.modals.administration.institution_form import InstitutionForm
from equipshare.tui.modals.administration.user_form import UserForm
from equipshare.tui.modals.bookings.booking_form import BookingDraft, BookingForm
from equipshare.tui.modals.downtime.schedule_downtime import ScheduleDowntimeModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.week import WeekScreen
from tests.support.world import World, london
from tests.tui.conftest import settle, shown

XPS = "WAR-XPS-01"
#: What a Tab may land on: widgets that draw their own focus.
FIELDS = (Input, Select, Button, Checkbox, OptionList)

Form = Callable[[EquipshareApp, ServiceContext], ModalScreen[Any]]
FORMS: dict[str, Form] = {
    "booking": lambda app, _: BookingForm(
        app.booking_services,
        "alice",
        BookingDraft(XPS, "XPS", "Europe/London", london(2026, 3, 17, 10), 120),
    ),
    "downtime": lambda _, context: ScheduleDowntimeModal(DowntimeService(context), "tech", XPS),
    "facility": lambda _, context: FacilityForm(FacilityService(context), "root"),
    "institution": lambda _, context: InstitutionForm(InstitutionService(context), "root"),
    "user": lambda _, context: UserForm(AccountService(context), "root"),
    "ssh key": lambda _, context: SshKeyForm(SshKeysService(context), "root"),
}


async def tab_stops(pilot: Pilot[None], count: int) -> list[Widget]:
    """What has focus after each of `count` presses of Tab."""
    stops = []
    for _ in range(count):
        await pilot.press("tab")
        focused = pilot.app.focused
        assert focused is not None
        stops.append(focused)
    return stops


def focused_id(app: EquipshareApp) -> str | None:
    return app.focused.id if app.focused is not None else None


@pytest.mark.parametrize("name", list(FORMS))
async def test_every_tab_stop_in_a_form_is_a_field_that_shows_focus(
    context: ServiceContext, world: World, name: str
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        form = FORMS[name](app, context)
        app.push_screen(form)
        await shown(pilot, type(form))
        stops = await tab_stops(pilot, 16)
        invisible = {repr(w) for w in stops if not isinstance(w, FIELDS)}
        assert invisible == set(), f"Tab stops that draw no focus in the {name} form"


async def test_the_booking_form_labels_the_repeat_count(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.open_week(XPS)
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
        await pilot.press("right", "enter")
        form = await shown(pilot, BookingForm)
        repeat = form.query_one("#booking-repeat", Select)
        repeat.value = "weekly"
        await pilot.pause()
        count = form.query_one("#booking-count", Input)
        assert not count.disabled and count.value == "4"
        # A word beside the number says what it counts, on the same line, after it.
        label = form.query_one("#booking-count-label", Label)
        assert str(label.render()) == "times"
        assert label.region.y == count.region.y and label.region.x >= count.region.right
        assert label.region.width >= len("times")


async def test_a_clash_highlights_and_focuses_the_first_free_slot(
    context: ServiceContext, world: World
) -> None:
    BookingService(context).book(
        "bob", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12))
    )
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        draft = BookingDraft(XPS, "XPS", "Europe/London", london(2026, 3, 17, 10), 60)
        app.push_screen(BookingForm(app.booking_services, "alice", draft))
        form = await shown(pilot, BookingForm)
        await pilot.press("ctrl+s")
        nearest = form.query_one("#booking-nearest", OptionList)
        await settle(pilot, lambda: nearest.option_count > 0)
        assert nearest.highlighted == 0 and focused_id(app) == "booking-nearest"
        first = str(nearest.get_option_at_index(0).prompt)
        assert first == "Free: Tue 17 Mar 2026 09:00-10:00 GMT"
        await pilot.press("enter")  # takes the highlighted slot
        assert form.query_one("#booking-start", Input).value == "2026-03-17 09:00"
        assert focused_id(app) == "booking-submit"


@pytest.mark.parametrize("contact", ["tech2", None])
async def test_an_untrained_researcher_is_offered_an_assisted_session(
    context: ServiceContext, world: World, contact: str | None
) -> None:
    """erin has no XPS training: an unassisted booking would be refused, so the form opens
    with the instrument's contact technician assisting (else the first technician)."""
    with context.database.sessions.begin() as session:
        session.execute(
            update(Instrument)
            .where(Instrument.id == world.instruments[XPS])
            .values(contact_technician_id=world.users[contact] if contact else None)
        )
    app = EquipshareApp(context, "erin")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.open_week(XPS)
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
        await pilot.press("right", "enter")
        form = await shown(pilot, BookingForm)
        technician = form.query_one("#booking-technician", Select)
        expected = contact or "tech"  # "Tech" sorts before "Tech2"
        assert technician.value == expected
        await pilot.press(*"survey", "ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen))


async def test_a_trained_researcher_books_unassisted_by_default(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.open_week(XPS)
        await settle(pilot, lambda: isinstance(app.screen, WeekScreen) and app.screen.loaded)
        await pilot.press("right", "enter")
        form = await shown(pilot, BookingForm)
        assert form.query_one("#booking-technician", Select).value == ""

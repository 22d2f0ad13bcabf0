"""A username or instrument code typed in any case is taken as the directory spells it
(issue 20, clumsy forms): every field that asks for one completes it, and "war-xps-01" or
"ERIN" is not refused as unknown. The clock is Mon 16 Mar 2026 09:00 UTC.
"""

from __future__ import annotations

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input, Static

from equipshare.db.models.catalogue import Instrument, User
from equipshare.domain.rules.training_rules import training_words
from equipshare.services.consortium.service import StaffService
from equipshare.services.downtime.service import DowntimeService
from equipshare.services.people.service import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.administration.staff_form import StaffForm
from equipshare.tui.modals.downtime.schedule_downtime import ScheduleDowntimeModal
from equipshare.tui.modals.training.training_form import TrainingForm
from equipshare.tui.screens.administration.instrument_editor import InstrumentEditorScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.instrument import InstrumentScreen
from equipshare.tui.widgets.suggesters import InstrumentSuggester, UsernameSuggester
from tests.support.world import World
from tests.tui.conftest import settle, shown

XPS = "WAR-XPS-01"


async def catalogue(app: EquipshareApp, pilot: Pilot[None]) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))


async def test_the_training_form_takes_a_username_and_code_in_any_case(
    context: ServiceContext, world: World
) -> None:
    training = TrainingService(context)
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24)) as pilot:
        await catalogue(app, pilot)
        app.push_screen(TrainingForm(training, "tech", completions=app.completions))
        form = await shown(pilot, TrainingForm)
        assert isinstance(form.query_one("#training-user", Input).suggester, UsernameSuggester)
        instrument = form.query_one("#training-instrument", Input)
        assert isinstance(instrument.suggester, InstrumentSuggester)
        instrument.value = "war-xps-01"
        await pilot.press(*"ERIN", "enter")
        await settle(pilot, lambda: not isinstance(app.screen, TrainingForm))
    assert training_words(training.status_for("erin", XPS)) == "trained (independent), no expiry"


async def test_the_downtime_form_takes_a_code_in_any_case(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24)) as pilot:
        await catalogue(app, pilot)
        app.push_screen(
            ScheduleDowntimeModal(DowntimeService(context), "tech", completions=app.completions)
        )
        form = await shown(pilot, ScheduleDowntimeModal)
        field = form.query_one("#downtime-instrument", Input)
        assert isinstance(field.suggester, InstrumentSuggester)
        field.value = "war-xps-01"
        form.query_one("#downtime-start", Input).value = "2026-03-18 09:00"
        form.query_one("#downtime-end", Input).value = "8h"
        await pilot.press("enter")
        await settle(pilot, lambda: form.plan is not None or bool(form.errors()))
        assert form.errors() == {}
        assert form.plan is not None and form.plan.instrument_code == XPS
        summary = str(form.query_one("#downtime-summary", Static).content)
        assert summary.startswith(f"Maintenance of {XPS} Wed 18 Mar 2026 09:00-17:00 GMT")


async def test_the_staff_form_takes_a_username_in_any_case(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24)) as pilot:
        await catalogue(app, pilot)
        staff = StaffService(context)
        app.push_screen(
            StaffForm(staff, "mgr", "WAR-PRP", "Photoemission", completions=app.completions)
        )
        form = await shown(pilot, StaffForm)
        assert isinstance(form.query_one("#staff-user", Input).suggester, UsernameSuggester)
        await pilot.press(*"OtherStaff", "enter")
        await settle(pilot, lambda: not isinstance(app.screen, StaffForm))
    members = {m.username for m in staff.list("mgr", "WAR-PRP")}
    assert "otherstaff" in members


async def test_the_instrument_editor_takes_a_contact_technician_in_any_case(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        app.open_instrument(XPS)
        screen = await shown(pilot, InstrumentScreen)
        await settle(pilot, lambda: screen.detail is not None)
        await pilot.press("e")
        editor = await shown(pilot, InstrumentEditorScreen)
        await settle(pilot, lambda: editor.loaded)
        field = editor.query_one("#field-contact_technician", Input)
        assert isinstance(field.suggester, UsernameSuggester)
        field.focus()
        await pilot.pause()
        field.clear()
        await pilot.press(*"TECH2", "ctrl+s")
        await settle(pilot, lambda: (not editor.busy and editor.errors() != {}) or saved(context))
        assert editor.errors() == {}
    assert saved(context)


def saved(context: ServiceContext) -> bool:
    """Whether tech2 is now the XPS's contact technician."""
    with context.database.sessions.begin() as session:
        contact = session.scalar(
            select(User.username)
            .join(Instrument, Instrument.contact_technician_id == User.id)
            .where(Instrument.code == XPS)
        )
    return contact == "tech2"

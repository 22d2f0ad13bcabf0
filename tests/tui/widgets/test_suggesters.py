"""Username and instrument fields complete as you type, as far as the actor may see."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from equipshare.services.downtime.service import DowntimeService
from equipshare.services.people.service import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.completions import completions_for
from equipshare.tui.modals.downtime.schedule_downtime import ScheduleDowntimeModal
from equipshare.tui.modals.training.training_form import TrainingForm
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.training import TrainingScreen
from equipshare.tui.widgets.suggesters import UsernameSuggester
from tests.support.world import World
from tests.tui.conftest import settle, shown


async def type_into(pilot: Pilot[None], field: Input, text: str) -> str:
    """Type `text` into an empty `field`; the suggestion it then shows after the text."""
    field.focus()
    field.value = ""
    await pilot.press(*text)
    await settle(pilot, lambda: field.value == text)
    return field._suggestion


async def open_form(
    app: EquipshareApp, pilot: Pilot[None], context: ServiceContext
) -> TrainingForm:
    """The training screen as the app would build it with completions, then its form."""
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    actor = app.actor_username
    completions = completions_for(context, actor)
    app.push_screen(TrainingScreen(TrainingService(context), actor, completions=completions))
    await settle(pilot, lambda: isinstance(app.screen, TrainingScreen) and app.screen.loaded)
    await pilot.press("n")
    return await shown(pilot, TrainingForm)


async def test_a_username_and_a_code_complete_and_the_right_arrow_accepts_them(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, context)
        user = form.query_one("#training-user", Input)
        assert await type_into(pilot, user, "ali") == "alice"
        await pilot.press("right")
        assert user.value == "alice"

        instrument = form.query_one("#training-instrument", Input)
        assert await type_into(pilot, instrument, "war-x") == "WAR-XPS-01"  # in its own case
        await pilot.press("right")
        assert instrument.value == "WAR-XPS-01"

        assert await type_into(pilot, user, "tech") == "tech"  # exact: "tech2" is not offered
        assert await type_into(pilot, user, "zz") == ""
        assert await type_into(pilot, user, "go") == ""  # deactivated


async def test_a_researcher_is_offered_only_themselves_and_facility_staff(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        completions = completions_for(context, "alice")
        app.push_screen(TrainingForm(TrainingService(context), "alice", completions=completions))
        form = await shown(pilot, TrainingForm)
        user = form.query_one("#training-user", Input)
        assert await type_into(pilot, user, "b") == ""  # bob is another researcher
        assert await type_into(pilot, user, "e") == ""  # so is erin
        assert await type_into(pilot, user, "al") == "alice"
        assert await type_into(pilot, user, "te") == "tech"


async def test_the_downtime_instrument_completes(context: ServiceContext, world: World) -> None:
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        modal = ScheduleDowntimeModal(
            DowntimeService(context), "tech", completions=completions_for(context, "tech")
        )
        app.push_screen(modal)
        form = await shown(pilot, ScheduleDowntimeModal)
        field = form.query_one("#downtime-instrument", Input)
        assert await type_into(pilot, field, "WAR-R") == "WAR-RAM-01"
        await pilot.press("right")
        assert field.value == "WAR-RAM-01"


async def test_a_whole_answer_serves_longer_prefixes_without_asking_again(
    context: ServiceContext, world: World
) -> None:
    suggester = UsernameSuggester(completions_for(context, "root").usernames)
    assert await suggester.get_suggestion("t") == "tech"  # tech, tech2: every match
    assert await suggester.get_suggestion("tech2") == "tech2"
    assert await suggester.get_suggestion("te") == "tech"
    assert suggester.lookups == 1
    refused = UsernameSuggester(completions_for(context, "gone").usernames)
    assert await refused.get_suggestion("t") is None  # deactivated: no suggestion, no crash

"""The administration screens are offered by standing: keys and palette entries per person."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, OptionList

from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.administration.staff_form import StaffForm
from equipshare.tui.screens.administration.facilities import FacilitiesScreen
from equipshare.tui.screens.administration.institutions import InstitutionsScreen
from equipshare.tui.screens.administration.instrument_editor import InstrumentEditorScreen
from equipshare.tui.screens.administration.users import UsersScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.help import HelpScreen
from tests.support.world import World
from tests.tui.conftest import settle, shown

SCREENS: dict[str, type[Screen[None]]] = {
    "I": InstitutionsScreen,
    "S": FacilitiesScreen,
    "U": UsersScreen,
}


@pytest.mark.parametrize(
    ("actor", "opens"),
    [("root", "ISU"), ("mgr", "S"), ("tech", ""), ("alice", "")],
)
async def test_each_key_opens_its_screen_only_for_those_offered_it(
    context: ServiceContext, world: World, actor: str, opens: str
) -> None:
    app = EquipshareApp(context, actor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await settle(pilot, lambda: True)  # waits for the standing worker to finish
        await pilot.press("escape")  # leave the search box, so keys reach the app
        for key, kind in SCREENS.items():
            await pilot.press(key)
            if key in opens:
                await shown(pilot, kind)
                await pilot.press("escape")
                await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
            else:
                await pilot.pause()
                assert isinstance(app.screen, CatalogueScreen), (actor, key)


@pytest.mark.parametrize(("actor", "expected"), [("root", True), ("alice", False)])
async def test_the_palette_and_help_list_them_for_an_admin_only(
    context: ServiceContext, world: World, actor: str, expected: bool
) -> None:
    app = EquipshareApp(context, actor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await settle(pilot, lambda: app.standing.admin == expected)
        await pilot.press("ctrl+p")
        palette = await shown(pilot, CommandPalette)
        await pilot.press(*"users")
        commands = palette.query_one("CommandList", OptionList)
        if expected:
            await settle(pilot, lambda: commands.option_count >= 1)
        else:
            await pilot.pause(0.3)
        prompts = [str(option.prompt).split("\n")[0] for option in commands.options]
        assert ("Users" in prompts) is expected, prompts
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("escape", "question_mark")
        help_screen = await shown(pilot, HelpScreen)
        keys = {row[0] for row in help_screen.rows()}
        assert ({"I", "S", "U"} <= keys) is expected, keys


async def _suggested(pilot: Pilot[None], field: Input, text: str) -> str:
    """Type `text` into an emptied `field`; the completion it then offers."""
    field.focus()
    field.value = ""
    await pilot.press(*text)
    await settle(pilot, lambda: field.value == text)
    return field._suggestion


async def test_username_fields_complete_as_typed_where_the_app_opens_them(
    context: ServiceContext, world: World
) -> None:
    """The app hands its completions to the staff form and the editor's contact technician."""
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.standing.admin)
        await pilot.press("escape", "S")
        facilities = await shown(pilot, FacilitiesScreen)
        await settle(pilot, lambda: facilities.loaded and facilities.staff_of is not None)
        await pilot.press("s")
        form = await shown(pilot, StaffForm)
        user = form.query_one("#staff-user", Input)
        assert await _suggested(pilot, user, "ali") == "alice"
        await pilot.press("right")
        assert user.value == "alice"
        await pilot.press("escape")
        await shown(pilot, FacilitiesScreen)
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.open_editor("WAR-XPS-01")
        editor = await shown(pilot, InstrumentEditorScreen)
        await settle(pilot, lambda: editor.loaded)
        technician = editor.query_one("#field-contact_technician", Input)
        assert await _suggested(pilot, technician, "tech") == "tech"
        assert await _suggested(pilot, technician, "mg") == "mgr"

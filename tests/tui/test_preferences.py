"""Preferences persist (issue 20): the theme chosen in the palette and the catalogue's last
filters are kept per user in the user's config directory and come back at the next start;
a file that cannot be read is ignored with one notification naming it.

`preferences_dir` (tests/conftest.py) points the config directory at a fresh folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import OptionList, Tabs

from equipshare.domain.enums import AccessLevel
from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.domain.records.pages import ApprovalOrder
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.preferences import Preferences, PreferenceStore, PreferencesUnreadable
from equipshare.tui.screens.approvals import ApprovalsScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.training import TrainingScreen
from equipshare.tui.widgets.filter_bar import FilterBar
from tests.support.world import World
from tests.tui.conftest import S, recorded, settle, shown


def catalogue(app: EquipshareApp) -> CatalogueScreen:
    assert isinstance(app.screen, CatalogueScreen)
    return app.screen


async def catalogue_ready(app: EquipshareApp, pilot: Pilot[None]) -> CatalogueScreen:
    """The catalogue with its filter bar's choices loaded."""
    await settle(
        pilot,
        lambda: (
            isinstance(app.screen, CatalogueScreen)
            and bool(app.screen.filter_choices("filter-institution"))
        ),
    )
    return catalogue(app)


def offered(app: EquipshareApp) -> list[str]:
    """What the command palette lists now (first lines), or [] when it is not open."""
    if not isinstance(app.screen, CommandPalette):
        return []
    options = app.screen.query_one(OptionList)
    return [
        str(options.get_option_at_index(i).prompt).splitlines()[0]
        for i in range(options.option_count)
    ]


async def pick_theme(app: EquipshareApp, pilot: Pilot[None], theme: str) -> None:
    """ctrl+p, "theme", Enter, the theme's name, Enter: as a person changes the theme."""
    await pilot.press("ctrl+p")
    await settle(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*"theme")
    await settle(pilot, lambda: offered(app)[:1] == ["Theme"])
    await pilot.press("enter")
    await settle(pilot, lambda: theme in offered(app) and len(offered(app)) > 1)
    await pilot.press(*theme)
    await settle(pilot, lambda: offered(app) == [theme])
    await pilot.press("enter")
    await settle(pilot, lambda: app.theme == theme and not isinstance(app.screen, CommandPalette))


def saved(folder: Path, username: str) -> dict[str, object]:
    data = json.loads((folder / f"prefs-{username}.json").read_text())
    assert isinstance(data, dict)
    return data


async def test_the_theme_chosen_in_the_palette_comes_back_for_that_user_only(
    context: ServiceContext, world: World, preferences_dir: Path
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await catalogue_ready(app, pilot)
        assert app.theme == "textual-dark"
        await pick_theme(app, pilot, "textual-light")
        await settle(pilot, lambda: (preferences_dir / "prefs-alice.json").exists())
    assert saved(preferences_dir, "alice")["theme"] == "textual-light"

    again = EquipshareApp(context, "alice")
    async with again.run_test(size=(100, 30)) as pilot:
        await catalogue_ready(again, pilot)
        assert again.theme == "textual-light"
    bob = EquipshareApp(context, "bob")
    async with bob.run_test(size=(100, 30)) as pilot:
        await catalogue_ready(bob, pilot)
        assert bob.theme == "textual-dark"
    assert not (preferences_dir / "prefs-bob.json").exists()


async def test_the_catalogues_last_filters_come_back_at_the_next_start(
    context: ServiceContext, world: World, preferences_dir: Path
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await catalogue_ready(app, pilot)
        bar = screen.query_one(FilterBar)
        bar.select("filter-institution").value = "WARWICK"  # as a pick from its list posts
        await settle(pilot, lambda: screen.query_state.institution_code == "WARWICK")
        await pilot.press("b")
        await settle(pilot, lambda: screen.query_state.bookable_by_me)
        await settle(
            pilot,
            lambda: (
                (preferences_dir / "prefs-alice.json").exists()
                and saved(preferences_dir, "alice")["catalogue_bookable"] is True
            ),
        )
    assert saved(preferences_dir, "alice")["catalogue"] == {"institution_code": "WARWICK"}

    again = EquipshareApp(context, "alice")
    async with again.run_test(size=(100, 30)) as pilot:
        screen = await catalogue_ready(again, pilot)
        await settle(
            pilot,
            lambda: screen.query_one(FilterBar).select("filter-institution").value == "WARWICK",
        )
        assert screen.query_state == CatalogueQuery(institution_code="WARWICK", bookable_by_me=True)
        await pilot.press("x")  # clearing the filters is kept too
        await settle(pilot, lambda: saved(preferences_dir, "alice")["catalogue"] == {})
        assert saved(preferences_dir, "alice")["catalogue_bookable"] is False


async def test_a_kept_filter_naming_what_is_gone_is_dropped(
    context: ServiceContext, world: World, preferences_dir: Path
) -> None:
    PreferenceStore("alice").save(
        Preferences(
            catalogue={"institution_code": "GONE", "access_level": AccessLevel.CONSORTIUM.value}
        )
    )
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await catalogue_ready(app, pilot)
        await settle(pilot, lambda: screen.query_state.institution_code is None)
        assert screen.query_state == CatalogueQuery(access_level=AccessLevel.CONSORTIUM)
        select = screen.query_one(FilterBar).select("filter-access")
        assert select.value == AccessLevel.CONSORTIUM.value


async def test_a_corrupt_file_is_ignored_with_one_notification_naming_it(
    context: ServiceContext, world: World, preferences_dir: Path
) -> None:
    preferences_dir.mkdir(parents=True)
    path = preferences_dir / "prefs-alice.json"
    path.write_text('{"theme": "textual-light", "catalogue": ')  # cut short
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await catalogue_ready(app, pilot)
        assert app.theme == "textual-dark"
        warnings = recorded(app).notified("warning")
        assert len(warnings) == 1 and str(path) in warnings[0]
        await pick_theme(app, pilot, "textual-light")
        await settle(pilot, lambda: path.read_text().startswith("{\n"))
        assert recorded(app).notified("error") == []
    assert saved(preferences_dir, "alice")["theme"] == "textual-light"


def test_the_file_is_replaced_whole_and_named_for_the_user(tmp_path: Path) -> None:
    store = PreferenceStore("a/b", tmp_path)
    assert store.path == tmp_path / "prefs-a%2Fb.json"  # one file a user, never a path
    assert PreferenceStore("..", tmp_path).path.parent == tmp_path
    store.save(Preferences(theme="nord"))
    store.save(Preferences(theme="dracula"))
    assert [p.name for p in tmp_path.iterdir()] == ["prefs-a%2Fb.json"]  # no temporaries
    assert store.load() == Preferences(theme="dracula")
    store.path.write_text('{"theme": 3}')
    try:
        store.load()
    except PreferencesUnreadable as exc:
        assert str(store.path) in str(exc) and "theme" in str(exc)
    else:
        raise AssertionError("a theme that is a number was taken")


async def staff_screen(app: EquipshareApp, pilot: Pilot[None], key: str, kind: type[S]) -> S:
    """From the catalogue, once the app knows the user is staff, press `key` for `kind`."""
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
    await pilot.press(key)
    screen = await shown(pilot, kind)
    await settle(pilot, lambda: getattr(screen, "loaded", True))
    return screen


async def test_approvals_order_and_trainings_list_come_back_at_the_next_start(
    context: ServiceContext, world: World, preferences_dir: Path
) -> None:
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(100, 30)) as pilot:
        approvals = await staff_screen(app, pilot, "A", ApprovalsScreen)
        assert approvals.order is ApprovalOrder.REQUESTED
        await pilot.press("o")
        await settle(pilot, lambda: (preferences_dir / "prefs-tech.json").exists())
        await pilot.press("escape")
        training = await staff_screen(app, pilot, "T", TrainingScreen)
        assert training.expiring
        await pilot.press("t")
        await settle(
            pilot, lambda: saved(preferences_dir, "tech").get("training_expiring") is False
        )
    assert saved(preferences_dir, "tech")["approvals_order"] == "starts"

    again = EquipshareApp(context, "tech")
    async with again.run_test(size=(100, 30)) as pilot:
        approvals = await staff_screen(again, pilot, "A", ApprovalsScreen)
        assert approvals.order is ApprovalOrder.STARTS
        await pilot.press("escape")
        training = await staff_screen(again, pilot, "T", TrainingScreen)
        assert not training.expiring
        assert training.query_one("#training-tabs", Tabs).active == "all"

"""Renewing training offers the record's own period from today; one Enter never makes it
permanent (issue 20, clumsy forms). The clock is Mon 16 Mar 2026 09:00 UTC; alice's XPS
training was given on 1 Jan 2025 for three years (through Fri 31 Dec 2027).
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from equipshare.domain.rules.training_rules import training_words
from equipshare.services.people.training import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.training.training_prompt import TrainingPrompt
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.training import TrainingScreen
from tests.support.world import World
from tests.tui.conftest import recorded, settle, shown

XPS = "WAR-XPS-01"


async def open_renewal(
    app: EquipshareApp, pilot: Pilot[None], training: TrainingService
) -> TrainingPrompt:
    """Every record, the cursor on alice's XPS training, and r pressed."""
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    app.push_screen(TrainingScreen(training, "tech"))
    await settle(pilot, lambda: isinstance(app.screen, TrainingScreen) and app.screen.loaded)
    screen = app.screen
    assert isinstance(screen, TrainingScreen)
    await pilot.press("t")
    await settle(pilot, lambda: screen.loaded and not screen.expiring and len(screen.rows) == 3)
    table = screen.query_one("#training-table", DataTable)
    assert str(table.get_row_at(table.cursor_row)[0]).startswith("alice")
    await pilot.press("r")
    return await shown(pilot, TrainingPrompt)


async def test_one_enter_renews_for_the_period_the_training_was_given_for(
    context: ServiceContext, world: World
) -> None:
    training = TrainingService(context)
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        prompt = await open_renewal(app, pilot, training)
        field = prompt.query_one("#prompt-input", Input)
        await settle(pilot, lambda: field.value != "")
        assert field.value == "2029-03-15"  # three years from today
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TrainingScreen))
    assert training_words(training.status_for("alice", XPS)) == (
        "trained (independent) until Thu 15 Mar 2029"
    )


async def test_a_blank_renewal_is_refused_and_never_must_be_typed(
    context: ServiceContext, world: World
) -> None:
    training = TrainingService(context)
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        prompt = await open_renewal(app, pilot, training)
        field = prompt.query_one("#prompt-input", Input)
        await settle(pilot, lambda: field.value != "")
        field.value = ""
        await pilot.press("enter")
        await settle(pilot, lambda: prompt.error_text() != "")
        assert "16 Dec 2027" in prompt.error_text() and "never" in prompt.error_text()
        assert isinstance(app.screen, TrainingPrompt)
        assert training_words(training.status_for("alice", XPS)) == (
            "trained (independent) until Fri 31 Dec 2027"
        )
        await pilot.press(*"never", "enter")
        await settle(pilot, lambda: isinstance(app.screen, TrainingScreen))
    assert training_words(training.status_for("alice", XPS)) == ("trained (independent), no expiry")

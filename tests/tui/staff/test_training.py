"""Training screen: a technician records, renews and revokes training through its dialogs.

The clock is Mon 16 Mar 2026 09:00 UTC. The world's XPS training (alice, bob, carol) lasts
until 2028; the fixture adds erin's Raman training, valid through Wed 1 Apr 2026.
"""

from __future__ import annotations

from datetime import date

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from equipshare.domain.enums import TrainingLevel
from equipshare.domain.rules.training_rules import training_words
from equipshare.services.people.training import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.training.training_form import TrainingForm
from equipshare.tui.modals.training.training_prompt import TrainingPrompt
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.training import TrainingScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.world import World
from tests.tui.conftest import click_when_ready, recorded, settle, shown

XPS, RAM = "WAR-XPS-01", "WAR-RAM-01"


@pytest.fixture
def training(context: ServiceContext, world: World) -> TrainingService:
    svc = TrainingService(context)
    svc.record("tech", "erin", RAM, TrainingLevel.INDEPENDENT, date(2026, 4, 1))
    return svc


def screen_of(app: EquipshareApp) -> TrainingScreen:
    assert isinstance(app.screen, TrainingScreen)
    return app.screen


def rows(app: EquipshareApp) -> list[tuple[str, ...]]:
    table = screen_of(app).query_one("#training-table", FittedTable)
    return [tuple(str(cell) for cell in table.row_values_at(i)) for i in range(table.row_count)]


def ready(app: EquipshareApp) -> bool:
    return isinstance(app.screen, TrainingScreen) and app.screen.loaded


def errors(app: EquipshareApp) -> list[str]:
    return recorded(app).notified("error")


async def open_training(
    app: EquipshareApp, pilot: Pilot[None], training: TrainingService, actor: str
) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    app.push_screen(TrainingScreen(training, actor))
    await settle(pilot, lambda: ready(app))


async def test_a_technician_records_renews_and_revokes_training(
    context: ServiceContext, training: TrainingService
) -> None:
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_training(app, pilot, training, "tech")
        assert rows(app) == [("erin · WARWICK", RAM, "independent", "Wed 1 Apr 2026", "active")]

        # Record: a username nobody has is refused beside the username field.
        await pilot.press("n")
        form = await shown(pilot, TrainingForm)
        assert form.query_one("#training-instrument", Input).value == RAM  # from the selection
        form.query_one("#training-instrument", Input).value = XPS
        await pilot.press(*"nobody", "enter")
        await settle(pilot, lambda: form.error_text("user") != "")
        assert form.error_text("user") == "no user called 'nobody'"
        assert form.error_text("general") == form.error_text("instrument") == ""
        assert isinstance(app.screen, TrainingForm)

        form.query_one("#training-user", Input).value = "erin"
        form.query_one("#training-expiry", Input).value = "10/13/2026"
        await click_when_ready(pilot, "#training-record")
        await settle(pilot, lambda: form.error_text("expiry") != "")
        assert "write it as 2026-12-16, 16/12/2026, 16 Dec" in form.error_text("expiry")
        assert form.error_text("user") == ""

        form.query_one("#training-expiry", Input).value = "2026-04-10"
        await click_when_ready(pilot, "#training-record")
        await settle(pilot, lambda: ready(app) and len(rows(app)) == 2)
        assert rows(app) == [
            ("erin · WARWICK", RAM, "independent", "Wed 1 Apr 2026", "active"),
            ("erin · WARWICK", XPS, "independent", "Fri 10 Apr 2026", "active"),
        ]
        assert training_words(training.status_for("erin", XPS)) == (
            "trained (independent) until Fri 10 Apr 2026"
        )

        # Renew the Raman training (under the cursor) past the 30-day window.
        await pilot.press("r")
        renewal = await shown(pilot, TrainingPrompt)
        renewal.query_one("#prompt-input", Input).value = "2027-03-31"
        await pilot.press("enter")
        await settle(pilot, lambda: ready(app) and len(rows(app)) == 1)
        assert rows(app)[0][1] == XPS
        assert training_words(training.status_for("erin", RAM)) == (
            "trained (independent) until Wed 31 Mar 2027"
        )

        # Revoke the XPS training: a reason is required, then it leaves the list.
        await pilot.press("x")
        prompt = await shown(pilot, TrainingPrompt)
        await pilot.press("enter")
        await settle(pilot, lambda: prompt.error_text() != "")
        assert prompt.error_text() == "reason: say why the training is revoked"
        prompt.query_one("#prompt-input", Input).value = "unsafe venting"
        await pilot.press("enter")
        await settle(pilot, lambda: ready(app) and rows(app) == [])
        assert training_words(training.status_for("erin", XPS)) == "revoked on Mon 16 Mar 2026"

        # Every record of the facility, revoked ones too, by instrument then user.
        await pilot.press("t")
        await settle(pilot, lambda: ready(app) and not screen_of(app).expiring)
        assert [(r[0], r[1], r[4]) for r in rows(app)] == [
            ("erin · WARWICK", RAM, "active"),
            ("alice · WARWICK", XPS, "active"),
            ("bob · ASTON", XPS, "active"),
            ("carol · SHEF", XPS, "active"),
            ("erin · WARWICK", XPS, "revoked"),
        ]
        assert errors(app) == []

        await pilot.press("escape")
        assert isinstance(app.screen, CatalogueScreen)


async def test_a_researcher_sees_why_and_is_offered_no_changes(
    context: ServiceContext, training: TrainingService
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_training(app, pilot, training, "alice")
        screen = screen_of(app)
        assert rows(app) == []
        assert not screen.may_record
        status = screen.query_one("#training-status", Static).content
        assert "alice may not record training" in str(status)
        keys = set(screen.active_bindings)
        assert "n" not in keys and "x" not in keys and "escape" in keys
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TrainingScreen)


async def test_enter_on_a_record_renews_it_as_r_does(
    context: ServiceContext, training: TrainingService
) -> None:
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_training(app, pilot, training, "tech")
        await pilot.press("enter")  # erin's Raman training
        prompt = await shown(pilot, TrainingPrompt)
        question = str(prompt.query_one("#prompt-question", Static).content)
        assert "erin" in question and RAM in question

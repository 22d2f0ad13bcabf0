"""Dates typed by people (issue 20, clumsy forms): the training expiry, the renewal prompt and
the report period read what the week's g reads (16 Dec, 16/12/2027, tomorrow, a weekday),
not only 2026-12-16, and a refusal lists the forms. Both engines.

The clock is Mon 16 Mar 2026 09:00 UTC; alice's XPS training runs through Fri 31 Dec 2027.
"""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Input, Static

from equipshare.domain.rules.training_rules import training_words
from equipshare.services.people.training import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.reports.report_period import ReportPeriodModal
from equipshare.tui.modals.training.training_form import TrainingForm
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.reports.reports import ReportsScreen
from equipshare.tui.screens.training import TrainingScreen
from tests.conftest import BACKENDS
from tests.support.world import World
from tests.tui.conftest import click_when_ready, recorded, settle, shown
from tests.tui.staff.test_training_renewal import open_renewal

XPS, RAM = "WAR-XPS-01", "WAR-RAM-01"
FORMS = "2026-12-16, 16/12/2026, 16 Dec, 16 Dec 2026, today, tomorrow or a weekday (fri)"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_the_training_form_reads_a_day_and_a_month_s_name(
    context: ServiceContext, world: World
) -> None:
    training = TrainingService(context)
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.push_screen(TrainingScreen(training, "tech"))
        await settle(pilot, lambda: isinstance(app.screen, TrainingScreen) and app.screen.loaded)
        await pilot.press("n")
        form = await shown(pilot, TrainingForm)
        form.query_one("#training-user", Input).value = "erin"
        form.query_one("#training-instrument", Input).value = RAM
        form.query_one("#training-expiry", Input).value = "someday"
        await click_when_ready(pilot, "#training-record")
        await settle(pilot, lambda: form.error_text("expiry") != "")
        assert form.error_text("expiry") == f"expiry: 'someday' is not a date; write it as {FORMS}"

        form.query_one("#training-expiry", Input).value = "1 Mar"  # the next 1 March
        await click_when_ready(pilot, "#training-record")
        await settle(pilot, lambda: isinstance(app.screen, TrainingScreen))
    assert training_words(training.status_for("erin", RAM)) == (
        "trained (independent) until Mon 1 Mar 2027"
    )


@pytest.mark.parametrize(
    ("typed", "until"),
    [
        ("16/12/2027", "Thu 16 Dec 2027"),
        ("tomorrow", "Tue 17 Mar 2026"),
        ("fri", "Fri 20 Mar 2026"),
    ],
)
async def test_the_renewal_prompt_reads_what_g_reads(
    context: ServiceContext, world: World, typed: str, until: str
) -> None:
    training = TrainingService(context)
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        prompt = await open_renewal(app, pilot, training)
        field = prompt.query_one("#prompt-input", Input)
        await settle(pilot, lambda: field.value != "")
        field.value = typed
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TrainingScreen))
    assert training_words(training.status_for("alice", XPS)) == (
        f"trained (independent) until {until}"
    )


async def test_the_report_period_reads_a_month_s_name(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        await pilot.press("R")
        screen = await shown(pilot, ReportsScreen)
        await settle(pilot, lambda: screen.report("utilisation") is not None)
        await pilot.press("p")
        modal = await shown(pilot, ReportPeriodModal)
        modal.query_one("#period-from", Input).value = "31/2"
        await pilot.press("enter")
        error = modal.query_one("#period-error", Static)
        await settle(pilot, lambda: str(error.render()) != "")
        assert str(error.render()) == f"from: '31/2' is not a date; write it as {FORMS}"

        modal.query_one("#period-from", Input).value = "1 Feb"
        modal.query_one("#period-to", Input).value = "yesterday"
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen is screen)
        heading = str(screen.query_one("#reports-period", Static).render())
        assert heading.startswith("1 Feb 2026 to 15 Mar 2026 (Europe/London)")
        assert screen.choice.first_day == date(2026, 2, 1)

"""Institutions screen: admins list, add and edit institutions; a bad value shows by its field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.services.consortium.service import InstitutionService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.administration.institution_form import InstitutionForm
from equipshare.tui.screens.administration.institutions import InstitutionsScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.world import World
from tests.tui.conftest import click_when_ready, recorded, settle, shown


def rows(screen: InstitutionsScreen) -> list[list[str]]:
    table = screen.query_one("#institutions-table", FittedTable)
    return [[str(cell) for cell in table.row_values_at(i)] for i in range(table.row_count)]


def top(app: EquipshareApp) -> Screen[Any]:
    """The screen on top, read afresh (not narrowed by an earlier check)."""
    return app.screen


def status(screen: InstitutionsScreen) -> str:
    return str(screen.query_one("#institutions-status", Static).content)


def trail(database: Database) -> list[tuple[str, dict[str, object] | None]]:
    with database.readonly() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "institution")
            .order_by(AuditEvent.id)
        )
        return [(event.action, event.after) for event in events]


async def open_institutions(
    pilot: Pilot[None], context: ServiceContext, actor: str
) -> InstitutionsScreen:
    app = pilot.app
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    screen = InstitutionsScreen(InstitutionService(context), actor)
    await app.push_screen(screen)
    await settle(pilot, lambda: screen.loaded)
    await pilot.pause()
    return screen


async def test_an_admin_lists_adds_and_edits_institutions(
    context: ServiceContext, world: World, database: Database
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        screen = await open_institutions(pilot, context, "root")
        assert rows(screen) == [
            ["ACME", "Acme Materials Ltd", "industry", "no", "", "0", "1"],
            ["ASTON", "Aston University", "academic", "yes", "", "1", "2"],
            ["SHEF", "University of Sheffield", "academic", "no", "", "0", "1"],
            ["WARWICK", "University of Warwick", "academic", "yes", "", "1", "7"],
        ]
        assert status(screen) == "4 institutions, 2 on partner terms"

        # A bad email domain is refused beside its field, and nothing is written.
        await pilot.press("n")
        form = await shown(pilot, InstitutionForm)
        await pilot.press(*"keele")
        form.query_one("#institution-name", Input).value = "Keele University"
        form.query_one("#institution-partner", Select).value = "yes"
        form.query_one("#institution-domains", Input).value = "keele"
        await click_when_ready(pilot, "#institution-save")
        await settle(pilot, lambda: form.error_text("domains") != "")
        assert form.error_text("domains") == (
            "email domain 'keele' is not a domain such as warwick.ac.uk"
        )
        assert form.error_text("code") == form.error_text("general") == ""
        assert top(app) is form
        assert trail(database) == []

        # A name another institution has is refused beside the name.
        form.query_one("#institution-domains", Input).value = "keele.ac.uk"
        form.query_one("#institution-name", Input).value = "aston university"
        await click_when_ready(pilot, "#institution-save")
        await settle(pilot, lambda: form.error_text("name") != "")
        assert form.error_text("name") == "institution ASTON is already called 'Aston University'"
        assert form.error_text("domains") == ""

        form.query_one("#institution-name", Input).value = "Keele University"
        await click_when_ready(pilot, "#institution-save")
        await settle(pilot, lambda: screen.loaded and len(rows(screen)) == 5)
        assert top(app) is screen
        assert rows(screen)[2] == [
            "KEELE", "Keele University", "academic", "yes", "keele.ac.uk", "0", "0",
        ]  # fmt: skip
        assert screen.selected_code() == "KEELE"
        assert "KEELE: created" in recorded(app).notified("information")
        [(action, after)] = trail(database)
        assert action == "institution.create"
        assert after is not None and after["code"] == "KEELE"

        # Edit the highlighted one: drop partner terms and add a second domain.
        await pilot.press("e")
        form = await shown(pilot, InstitutionForm)
        assert form.query_one("#institution-code", Input).value == "KEELE"
        form.query_one("#institution-partner", Select).value = "no"
        form.query_one("#institution-domains", Input).value = "keele.ac.uk, Keele.com"
        await pilot.press("enter")  # Enter in a field saves
        await settle(pilot, lambda: top(app) is screen and screen.loaded)
        assert rows(screen)[2] == [
            "KEELE", "Keele University", "academic", "no", "keele.ac.uk, keele.com", "0", "0",
        ]  # fmt: skip
        assert (
            "KEELE changed is_partner: True -> False\n"
            "KEELE changed email_domain: keele.ac.uk -> keele.ac.uk,keele.com"
        ) in recorded(app).notified("information")
        assert [action for action, _ in trail(database)] == [
            "institution.create",
            "institution.update",
        ]

        # A code that is taken is refused beside the code on an edit too.
        await pilot.press("e")
        form = await shown(pilot, InstitutionForm)
        form.query_one("#institution-code", Input).value = "aston"
        await click_when_ready(pilot, "#institution-save")
        await settle(pilot, lambda: form.error_text("code") != "")
        assert form.error_text("code") == "institution code ASTON is taken"
        await pilot.press("escape")
        await settle(pilot, lambda: top(app) is screen)
        assert len(trail(database)) == 2


async def test_a_non_admin_is_told_and_offered_no_changes(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        screen = await open_institutions(pilot, context, "mgr")
        assert rows(screen) == []
        refusal = "mgr may not list institutions: that needs an admin"
        assert status(screen) == f"Not shown: {refusal}"
        assert recorded(app).notified("error") == [refusal]
        await pilot.press("n")
        await pilot.press("e")
        await pilot.pause()
        assert top(app) is screen
        assert not screen.may_change


async def test_enter_on_an_institution_edits_it_as_e_does(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_institutions(pilot, context, "root")
        await pilot.press("enter")  # the cursor is on the first: ACME
        form = await shown(pilot, InstitutionForm)
        assert form.query_one("#institution-code", Input).value == "ACME"

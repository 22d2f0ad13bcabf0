"""Users screen: admins page through, search, add, edit, deactivate and reactivate accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import User
from equipshare.services.consortium.service import InstitutionService
from equipshare.services.people.service import AccountService, PeopleService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.administration.user_form import UserForm
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.screens.administration.users import UsersScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.world import World
from tests.tui.conftest import click_when_ready, recorded, settle, shown

WORLD = ["alice", "bob", "carol", "dave", "erin", "gone", "mgr", "otherstaff", "root", "tech",
         "tech2"]  # fmt: skip


def usernames(screen: UsersScreen) -> list[str]:
    table = screen.query_one("#users-table", FittedTable)
    return [str(table.row_values_at(i)[0]) for i in range(table.row_count)]


def row(screen: UsersScreen, username: str) -> list[str]:
    table = screen.query_one("#users-table", FittedTable)
    return [str(cell) for cell in table.row_values(username)]


def status(screen: UsersScreen) -> str:
    return str(screen.query_one("#users-status", Static).content)


def top(app: EquipshareApp) -> Screen[Any]:
    """The screen on top, read afresh (not narrowed by an earlier check)."""
    return app.screen


def user_trail(database: Database) -> list[tuple[str, dict[str, object] | None]]:
    with database.readonly() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "user").order_by(AuditEvent.id)
        )
        return [(event.action, event.after) for event in events]


def stored(database: Database, username: str) -> User | None:
    with database.readonly() as session:
        return session.scalar(select(User).where(User.username == username))


def highlight(screen: UsersScreen, username: str) -> None:
    table: DataTable[str] = screen.query_one("#users-table", DataTable)
    table.move_cursor(row=table.get_row_index(username))


async def open_users(
    pilot: Pilot[None], context: ServiceContext, actor: str, page_size: int = 200
) -> UsersScreen:
    app = pilot.app
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    screen = UsersScreen(
        PeopleService(context), AccountService(context), InstitutionService(context), actor,
        page_size=page_size,
    )  # fmt: skip
    await app.push_screen(screen)
    await settle(pilot, lambda: screen.loaded)
    await pilot.pause()
    return screen


async def test_an_admin_adds_edits_deactivates_and_reactivates_users(
    context: ServiceContext, world: World, database: Database
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        screen = await open_users(pilot, context, "root")
        assert usernames(screen) == WORLD
        assert row(screen, "gone") == [
            "gone", "Gone", "WARWICK", "researcher", "no", "gone@example.ac.uk",
        ]  # fmt: skip
        assert status(screen) == "11 users shown"

        # A bad institution is refused beside its field, and nothing is written.
        await pilot.press("n")
        form = await shown(pilot, UserForm)
        await pilot.press(*"jsmith")
        form.query_one("#user-name", Input).value = "Jo Smith"
        form.query_one("#user-email", Input).value = "j.smith@warwick.ac.uk"
        form.query_one("#user-institution", Input).value = "MARS"
        form.query_one("#user-role", Select).value = "technician"
        await click_when_ready(pilot, "#user-save")
        await settle(pilot, lambda: form.error_text("institution") != "")
        assert form.error_text("institution") == "no institution with code 'MARS'"
        assert form.error_text("username") == form.error_text("general") == ""
        assert top(app) is form
        assert stored(database, "jsmith") is None and user_trail(database) == []

        # So is a bad email address, beside the email.
        form.query_one("#user-institution", Input).value = "warwick"
        form.query_one("#user-email", Input).value = "j.smith"
        await click_when_ready(pilot, "#user-save")
        await settle(pilot, lambda: form.error_text("email") != "")
        assert form.error_text("email").startswith("'j.smith' is not an email")
        assert form.error_text("institution") == ""

        form.query_one("#user-email", Input).value = "j.smith@warwick.ac.uk"
        await click_when_ready(pilot, "#user-save")
        await settle(pilot, lambda: top(app) is screen and "jsmith" in usernames(screen))
        assert row(screen, "jsmith") == [
            "jsmith", "Jo Smith", "WARWICK", "technician", "yes", "j.smith@warwick.ac.uk",
        ]  # fmt: skip
        assert "added jsmith" in recorded(app).notified("information")
        [(action, after)] = user_trail(database)
        assert action == "user.create" and after is not None and after["role"] == "technician"

        # Edit: a new role and institution; the username cannot change.
        highlight(screen, "jsmith")
        await pilot.press("e")
        form = await shown(pilot, UserForm)
        assert form.query_one("#user-username", Input).disabled
        form.query_one("#user-role", Select).value = "facility_manager"
        form.query_one("#user-institution", Input).value = "aston"
        await pilot.press("enter")
        await settle(pilot, lambda: top(app) is screen and row(screen, "jsmith")[2] == "ASTON")
        assert row(screen, "jsmith")[3] == "facility_manager"
        assert "changed jsmith: role, institution" in recorded(app).notified("information")
        assert [a for a, _ in user_trail(database)] == ["user.create", "user.edit"]

        # Deactivate asks first; keeping changes nothing.
        highlight(screen, "alice")
        await pilot.press("d")
        confirm = await shown(pilot, ConfirmModal)
        await pilot.press("escape")
        await settle(pilot, lambda: top(app) is screen)
        alice = stored(database, "alice")
        assert alice is not None and alice.active
        assert confirm.question.startswith("Deactivate alice (")

        await pilot.press("d")
        await shown(pilot, ConfirmModal)
        await click_when_ready(pilot, "#confirm-go")
        await settle(pilot, lambda: row(screen, "alice")[4] == "no")
        alice = stored(database, "alice")
        assert alice is not None and not alice.active
        assert "deactivated alice" in recorded(app).notified("information")

        # Deactivating again is refused here, before the service.
        await pilot.press("d")
        await pilot.pause()
        assert top(app) is screen
        assert "alice is already deactivated" in recorded(app).notified("warning")

        await pilot.press("r")
        await shown(pilot, ConfirmModal)
        await click_when_ready(pilot, "#confirm-go")
        await settle(pilot, lambda: row(screen, "alice")[4] == "yes")
        alice = stored(database, "alice")
        assert alice is not None and alice.active
        assert [a for a, _ in user_trail(database)][2:] == ["user.deactivate", "user.reactivate"]


async def test_the_last_admin_is_not_deactivated_and_the_refusal_is_shown(
    context: ServiceContext, world: World, database: Database
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        screen = await open_users(pilot, context, "root")
        highlight(screen, "root")
        await pilot.press("d")
        await shown(pilot, ConfirmModal)
        await click_when_ready(pilot, "#confirm-go")
        await settle(pilot, lambda: bool(recorded(app).notified("error")))
        [refusal] = recorded(app).notified("error")
        assert "would leave no active admin" in refusal
        assert row(screen, "root")[4] == "yes"
        root = stored(database, "root")
        assert root is not None and root.active


async def test_users_page_past_the_first_page_and_search_starts_over(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        UsersScreen.PREFETCH_ROWS, saved = 1, UsersScreen.PREFETCH_ROWS
        try:
            screen = await open_users(pilot, context, "root", page_size=4)
            assert usernames(screen) == WORLD[:4]
            assert status(screen) == "4 users shown; more load as you move down"
            await pilot.press("down", "down", "down")  # onto the last loaded row
            await settle(pilot, lambda: len(usernames(screen)) == 8)
            assert usernames(screen) == WORLD[:8]
            await pilot.press(*["down"] * 4)
            await settle(pilot, lambda: screen.next_after is None)
            assert usernames(screen) == WORLD
            assert status(screen) == "11 users shown"

            # Searching starts again from the first page of what matches.
            await pilot.press("slash", *"TECH")
            await settle(pilot, lambda: usernames(screen) == ["tech", "tech2"])
            screen.query_one("#users-active", Select).value = "no"
            await settle(pilot, lambda: usernames(screen) == [])
            assert status(screen) == "No users match."
            screen.query_one("#users-search", Input).value = ""
            await settle(pilot, lambda: usernames(screen) == ["gone"])
            screen.query_one("#users-active", Select).clear()
            screen.query_one("#users-institution", Select).value = "ASTON"
            await settle(pilot, lambda: usernames(screen) == ["bob", "otherstaff"])
        finally:
            UsersScreen.PREFETCH_ROWS = saved


async def test_a_non_admin_is_told_and_offered_no_changes(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        screen = await open_users(pilot, context, "mgr")
        refusal = "mgr may not list users: that needs an admin"
        assert usernames(screen) == []
        assert status(screen) == f"Not shown: {refusal}"
        assert recorded(app).notified("error") == [refusal]
        await pilot.press("n", "e", "d", "r")
        await pilot.pause()
        assert top(app) is screen and not screen.may_change


async def test_a_refused_search_empties_the_list_and_says_why(
    context: ServiceContext, world: World
) -> None:
    """A search past the limit shows the refusal, never the last search's rows (issue 17)."""
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        screen = await open_users(pilot, context, "root")
        search = screen.query_one("#users-search", Input)
        await pilot.press("slash", *"tech")
        await settle(pilot, lambda: usernames(screen) == ["tech", "tech2"])
        search.value = "tech" + "h" * 300
        await settle(pilot, lambda: status(screen).startswith("Not shown"))
        assert usernames(screen) == [] and screen.users == {}
        assert status(screen) == "Not shown: search: at most 200 characters, not 304"
        assert search.has_class("-invalid") and screen.may_change
        search.value = "tech2"
        await settle(pilot, lambda: usernames(screen) == ["tech2"])
        assert not search.has_class("-invalid") and status(screen) == "1 user shown"


async def test_enter_on_an_account_edits_it_as_e_does(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        screen = await open_users(pilot, context, "root")
        highlight(screen, "carol")
        await pilot.press("enter")
        form = await shown(pilot, UserForm)
        assert form.query_one("#user-username", Input).value == "carol"

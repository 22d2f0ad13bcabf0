"""Facilities screen: admins add and edit facilities; admins and a facility's managers its staff.

The world has WARWICK's WAR-PRP (mgr its manager, tech and tech2 its technicians) and
ASTON's AST-EM (otherstaff its technician); root is the admin, alice a researcher.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import Facility
from equipshare.domain.enums import StaffRole
from equipshare.services.consortium.service import FacilityService, StaffService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.account.technician_profile import ProfileDialog
from equipshare.tui.modals.administration.facility_form import FacilityForm
from equipshare.tui.modals.administration.staff_form import StaffForm
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.screens.administration.facilities import FacilitiesScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.history import HistoryScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.world import World
from tests.tui.conftest import click_when_ready, recorded, settle, shown

PRP, AST = "WAR-PRP", "AST-EM"


def screen_of(app: EquipshareApp) -> FacilitiesScreen:
    assert isinstance(app.screen, FacilitiesScreen)
    return app.screen


def rows(app: EquipshareApp, table: str) -> list[tuple[str, ...]]:
    found = screen_of(app).query_one(f"#{table}-table", FittedTable)
    return [tuple(str(cell) for cell in found.row_values_at(i)) for i in range(found.row_count)]


def staff_rows(app: EquipshareApp) -> list[tuple[str, str]]:
    """(username, role) of each member shown."""
    return [(row[0], row[2]) for row in rows(app, "staff")]


def staff_shown(app: EquipshareApp, code: str) -> bool:
    screen = app.screen
    return isinstance(screen, FacilitiesScreen) and screen.loaded and screen.staff_of == code


def audit_actions(context: ServiceContext) -> list[str]:
    with context.database.readonly() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def facility_row(context: ServiceContext, code: str) -> dict[str, Any] | None:
    with context.database.readonly() as session:
        row = session.scalars(select(Facility).where(Facility.code == code)).one_or_none()
        if row is None:
            return None
        return {"name": row.name, "building": row.building, "timezone": row.timezone}


async def open_facilities(app: EquipshareApp, pilot: Pilot[None], actor: str) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    app.push_screen(
        FacilitiesScreen(FacilityService(app.context), StaffService(app.context), actor)
    )
    # Facilities are listed by code, so the cursor starts on AST-EM.
    await settle(pilot, lambda: staff_shown(app, AST))


async def go_to(app: EquipshareApp, pilot: Pilot[None], code: str) -> None:
    table = screen_of(app).query_one("#facilities-table", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(code))
    await settle(pilot, lambda: staff_shown(app, code))


async def add_staff(
    app: EquipshareApp, pilot: Pilot[None], username: str, role: StaffRole
) -> StaffForm:
    await pilot.press("s")
    form = await shown(pilot, StaffForm)
    form.query_one("#staff-role", Select).value = role
    form.query_one("#staff-user", Input).value = username
    await pilot.press("enter")
    return form


async def test_lists_facilities_and_the_staff_of_the_highlighted_one(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await open_facilities(app, pilot, "root")
        assert [row[:3] + row[5:] for row in rows(app, "facilities")] == [
            (AST, "Aston Electron Microscopy", "ASTON", "Europe/London", "",
             "time booked; 50% if cancelled within 24 h"),
            (PRP, "Warwick Photoemission RTP", "WARWICK", "Europe/London", "",
             "time booked; 50% if cancelled within 24 h"),
        ]  # fmt: skip
        assert staff_rows(app) == [("otherstaff", "technician")]

        await pilot.press("down")
        await settle(pilot, lambda: staff_shown(app, PRP))
        assert staff_rows(app) == [("mgr", "manager"), ("tech", "technician"),
                                   ("tech2", "technician")]  # fmt: skip
        title = screen_of(app).query_one("#staff-title", Static).content
        assert str(title) == f"Staff of {PRP}  Warwick Photoemission RTP"
        detail = screen_of(app).query_one("#facility-detail", Static).content
        assert str(detail) == (
            f"{PRP} (University of Warwick)  ·  times in Europe/London  ·  charges time booked; "
            "50% if cancelled within 24 h  ·  4 instruments"
        )


async def test_an_admin_adds_a_facility_refused_beside_a_bad_field_first(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(120, 40), message_hook=recorded(app)) as pilot:
        await open_facilities(app, pilot, "root")
        before = audit_actions(context)

        await pilot.press("n")
        form = await shown(pilot, FacilityForm)
        for field, value in [
            ("code", "WAR-EM"),
            ("name", "Warwick Electron Microscopy"),
            ("institution", "warwick"),
            ("building", "Physical Sciences"),
            ("timezone", "Mars/Olympus"),
            ("email", "em@warwick.ac.uk"),
        ]:
            form.query_one(f"#facility-{field}", Input).value = value
        await click_when_ready(pilot, "#facility-save")
        await settle(pilot, lambda: form.error_text("timezone") != "")
        assert "Mars/Olympus" in form.error_text("timezone")
        assert form.error_text("general") == form.error_text("code") == ""
        assert form.query_one("#facility-timezone", Input).has_focus
        assert isinstance(app.screen, FacilityForm)

        # An unknown institution shows beside its own field, and clears the first error.
        form.query_one("#facility-timezone", Input).value = "Europe/London"
        form.query_one("#facility-institution", Input).value = "NOWHERE"
        await click_when_ready(pilot, "#facility-save")
        await settle(pilot, lambda: form.error_text("institution") != "")
        assert form.error_text("institution") == "no institution with code 'NOWHERE'"
        assert form.error_text("timezone") == ""
        assert facility_row(context, "WAR-EM") is None
        assert audit_actions(context) == before

        form.query_one("#facility-institution", Input).value = "warwick"
        await click_when_ready(pilot, "#facility-save")
        await settle(pilot, lambda: screen_of(app).loaded and len(rows(app, "facilities")) == 3)
        assert rows(app, "facilities")[1][:5] == (
            "WAR-EM", "Warwick Electron Microscopy", "WARWICK", "", "Physical Sciences",
        )  # fmt: skip
        # The cursor follows the new facility, whose staff is empty.
        await settle(pilot, lambda: staff_shown(app, "WAR-EM"))
        assert staff_rows(app) == []
        assert "Added facility WAR-EM  Warwick Electron Microscopy" in recorded(app).notified(
            "information"
        )
        assert audit_actions(context) == [*before, "facility.create"]


async def test_an_admin_edits_a_facility(context: ServiceContext, world: World) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(120, 40), message_hook=recorded(app)) as pilot:
        await open_facilities(app, pilot, "root")
        await go_to(app, pilot, PRP)
        await pilot.press("e")
        form = await shown(pilot, FacilityForm)
        assert form.query_one("#facility-code", Input).value == PRP
        assert form.query_one("#facility-institution", Input).value == "WARWICK"
        form.query_one("#facility-email", Input).value = "not an address"
        await click_when_ready(pilot, "#facility-save")
        await settle(pilot, lambda: form.error_text("email") != "")
        assert form.error_text("email") == "'not an address' is not an email address"

        form.query_one("#facility-email", Input).value = ""
        form.query_one("#facility-building", Input).value = "Millburn House"
        form.query_one("#facility-timezone", Input).value = "Europe/Paris"
        await click_when_ready(pilot, "#facility-save")
        await settle(pilot, lambda: staff_shown(app, PRP) and rows(app, "facilities")[1][4] != "")
        assert rows(app, "facilities")[1][4:6] == ("Millburn House", "Europe/Paris")
        assert facility_row(context, PRP) == {
            "name": "Warwick Photoemission RTP",
            "building": "Millburn House",
            "timezone": "Europe/Paris",
        }
        assert f"{PRP}: changed building, timezone" in recorded(app).notified("information")
        assert audit_actions(context)[-1] == "facility.update"

        # Whether staff hear of a user's cancellation is a facility setting too.
        await pilot.press("e")
        form = await shown(pilot, FacilityForm)
        notify = form.query_one("#facility-notify", Checkbox)
        assert notify.value is True
        notify.value = False
        await click_when_ready(pilot, "#facility-save")
        await settle(
            pilot,
            lambda: (
                f"{PRP}: changed notify_staff_on_cancel" in recorded(app).notified("information")
            ),
        )
        facility = FacilityService(context).show("root", PRP)
        assert facility.notify_staff_on_cancel is False

        # h reads the facility's audit trail, the edit among it.
        await pilot.press("h")
        history = await shown(pilot, HistoryScreen)
        await settle(pilot, lambda: history.loaded)
        table = history.query_one("#history-table", FittedTable)
        assert [str(cell) for cell in table.row_values_at(0)][1:] == [
            "root", "facility.update", f"facility:{PRP}", "notify_staff_on_cancel: True -> False",
        ]  # fmt: skip
        assert [str(cell) for cell in table.row_values_at(1)][1:] == [
            "root", "facility.update", f"facility:{PRP}",
            "building: - -> Millburn House; timezone: Europe/London -> Europe/Paris",
        ]  # fmt: skip


async def test_an_admin_adds_a_manager_and_a_technician_then_removes_one(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(120, 40), message_hook=recorded(app)) as pilot:
        await open_facilities(app, pilot, "root")  # on AST-EM

        form = await add_staff(app, pilot, "nobody", StaffRole.MANAGER)
        await settle(pilot, lambda: form.error_text("user") != "")
        assert form.error_text("user") == "no user called 'nobody'"
        form.query_one("#staff-user", Input).value = "bob"
        await click_when_ready(pilot, "#staff-save")
        await settle(pilot, lambda: staff_shown(app, AST) and len(staff_rows(app)) == 2)

        await add_staff(app, pilot, "carol", StaffRole.TECHNICIAN)
        await settle(pilot, lambda: staff_shown(app, AST) and len(staff_rows(app)) == 3)
        assert staff_rows(app) == [("bob", "manager"), ("carol", "technician"),
                                   ("otherstaff", "technician")]  # fmt: skip
        notes = recorded(app).notified("information")
        assert "bob added to AST-EM as manager" in notes
        assert "carol added to AST-EM as technician" in notes
        assert audit_actions(context)[-2:] == ["facility_staff.add", "facility_staff.add"]
        staff = StaffService(context)
        assert [(m.username, m.role) for m in staff.list("root", AST)][:2] == [
            ("bob", StaffRole.MANAGER), ("carol", StaffRole.TECHNICIAN),
        ]  # fmt: skip

        # Remove carol: asked first; keeping her changes nothing, removing takes her off.
        staff_table = screen_of(app).query_one("#staff-table", DataTable)
        staff_table.focus()
        staff_table.move_cursor(row=1)
        await pilot.press("x")
        question = await shown(pilot, ConfirmModal)
        assert question.question.startswith("Remove carol (Carol) from AST-EM?")
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, FacilitiesScreen))
        assert len(staff_rows(app)) == 3

        staff_table.move_cursor(row=1)
        await pilot.press("x")
        await shown(pilot, ConfirmModal)
        await click_when_ready(pilot, "#confirm-go")
        await settle(pilot, lambda: staff_shown(app, AST) and len(staff_rows(app)) == 2)
        assert staff_rows(app) == [("bob", "manager"), ("otherstaff", "technician")]
        assert "carol removed from AST-EM (was technician)" in recorded(app).notified("information")
        assert audit_actions(context)[-1] == "facility_staff.remove"

        # An admin may take away the last manager; the question says what follows.
        staff_table.move_cursor(row=0)
        await pilot.press("x")
        question = await shown(pilot, ConfirmModal)
        note = (
            "AST-EM has no manager now: its technicians approve its bookings until an admin "
            "adds one"
        )
        assert question.note == f"Note: {note}"
        await click_when_ready(pilot, "#confirm-go")
        await settle(pilot, lambda: staff_shown(app, AST) and len(staff_rows(app)) == 1)
        assert f"note: {note}" in recorded(app).notified("warning")


async def refused_at_the_key(app: EquipshareApp, pilot: Pilot[None], key: str) -> str:
    """Press `key`; it opens nothing and says why as a warning, which this returns."""
    warned = len(recorded(app).notified("warning"))
    await pilot.press(key)
    await settle(pilot, lambda: len(recorded(app).notified("warning")) > warned)
    assert isinstance(app.screen, FacilitiesScreen)
    return recorded(app).notified("warning")[-1]


async def test_a_manager_changes_their_own_facilitys_staff_but_no_other(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(120, 40), message_hook=recorded(app)) as pilot:
        await open_facilities(app, pilot, "mgr")
        # Another facility's staff, and adding or editing facilities: refused as the key is
        # pressed, before any form, and left out of the footer.
        before = audit_actions(context)
        assert await refused_at_the_key(app, pilot, "s") == (
            "AST-EM's staff is changed by its managers and admins; mgr is neither"
        )
        screen_of(app).query_one("#staff-table", DataTable).focus()
        assert (await refused_at_the_key(app, pilot, "x")).startswith("AST-EM's staff")
        screen_of(app).query_one("#facilities-table", DataTable).focus()
        for key in "ne":
            assert await refused_at_the_key(app, pilot, key) == (
                "Facilities are added and edited by admins; mgr is not one"
            )
        footer = {b.binding.action for b in screen_of(app).active_bindings.values()}
        assert not footer & {"add", "edit", "add_staff", "remove_staff"}
        assert audit_actions(context) == before

        # Their own facility: add a technician, then take them off again.
        await settle(pilot, lambda: isinstance(app.screen, FacilitiesScreen))
        await go_to(app, pilot, PRP)
        await add_staff(app, pilot, "alice", StaffRole.TECHNICIAN)
        await settle(pilot, lambda: staff_shown(app, PRP) and len(staff_rows(app)) == 4)
        assert ("alice", "technician") in staff_rows(app)
        staff_table = screen_of(app).query_one("#staff-table", DataTable)
        staff_table.focus()
        staff_table.move_cursor(row=staff_table.get_row_index("alice"))
        await pilot.press("x")
        await shown(pilot, ConfirmModal)
        await click_when_ready(pilot, "#confirm-go")
        await settle(pilot, lambda: staff_shown(app, PRP) and len(staff_rows(app)) == 3)
        assert audit_actions(context)[-2:] == ["facility_staff.add", "facility_staff.remove"]

        # Their own last manager's place: refused before any question is asked.
        staff_table.move_cursor(row=staff_table.get_row_index("mgr"))
        await pilot.press("x")
        await settle(pilot, lambda: len(recorded(app).notified("error")) == 1)
        assert recorded(app).notified("error")[0] == (
            "mgr is the last manager of WAR-PRP: add another manager first, "
            "or ask an admin to remove them"
        )


async def test_a_researcher_sees_facilities_but_changes_nothing(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(120, 40), message_hook=recorded(app)) as pilot:
        await open_facilities(app, pilot, "alice")
        assert len(rows(app, "facilities")) == 2
        before = audit_actions(context)
        assert (await refused_at_the_key(app, pilot, "s")).startswith("AST-EM's staff")
        assert await refused_at_the_key(app, pilot, "e") == (
            "Facilities are added and edited by admins; alice is not one"
        )
        assert await refused_at_the_key(app, pilot, "enter") == (
            "Facilities are added and edited by admins; alice is not one"
        )  # Enter on a row is its e
        assert audit_actions(context) == before


async def test_enter_edits_a_facility_and_opens_a_staff_members_profile(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(120, 40), message_hook=recorded(app)) as pilot:
        await open_facilities(app, pilot, "root")
        await pilot.press("enter")  # on AST-EM: its e
        form = await shown(pilot, FacilityForm)
        assert form.query_one("#facility-code", Input).value == AST
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, FacilitiesScreen))
        screen_of(app).query_one("#staff-table", DataTable).focus()
        await pilot.press("enter")  # on otherstaff: their profile, as p
        dialog = await shown(pilot, ProfileDialog)
        assert dialog.username == "otherstaff"

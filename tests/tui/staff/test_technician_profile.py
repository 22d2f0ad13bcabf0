"""The credit profile dialog: a technician opens their own (P, or the palette) and saves
it, a mistyped or taken ORCID iD refused beside its field; a manager opens a technician's
from the Facilities screen's staff list (p); a colleague sees it read only.

The world has WARWICK's WAR-PRP (mgr its manager, tech and tech2 its technicians) and
ASTON's AST-EM (otherstaff its technician); alice is a researcher.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DataTable, Input, Static

from equipshare.domain.inputs.technician_profiles import ProfileChanges
from equipshare.domain.records.impact.credit import UNNAMED_STAFF
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.technicians.service import TechnicianProfileService
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.account.technician_profile import ProfileDialog
from equipshare.tui.screens.administration.facilities import FacilitiesScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from tests.support.world import World
from tests.tui.administration.test_facilities import PRP, go_to, open_facilities, rows
from tests.tui.conftest import recorded, settle, shown

ORCID = "0000-0002-1825-0097"


async def loaded(pilot: Pilot[None]) -> ProfileDialog:
    dialog = await shown(pilot, ProfileDialog)
    await settle(pilot, lambda: dialog.view is not None or bool(dialog.error_text("general")))
    return dialog


def field(dialog: ProfileDialog, name: str) -> Input:
    return dialog.query_one(f"#profile-{name}", Input)


async def open_own(app: EquipshareApp, pilot: Pilot[None]) -> ProfileDialog:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
    app.screen.query_one("#catalogue-table").focus()
    await pilot.press("P")
    return await loaded(pilot)


async def test_a_technician_edits_their_own_profile_refusals_beside_the_field(
    context: ServiceContext, world: World
) -> None:
    TechnicianProfileService(context).edit("tech2", ProfileChanges(orcid=ORCID), actor="tech2")
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        dialog = await open_own(app, pilot)
        about = str(dialog.query_one("#profile-about", Static).content)
        assert about.startswith("Tech (tech), technician of WAR-PRP")
        assert 'Acknowledgements print: "Tech"' in about
        assert field(dialog, "credit-name").value == "" and not field(dialog, "orcid").disabled
        field(dialog, "credit-name").value = "Dr Tess Echnician"
        field(dialog, "job-title").value = "Senior XPS technician"
        field(dialog, "orcid").value = "0000-0002-1825-0098"  # last digit mistyped
        await pilot.click("#profile-save")
        await settle(pilot, lambda: bool(dialog.error_text("orcid")))
        assert "fails the ORCID check digit" in dialog.error_text("orcid")
        assert dialog.error_text("general") == "" and app.screen is dialog
        assert dialog.focused is field(dialog, "orcid")  # the cursor goes to the field at fault
        field(dialog, "orcid").value = ORCID  # tech2's iD
        await pilot.press("enter")
        await settle(pilot, lambda: "already on another" in dialog.error_text("orcid"))
        profiles = TechnicianProfileService(context)
        assert profiles.show("tech", actor="tech").profile.credit_name == ""  # nothing written
        field(dialog, "orcid").value = "https://orcid.org/0000-0000-0000-4029"
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        saved = profiles.show("tech", actor="tech").profile
        assert (saved.credit_name, saved.job_title, saved.orcid) == (
            "Dr Tess Echnician", "Senior XPS technician", "0000-0000-0000-4029",
        )  # fmt: skip
        assert "Saved tech's profile: credit name, orcid, job title" in recorded(app).notified(
            "information"
        )
        titles = [c.title for c in app.get_system_commands(app.screen)]  # type: ignore[arg-type]
        assert "Profile" in titles


async def test_a_researcher_has_no_profile_key_or_palette_entry(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await app.workers.wait_for_complete()
        app.screen.query_one("#catalogue-table").focus()
        await pilot.press("P")
        await settle(pilot, lambda: bool(recorded(app).notified("warning")))
        assert recorded(app).notified("warning") == [
            "Profile is for facility staff and admins; alice is neither"
        ]
        assert isinstance(app.screen, CatalogueScreen)
        titles = [c.title for c in app.get_system_commands(app.screen)]  # type: ignore[arg-type]
        assert "Profile" not in titles


def credited(app: EquipshareApp) -> dict[str, str]:
    """Each staff member shown, with their "Credited as" cell."""
    return {row[0]: row[3] for row in rows(app, "staff")}


async def open_member(
    app: EquipshareApp, pilot: Pilot[None], actor: str, who: str
) -> ProfileDialog:
    await open_facilities(app, pilot, actor)
    await go_to(app, pilot, PRP)
    screen = app.screen
    assert isinstance(screen, FacilitiesScreen)
    staff = screen.query_one("#staff-table", DataTable)
    staff.focus()
    staff.move_cursor(row=staff.get_row_index(who))
    await pilot.press("p")
    return await loaded(pilot)


async def test_a_manager_opts_a_technician_out_from_the_facilities_staff_list(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(120, 34), message_hook=recorded(app)) as pilot:
        dialog = await open_member(app, pilot, "mgr", "tech2")
        assert dialog.username == "tech2" and dialog.query_one("#profile-save", Button).display
        named = dialog.query_one("#profile-named", Checkbox)
        assert named.value and not named.disabled
        named.value = False
        field(dialog, "expertise").value = "Raman, AFM"
        await pilot.click("#profile-save")
        await settle(pilot, lambda: isinstance(app.screen, FacilitiesScreen))
        # The staff list says how each is credited, tech2 now unnamed.
        await settle(pilot, lambda: credited(app).get("tech2") == UNNAMED_STAFF)
        assert credited(app)["tech"] == "Tech"
    view = TechnicianProfileService(context).show("tech2", actor="tech2")
    assert (view.profile.named, view.profile.printed_name, view.updated_by) == (
        False, UNNAMED_STAFF, "mgr",
    )  # fmt: skip
    assert view.profile.expertise == "Raman, AFM"


async def test_a_colleague_sees_a_profile_read_only_and_an_outsider_is_refused(
    context: ServiceContext, world: World
) -> None:
    TechnicianProfileService(context).edit(
        "tech", ProfileChanges(credit_name="Dr Tess Echnician"), actor="tech"
    )
    app = EquipshareApp(context, "tech2")
    async with app.run_test(size=(120, 34), message_hook=recorded(app)) as pilot:
        dialog = await open_member(app, pilot, "tech2", "tech")
        assert field(dialog, "credit-name").value == "Dr Tess Echnician"
        assert all(field(dialog, name).disabled for name in ("credit-name", "orcid"))
        assert not dialog.query_one("#profile-save", Button).display
        assert "Read only" in str(dialog.query_one("#profile-about", Static).content)
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, FacilitiesScreen))
    app = EquipshareApp(context, "otherstaff")
    async with app.run_test(size=(120, 34), message_hook=recorded(app)) as pilot:
        dialog = await open_member(app, pilot, "otherstaff", "tech")
        assert dialog.error_text("general").startswith("otherstaff may not see tech's profile")
        assert field(dialog, "credit-name").value == "" and field(dialog, "credit-name").disabled

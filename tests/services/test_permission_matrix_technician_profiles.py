"""The permission matrix for technicians' profiles: seeing and changing one's own, a
colleague's, another facility's technician's and a researcher's, and listing a
facility's staff with theirs.

Every person of the test world, with a deactivated admin and a deactivated manager,
tries each action through TechnicianProfileService on SQLite and PostgreSQL. A refusal
leaves every table as it was; a change writes exactly its audit event, a read nothing.
"""

from __future__ import annotations

import pytest

from equipshare.domain.enums import Role, StaffRole
from equipshare.domain.inputs.technician_profiles import ProfileChanges
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.technicians.service import TechnicianProfileService
from tests.support.permission_matrix import (
    ASTON_MANAGERS,
    PEOPLE,
    WARWICK_MANAGERS,
    WARWICK_STAFF,
    add_retired_staff,
    add_staff,
    add_user,
    each_person,
    fresh_user,
    numbered,
)
from tests.support.world import World

EDITED = ["technician_profile.edit"]
# Staff edit their own; a researcher (or an admin with no post) has no profile to edit.
OWN_PROFILE = {
    "alice": "refused",
    "erin": "refused",
    "bob": "refused",
    "carol": "refused",
    "dave": "refused",
    "tech": "ok",
    "tech2": "ok",
    "mgr": "ok",
    "otherstaff": "ok",
    "root": "refused",  # an admin who works at no facility is credited as no technician
    "gone": "refused",
    "exroot": "refused",
    "exmgr": "denied",  # still staff, but a deactivated account changes nothing
}


@pytest.fixture
def everyone(context: ServiceContext, world: World) -> World:
    add_retired_staff(context.database, world)
    return world


def fresh_technician(context: ServiceContext, world: World, name: str, facility: str) -> str:
    add_user(context.database, world, name, role=Role.TECHNICIAN)
    add_staff(context.database, world, name, facility, StaffRole.TECHNICIAN)
    return name


def test_edit_ones_own_profile(context: ServiceContext, everyone: World) -> None:
    profiles = TechnicianProfileService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: profiles.edit(who, ProfileChanges(credit_name=f"Name {n}"), actor=who),
        writes=EDITED,
    )
    assert observed == OWN_PROFILE


def test_edit_a_technician_of_ones_facility(context: ServiceContext, everyone: World) -> None:
    profiles = TechnicianProfileService(context)
    observed = each_person(
        context,
        lambda n: fresh_technician(context, everyone, f"wartech{n}", "WAR-PRP"),
        lambda who, tech: profiles.edit(tech, ProfileChanges(job_title="Senior"), actor=who),
        writes=EDITED,
    )
    assert observed == WARWICK_MANAGERS  # a colleague technician may look, not change


def test_edit_a_technician_of_another_facility(context: ServiceContext, everyone: World) -> None:
    profiles = TechnicianProfileService(context)
    observed = each_person(
        context,
        lambda n: fresh_technician(context, everyone, f"asttech{n}", "AST-EM"),
        lambda who, tech: profiles.edit(tech, ProfileChanges(named=False), actor=who),
        writes=EDITED,
    )
    assert observed == ASTON_MANAGERS


def test_nobody_edits_a_researchers_profile(context: ServiceContext, everyone: World) -> None:
    profiles = TechnicianProfileService(context)
    observed = each_person(
        context,
        lambda n: fresh_user(context.database, everyone, f"researcher{n}"),
        lambda who, user: profiles.edit(user, ProfileChanges(expertise="XPS"), actor=who),
    )
    assert observed == dict.fromkeys(PEOPLE, "refused")


def test_see_a_technicians_profile(context: ServiceContext, everyone: World) -> None:
    profiles = TechnicianProfileService(context)
    observed = each_person(
        context,
        lambda n: fresh_technician(context, everyone, f"seen{n}", "WAR-PRP"),
        lambda who, tech: profiles.show(tech, actor=who),
        shown=lambda view: "may edit" if view.editable else "read only",
    )
    assert observed == {
        who: {"ok": "ok: may edit" if who in ("mgr", "root") else "ok: read only"}.get(got, got)
        for who, got in WARWICK_STAFF.items()
    }


def test_list_a_facilitys_staff_profiles(context: ServiceContext, everyone: World) -> None:
    profiles = TechnicianProfileService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: profiles.facility_staff("WAR-PRP", actor=who),
        shown=lambda views: ",".join(
            v.profile.username + ("*" if v.editable else "") for v in views
        ),
    )
    assert observed == {
        "alice": "denied", "erin": "denied", "bob": "denied", "carol": "denied",
        "dave": "denied", "otherstaff": "denied", "gone": "denied", "exroot": "denied",
        "exmgr": "denied",
        # managers first, then by name; a deactivated manager stays listed (their past work
        # is still credited)
        "mgr": "ok: exmgr*,mgr*,tech*,tech2*",
        "tech": "ok: exmgr,mgr,tech*,tech2",
        "tech2": "ok: exmgr,mgr,tech,tech2*",
        "root": "ok: exmgr*,mgr*,tech*,tech2*",
    }  # fmt: skip

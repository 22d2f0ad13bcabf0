"""The permission matrix for running the consortium: institutions, facilities and users.

Every person of the test world, with a deactivated admin and a deactivated manager,
tries each action through the real services on SQLite and PostgreSQL; the outcomes must
equal the tables, here and in tests/support/permission_matrix.py. A refusal leaves every
table as it was; a success writes exactly its audit event.
"""

from __future__ import annotations

import pytest

from equipshare.domain.enums import InstitutionSector, Role
from equipshare.services.consortium.service import FacilityService, InstitutionService
from equipshare.services.people.service import AccountService, PeopleService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.permission_matrix import (
    ADMINS_ONLY,
    add_retired_staff,
    each_person,
    fresh_user,
    numbered,
)
from tests.support.world import World

# The consortium's facilities are public, as the catalogue is: any account may read them.
ANY_ACCOUNT = {
    "alice": "ok",
    "erin": "ok",
    "bob": "ok",
    "carol": "ok",
    "dave": "ok",
    "tech": "ok",
    "tech2": "ok",
    "mgr": "ok",
    "otherstaff": "ok",
    "root": "ok",
    "gone": "ok",
    "exroot": "ok",
    "exmgr": "ok",
}


@pytest.fixture
def everyone(context: ServiceContext, world: World) -> World:
    add_retired_staff(context.database, world)
    return world


# -- institutions ------------------------------------------------------------------------


def test_add_institution(context: ServiceContext, everyone: World) -> None:
    service = InstitutionService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.add(
            who, f"NEWU{n}", f"New University {n}", InstitutionSector.ACADEMIC, is_partner=True
        ),
        writes=["institution.create"],
    )
    assert observed == ADMINS_ONLY


def test_edit_institution(context: ServiceContext, everyone: World) -> None:
    service = InstitutionService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.edit(who, "SHEF", name=f"Sheffield {n}", is_partner=n % 2 == 0),
        writes=["institution.update"],
    )
    assert observed == ADMINS_ONLY


def test_list_institutions(context: ServiceContext, everyone: World) -> None:
    service = InstitutionService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.list(who),
        shown=lambda rows: " ".join(r.code for r in rows),
    )
    assert observed == {
        who: "ok: ACME ASTON SHEF WARWICK" if result == "ok" else result
        for who, result in ADMINS_ONLY.items()
    }


# -- facilities --------------------------------------------------------------------------


def test_add_facility(context: ServiceContext, everyone: World) -> None:
    service = FacilityService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.add(who, f"WAR-NEW-{n}", f"New facility {n}", "WARWICK"),
        writes=["facility.create"],
    )
    assert observed == ADMINS_ONLY


def test_edit_facility(context: ServiceContext, everyone: World) -> None:
    # Not even its own manager: a facility's name, home and zone are the consortium's.
    service = FacilityService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.edit(who, "WAR-PRP", building=f"Building {n}"),
        writes=["facility.update"],
    )
    assert observed == ADMINS_ONLY


def test_edit_another_institutions_facility(context: ServiceContext, everyone: World) -> None:
    service = FacilityService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.edit(who, "AST-EM", department=f"Department {n}"),
        writes=["facility.update"],
    )
    assert observed == ADMINS_ONLY


def test_list_facilities(context: ServiceContext, everyone: World) -> None:
    service = FacilityService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.list(who),
        shown=lambda rows: " ".join(r.code for r in rows),
    )
    assert observed == {who: "ok: AST-EM WAR-PRP" for who in ANY_ACCOUNT}


def test_show_facility(context: ServiceContext, everyone: World) -> None:
    service = FacilityService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.show(who, "WAR-PRP"),
        shown=lambda record: f"{record.managers} {record.technicians}",
    )
    staff = "('exmgr', 'mgr') ('tech', 'tech2')"
    assert observed == {who: f"ok: {staff}" for who in ANY_ACCOUNT}


# -- users -------------------------------------------------------------------------------


def test_add_user(context: ServiceContext, everyone: World) -> None:
    service = AccountService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.add(
            who, f"newcomer{n}", name=f"Newcomer {n}", email=None, institution="WARWICK"
        ),
        writes=["user.create"],
    )
    assert observed == ADMINS_ONLY


def test_import_users(context: ServiceContext, everyone: World) -> None:
    service = PeopleService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.import_users(
            who, f"username,name,institution\nsheet{n},Sheet {n},ASTON\n".encode(), "people.csv"
        ),
        writes=["user.import"],
    )
    assert observed == ADMINS_ONLY


def test_edit_user(context: ServiceContext, everyone: World) -> None:
    service = AccountService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.edit(who, "alice", name=f"Alice {n}"),
        writes=["user.edit"],
    )
    assert observed == ADMINS_ONLY


def test_nobody_makes_themselves_an_admin(context: ServiceContext, everyone: World) -> None:
    # root is one already, so the change changes nothing and writes nothing.
    service = AccountService(context)
    observed = each_person(
        context, numbered, lambda who, _: service.edit(who, who, role=Role.ADMIN), writes=()
    )
    assert observed == ADMINS_ONLY


def test_deactivate_user(context: ServiceContext, everyone: World) -> None:
    database = context.database
    service = PeopleService(context)
    observed = each_person(
        context,
        lambda n: fresh_user(database, everyone, f"leaver{n}"),
        lambda who, username: service.deactivate(who, [username]),
        writes=["user.deactivate"],
    )
    assert observed == ADMINS_ONLY


def test_reactivate_user(context: ServiceContext, everyone: World) -> None:
    database = context.database
    service = AccountService(context)
    observed = each_person(
        context,
        lambda n: fresh_user(database, everyone, f"sleeper{n}", active=False),
        lambda who, username: service.reactivate(who, [username]),
        writes=["user.reactivate"],
    )
    assert observed == ADMINS_ONLY


def test_nobody_reactivates_themselves(context: ServiceContext, everyone: World) -> None:
    # root is active already: reported as such, nothing written.
    service = AccountService(context)
    observed = each_person(context, numbered, lambda who, _: service.reactivate(who, [who]))
    assert observed == ADMINS_ONLY


def test_list_users(context: ServiceContext, everyone: World) -> None:
    service = PeopleService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.list_users(who, institution="SHEF"),
        shown=lambda rows: " ".join(r.username for r in rows),
    )
    assert observed == {
        who: "ok: carol" if result == "ok" else result for who, result in ADMINS_ONLY.items()
    }

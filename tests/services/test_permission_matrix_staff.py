"""The permission matrix for a facility's people: its staff, and the training they record.

Every person of the test world, with a deactivated admin and a deactivated manager of
Warwick's facility, tries each action through the real services on SQLite and
PostgreSQL; the outcomes must equal the tables, here and in
tests/support/permission_matrix.py. Each person acts on someone of their own (a fresh
account, a fresh training record), so no one's attempt depends on another's. A refusal
leaves every table as it was; a success writes exactly its audit event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import pytest

from equipshare.domain.enums import StaffRole, TrainingLevel
from equipshare.domain.records.users.people import TrainingRecordView
from equipshare.services.consortium.service import StaffService
from equipshare.services.people.service import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.permission_matrix import (
    ASTON_MANAGERS,
    ASTON_STAFF,
    WARWICK_MANAGERS,
    WARWICK_STAFF,
    add_retired_staff,
    add_staff,
    each_person,
    fresh_user,
    numbered,
)
from tests.support.world import World

PRP, EM = "WAR-PRP", "AST-EM"
XPS, SEM = "WAR-XPS-01", "AST-SEM-01"
FACILITIES = [(PRP, WARWICK_MANAGERS), (EM, ASTON_MANAGERS)]
INSTRUMENTS = [(XPS, WARWICK_STAFF), (SEM, ASTON_STAFF)]

# Each person tries to make themselves a manager of Warwick's facility.
SELF_PROMOTION = {
    "alice": "denied",
    "erin": "denied",
    "bob": "denied",
    "carol": "denied",
    "dave": "denied",
    "tech": "denied",  # a technician cannot promote themselves
    "tech2": "denied",
    "mgr": "ok",  # a manager already: nothing changes, nothing is written
    "otherstaff": "denied",
    "root": "ok",  # an admin may join any facility
    "gone": "denied",
    "exroot": "denied",
    "exmgr": "denied",  # a manager still, on paper, but deactivated
}
# Each person tries to take mgr, Warwick's one active manager, off its staff (or make
# them a technician). exmgr is a manager still, but a deactivated one manages nothing,
# so only an admin may leave the facility so, and is warned.
REMOVE_THE_LAST_MANAGER = {
    "alice": "denied",
    "erin": "denied",
    "bob": "denied",
    "carol": "denied",
    "dave": "denied",
    "tech": "denied",
    "tech2": "denied",
    "mgr": "refused",  # add another manager first, or ask an admin
    "otherstaff": "denied",
    "root": "ok: warned",  # that the facility has no manager now
    "gone": "denied",
    "exroot": "denied",
    "exmgr": "denied",
}
# Training lists are for the staff who look after instruments; what each sees differs.
TRAINING_LISTS = {
    "alice": "denied",
    "erin": "denied",
    "bob": "denied",
    "carol": "denied",
    "dave": "denied",
    "tech": "ok: alice@WAR-XPS-01 bob@WAR-XPS-01 carol@WAR-XPS-01",
    "tech2": "ok: alice@WAR-XPS-01 bob@WAR-XPS-01 carol@WAR-XPS-01",
    "mgr": "ok: alice@WAR-XPS-01 bob@WAR-XPS-01 carol@WAR-XPS-01",
    "otherstaff": "ok: nothing",  # Aston's instruments need no training in this world
    "root": "ok: alice@WAR-XPS-01 bob@WAR-XPS-01 carol@WAR-XPS-01",
    "gone": "denied",
    "exroot": "denied",
    "exmgr": "denied",
}


@pytest.fixture
def everyone(context: ServiceContext, world: World) -> World:
    add_retired_staff(context.database, world)
    return world


def _trainees(rows: Sequence[TrainingRecordView]) -> str:
    return " ".join(f"{r.username}@{r.instrument_code}" for r in rows) or "nothing"


# -- staff -------------------------------------------------------------------------------


@pytest.mark.parametrize(("facility", "expected"), FACILITIES)
def test_add_staff(
    context: ServiceContext, everyone: World, facility: str, expected: dict[str, str]
) -> None:
    service = StaffService(context)
    observed = each_person(
        context,
        lambda n: fresh_user(context.database, everyone, f"joiner{n}"),
        lambda who, username: service.add(who, facility, username, StaffRole.TECHNICIAN),
        writes=["facility_staff.add"],
    )
    assert observed == expected


@pytest.mark.parametrize(("facility", "expected"), FACILITIES)
def test_remove_staff(
    context: ServiceContext, everyone: World, facility: str, expected: dict[str, str]
) -> None:
    service = StaffService(context)

    def technician(n: int) -> str:
        username = fresh_user(context.database, everyone, f"leaver{n}")
        add_staff(context.database, everyone, username, facility, StaffRole.TECHNICIAN)
        return username

    observed = each_person(
        context,
        technician,
        lambda who, username: service.remove(who, facility, username),
        writes=["facility_staff.remove"],
    )
    assert observed == expected


@pytest.mark.parametrize(("facility", "expected"), FACILITIES)
def test_promote_a_technician(
    context: ServiceContext, everyone: World, facility: str, expected: dict[str, str]
) -> None:
    service = StaffService(context)

    def technician(n: int) -> str:
        username = fresh_user(context.database, everyone, f"riser{n}")
        add_staff(context.database, everyone, username, facility, StaffRole.TECHNICIAN)
        return username

    observed = each_person(
        context,
        technician,
        lambda who, username: service.add(who, facility, username, StaffRole.MANAGER),
        writes=["facility_staff.update"],
    )
    assert observed == expected


def test_nobody_promotes_themselves(context: ServiceContext, everyone: World) -> None:
    service = StaffService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.add(who, PRP, who, StaffRole.MANAGER),
        writes=lambda who: ["facility_staff.add"] if who == "root" else [],
    )
    assert observed == SELF_PROMOTION


@pytest.mark.parametrize("demote", [False, True], ids=["remove", "demote"])
def test_only_an_admin_removes_the_last_active_manager(
    context: ServiceContext, everyone: World, demote: bool
) -> None:
    service = StaffService(context)

    def mgr_manages(n: int) -> int:
        roles = {member.username: member.role for member in service.list("root", PRP)}
        if roles.get("mgr") is not StaffRole.MANAGER:
            service.add("root", PRP, "mgr", StaffRole.MANAGER)
        return n

    def step_down(who: str, _: int) -> object:
        if demote:
            return service.add(who, PRP, "mgr", StaffRole.TECHNICIAN)
        return service.remove(who, PRP, "mgr")

    observed = each_person(
        context,
        mgr_manages,
        step_down,
        shown=lambda change: "warned" if change.note else "not warned",
        writes=["facility_staff.update" if demote else "facility_staff.remove"],
    )
    assert observed == REMOVE_THE_LAST_MANAGER


def test_take_a_deactivated_manager_off(context: ServiceContext, everyone: World) -> None:
    # Nobody who could act is lost, so the facility's manager needs no admin for it.
    service = StaffService(context)

    def exmgr_manages(n: int) -> int:
        if "exmgr" not in {member.username for member in service.list("root", PRP)}:
            add_staff(context.database, everyone, "exmgr", PRP, StaffRole.MANAGER)
        return n

    observed = each_person(
        context,
        exmgr_manages,
        lambda who, _: service.remove(who, PRP, "exmgr"),
        shown=lambda change: "warned" if change.note else "not warned",
        writes=["facility_staff.remove"],
    )
    assert observed == {
        who: "ok: not warned" if result == "ok" else result
        for who, result in WARWICK_MANAGERS.items()
    }


def test_anyone_lists_a_facilitys_staff(context: ServiceContext, everyone: World) -> None:
    service = StaffService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.list(who, PRP),
        shown=lambda members: " ".join(f"{m.username}:{m.role.value}" for m in members),
    )
    team = "exmgr:manager mgr:manager tech:technician tech2:technician"
    assert observed == {who: f"ok: {team}" for who in SELF_PROMOTION}


# -- training ----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), INSTRUMENTS)
def test_record_training(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    service = TrainingService(context)
    observed = each_person(
        context,
        lambda n: fresh_user(context.database, everyone, f"trainee{n}"),
        lambda who, username: service.record(who, username, code, TrainingLevel.INDEPENDENT, None),
        writes=["training.record"],
    )
    assert observed == expected


def test_nobody_trains_a_deactivated_account(context: ServiceContext, everyone: World) -> None:
    # The right is checked first: only those who could record training hear why not.
    service = TrainingService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.record(who, "gone", XPS, TrainingLevel.INDEPENDENT, None),
    )
    assert observed == {
        who: "refused" if result == "ok" else result for who, result in WARWICK_STAFF.items()
    }


def _trained_by_root(context: ServiceContext, world: World, code: str) -> Callable[[int], int]:
    """A `prepare`: a fresh user whom root trains on `code`; gives the record's id."""
    service = TrainingService(context)

    def prepare(n: int) -> int:
        username = fresh_user(context.database, world, f"trainee{n}")
        return service.record("root", username, code, TrainingLevel.SUPERVISED, None).id

    return prepare


@pytest.mark.parametrize(("code", "expected"), INSTRUMENTS)
def test_renew_training(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    service = TrainingService(context)
    observed = each_person(
        context,
        _trained_by_root(context, everyone, code),
        lambda who, record_id: service.renew(who, record_id, date(2027, 6, 30)),
        writes=["training.renew"],
    )
    assert observed == expected


@pytest.mark.parametrize(("code", "expected"), INSTRUMENTS)
def test_revoke_training(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    service = TrainingService(context)
    observed = each_person(
        context,
        _trained_by_root(context, everyone, code),
        lambda who, record_id: service.revoke(who, record_id, "left the group"),
        writes=["training.revoke"],
    )
    assert observed == expected


@pytest.mark.parametrize(("code", "expected"), INSTRUMENTS)
def test_renew_and_revoke_by_name(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    # The command line's way: the user's latest record on the instrument, found by name.
    service = TrainingService(context)
    train = _trained_by_root(context, everyone, code)

    def trained(n: int) -> str:
        train(n)
        return f"trainee{n}"

    def renew_then_revoke(who: str, username: str) -> object:
        service.renew_for(who, username, code, date(2027, 6, 30))
        return service.revoke_for(who, username, code, "left the group")

    observed = each_person(
        context,
        trained,
        renew_then_revoke,
        writes=["training.renew", "training.revoke"],
    )
    assert observed == expected


def test_list_training(context: ServiceContext, everyone: World) -> None:
    service = TrainingService(context)
    observed = each_person(context, numbered, lambda who, _: service.listing(who), shown=_trainees)
    assert observed == TRAINING_LISTS


@pytest.mark.parametrize(("code", "expected"), INSTRUMENTS)
def test_list_one_instruments_training(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    service = TrainingService(context)
    trained = "alice@WAR-XPS-01 bob@WAR-XPS-01 carol@WAR-XPS-01" if code == XPS else "nothing"
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.listing(who, instrument_code=code),
        shown=_trainees,
    )
    assert observed == {
        who: f"ok: {trained}" if result == "ok" else result for who, result in expected.items()
    }

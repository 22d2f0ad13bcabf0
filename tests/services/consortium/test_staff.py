"""Facility staff: who may change it, one role each, and never a facility left without a manager."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import FacilityStaff, User
from equipshare.domain.enums import StaffRole
from equipshare.domain.errors import NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.consortium import StaffOutcome
from equipshare.services.consortium.service import StaffService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World

PRP = "WAR-PRP"


@pytest.fixture
def staff(context: ServiceContext, world: World) -> StaffService:
    service = StaffService(context)
    # A manager of another facility, and a deactivated manager of this one.
    service.add("root", "AST-EM", "bob", StaffRole.MANAGER)
    service.add("root", PRP, "erin", StaffRole.MANAGER)
    with context.database.sessions.begin() as session:
        session.scalars(select(User).where(User.username == "erin")).one().active = False
    return service


def _roles(database: Database, facility_id: int) -> dict[int, StaffRole]:
    with database.readonly() as session:
        rows = session.scalars(
            select(FacilityStaff).where(FacilityStaff.facility_id == facility_id)
        )
        return {row.user_id: row.role for row in rows}


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        ("root", True),  # admin
        ("mgr", True),  # manager of this facility
        ("bob", False),  # manager of another facility
        ("tech", False),  # technician of this facility
        ("alice", False),  # researcher
        ("erin", False),  # deactivated manager of this facility
    ],
)
def test_who_may_change_a_facilitys_staff(
    staff: StaffService, database: Database, world: World, actor: str, allowed: bool
) -> None:
    before = _roles(database, world.facilities[PRP])
    if allowed:
        change = staff.add(actor, PRP, "alice", StaffRole.TECHNICIAN)
        assert change.outcome is StaffOutcome.ADDED
        assert staff.remove(actor, PRP, "alice").outcome is StaffOutcome.REMOVED
        return
    with pytest.raises(PermissionDenied) as refused:
        staff.add(actor, PRP, "alice", StaffRole.TECHNICIAN)
    message = str(refused.value)
    assert "change this facility's staff" in message
    assert ("deactivated" in message) == (actor == "erin")
    with pytest.raises(PermissionDenied):
        staff.remove(actor, PRP, "tech")
    assert _roles(database, world.facilities[PRP]) == before


def test_add_says_when_the_role_is_held_and_changes_the_other_role(
    staff: StaffService, database: Database, world: World
) -> None:
    already = staff.add("mgr", PRP, "tech", StaffRole.TECHNICIAN)
    assert (already.outcome, already.previous_role) == (StaffOutcome.ALREADY, StaffRole.TECHNICIAN)
    promoted = staff.add("mgr", PRP, "tech", StaffRole.MANAGER)
    assert (promoted.outcome, promoted.previous_role) == (
        StaffOutcome.ROLE_CHANGED,
        StaffRole.TECHNICIAN,
    )
    assert _roles(database, world.facilities[PRP])[world.users["tech"]] is StaffRole.MANAGER
    with database.readonly() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "facility_staff.update")
        ).one()
        assert (event.before, event.after) == (
            {"facility": PRP, "username": "tech", "role": "technician"},
            {"facility": PRP, "username": "tech", "role": "manager"},
        )
        assert event.actor_id == world.users["mgr"]
    dry = staff.add("mgr", PRP, "carol", StaffRole.TECHNICIAN, dry_run=True)
    assert dry.outcome is StaffOutcome.ADDED
    assert world.users["carol"] not in _roles(database, world.facilities[PRP])


def test_only_an_admin_may_leave_a_facility_without_a_manager(
    staff: StaffService, database: Database, world: World
) -> None:
    staff.remove("root", PRP, "erin")  # the deactivated one; mgr is now the last manager
    with pytest.raises(RefusedError, match=r"last manager of WAR-PRP.*ask an admin"):
        staff.remove("mgr", PRP, "mgr")
    with pytest.raises(RefusedError, match="last manager"):
        staff.add("mgr", PRP, "mgr", StaffRole.TECHNICIAN)
    assert _roles(database, world.facilities[PRP])[world.users["mgr"]] is StaffRole.MANAGER
    staff.add("mgr", PRP, "tech", StaffRole.MANAGER)
    assert staff.remove("mgr", PRP, "mgr").note is None  # tech still manages it
    removed = staff.remove("root", PRP, "tech")
    assert removed.outcome is StaffOutcome.REMOVED
    assert removed.note is not None and "no manager now" in removed.note
    assert StaffRole.MANAGER not in _roles(database, world.facilities[PRP]).values()


def test_remove_reports_non_members_and_guards_the_role(staff: StaffService) -> None:
    assert staff.remove("mgr", PRP, "alice").outcome is StaffOutcome.NOT_STAFF
    with pytest.raises(RefusedError, match="tech is a technician of WAR-PRP, not a manager"):
        staff.remove("mgr", PRP, "tech", StaffRole.MANAGER)
    with pytest.raises(NotFound, match="no user called 'nobody'"):
        staff.add("mgr", PRP, "nobody", StaffRole.TECHNICIAN)
    with pytest.raises(NotFound, match="no facility"):
        staff.add("root", "NOPE", "alice", StaffRole.TECHNICIAN)
    with pytest.raises(RefusedError, match="gone's account is deactivated"):
        staff.add("root", PRP, "gone", StaffRole.TECHNICIAN)


def test_anyone_known_may_list_the_staff(staff: StaffService) -> None:
    members = staff.list("alice", PRP)
    assert [(m.username, m.role, m.active) for m in members] == [
        ("erin", StaffRole.MANAGER, False),
        ("mgr", StaffRole.MANAGER, True),
        ("tech", StaffRole.TECHNICIAN, True),
        ("tech2", StaffRole.TECHNICIAN, True),
    ]
    with pytest.raises(NotFound):
        staff.list("stranger", PRP)

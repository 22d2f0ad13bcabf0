"""The permission matrix's machinery: each person tries an action on a target of their own.

What each person may do is compared with a table written out by hand. Around every
attempt the whole database is read: a refusal must leave every table as it was (so no
change and no audit event), and a success must write exactly the audit events named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import func, select

import equipshare.db.tables  # noqa: F401  (every model, so Base.metadata is whole)
from equipshare.db.base import Base
from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import FacilityStaff, User
from equipshare.domain.enums import Role, StaffRole
from equipshare.domain.errors import PermissionDenied, RefusedError
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World

# Everyone of tests/support/world.py, then two accounts it lacks (see add_retired_staff).
PEOPLE = (
    "alice",
    "erin",
    "bob",
    "carol",
    "dave",
    "tech",
    "tech2",
    "mgr",
    "otherstaff",
    "root",
    "gone",
    "exroot",
    "exmgr",
)

# The tables several matrices share, written out in full. Outcomes: ok = done; denied =
# PermissionDenied; refused = another rule's refusal.
ADMINS_ONLY = {
    "alice": "denied",
    "erin": "denied",
    "bob": "denied",
    "carol": "denied",
    "dave": "denied",
    "tech": "denied",
    "tech2": "denied",
    "mgr": "denied",  # managing a facility is not running the consortium
    "otherstaff": "denied",
    "root": "ok",
    "gone": "denied",
    "exroot": "denied",  # a deactivated admin is no admin
    "exmgr": "denied",
}
WARWICK_MANAGERS = {
    "alice": "denied",
    "erin": "denied",
    "bob": "denied",
    "carol": "denied",
    "dave": "denied",
    "tech": "denied",  # technicians change the status, not the policy
    "tech2": "denied",
    "mgr": "ok",
    "otherstaff": "denied",
    "root": "ok",
    "gone": "denied",
    "exroot": "denied",
    "exmgr": "denied",  # a deactivated manager manages nothing
}
ASTON_MANAGERS = {  # Aston's facility has a technician and no manager: only admins
    "alice": "denied",
    "erin": "denied",
    "bob": "denied",  # an Aston researcher is not Aston's facility staff
    "carol": "denied",
    "dave": "denied",
    "tech": "denied",
    "tech2": "denied",
    "mgr": "denied",  # a manager of Warwick's facility has no say over Aston's
    "otherstaff": "denied",  # Aston's technician
    "root": "ok",
    "gone": "denied",
    "exroot": "denied",
    "exmgr": "denied",
}
WARWICK_STAFF = {
    "alice": "denied",
    "erin": "denied",
    "bob": "denied",
    "carol": "denied",
    "dave": "denied",
    "tech": "ok",
    "tech2": "ok",
    "mgr": "ok",
    "otherstaff": "denied",  # an Aston technician has no say over Warwick's instruments
    "root": "ok",
    "gone": "denied",
    "exroot": "denied",
    "exmgr": "denied",
}
ASTON_STAFF = {
    "alice": "denied",
    "erin": "denied",
    "bob": "denied",
    "carol": "denied",
    "dave": "denied",
    "tech": "denied",
    "tech2": "denied",
    "mgr": "denied",
    "otherstaff": "ok",
    "root": "ok",
    "gone": "denied",
    "exroot": "denied",
    "exmgr": "denied",
}


Target = TypeVar("Target")
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def add_user(
    database: Database,
    world: World,
    username: str,
    *,
    role: Role = Role.RESEARCHER,
    active: bool = True,
    institution: str = "WARWICK",
) -> int:
    """A user added straight to the database (no audit event); returns their id."""
    with database.sessions.begin() as session:
        row = User(
            username=username,
            display_name=username.title(),
            email=f"{username}@example.ac.uk",
            institution_id=world.institutions[institution],
            role=role,
            active=active,
            created_at=T0,
        )
        session.add(row)
        session.flush()
        return row.id


def fresh_user(database: Database, world: World, username: str, *, active: bool = True) -> str:
    """A Warwick researcher added straight to the database; returns the username."""
    add_user(database, world, username, active=active)
    return username


def add_staff(
    database: Database, world: World, username: str, facility: str, role: StaffRole
) -> None:
    """Make an existing user staff of a facility, straight in the database."""
    with database.sessions.begin() as session:
        user_id = session.scalars(select(User.id).where(User.username == username)).one()
        session.add(FacilityStaff(facility_id=world.facilities[facility], user_id=user_id,
                                  role=role))  # fmt: skip


def add_retired_staff(database: Database, world: World) -> None:
    """exroot, a deactivated admin, and exmgr, a deactivated manager of WAR-PRP.

    The world's only deactivated account is a researcher, who may do little anyway;
    these two check that deactivation takes away rights a role or a post would give.
    """
    add_user(database, world, "exroot", role=Role.ADMIN, active=False)
    add_user(database, world, "exmgr", role=Role.FACILITY_MANAGER, active=False)
    add_staff(database, world, "exmgr", "WAR-PRP", StaffRole.MANAGER)


def database_state(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: what "no trace" is checked against."""
    with database.readonly() as session:
        return {
            table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def last_audit_id(database: Database) -> int:
    with database.readonly() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def audit_actions_after(database: Database, event_id: int) -> list[str]:
    """The actions of the audit events written after event `event_id`, in order."""
    with database.readonly() as session:
        return list(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.id > event_id).order_by(AuditEvent.id)
            )
        )


def outcome(action: Callable[[], object], shown: Callable[[Any], str] | None = None) -> str:
    """ok (or "ok: " and what `shown` makes of the result), denied, or refused."""
    try:
        result = action()
    except PermissionDenied:
        return "denied"
    except RefusedError:
        return "refused"
    return f"ok: {shown(result)}" if shown is not None else "ok"


def numbered(n: int) -> int:
    """The `prepare` of an action that needs no target of its own: its person's number."""
    return n


def each_person(
    context: ServiceContext,
    prepare: Callable[[int], Target],
    act: Callable[[str, Target], object],
    *,
    writes: Sequence[str] | Callable[[str], Sequence[str]] = (),
    shown: Callable[[Any], str] | None = None,
    people: Sequence[str] = PEOPLE,
) -> dict[str, str]:
    """Each person's outcome of `act(person, prepare(n))`, n counting people from 0.

    `prepare` makes the person's own target (a fresh user, booking or record), so no
    one's attempt depends on another's. A refusal must leave the database as it was; a
    success must write the audit events `writes` names (or names for that person), and
    nothing, not a row, when it names none.
    """
    database = context.database
    observed: dict[str, str] = {}
    for n, who in enumerate(people):
        target = prepare(n)
        before, last = database_state(database), last_audit_id(database)
        observed[who] = outcome(partial(act, who, target), shown)
        if observed[who].startswith("ok"):
            wanted = list(writes(who) if callable(writes) else writes)
            written = audit_actions_after(database, last)
            assert written == wanted, f"{who}'s success wrote {written}, not {wanted}"
            if not wanted:
                assert database_state(database) == before, f"{who}'s read changed the database"
        else:
            assert database_state(database) == before, f"{who}'s refusal left a trace"
    return observed

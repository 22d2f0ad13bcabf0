"""Who a profile belongs to, where they work, and who may see or change it.

Only facility staff have profiles: a person with a technician's or manager's role, or
with a post at any facility. A profile is seen by its owner, their colleagues at a
facility they share and admins; it is changed by its owner, the managers of a facility
where they work, and admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, FacilityStaff, User
from equipshare.domain.enums import Role, StaffRole
from equipshare.domain.errors import NotFound, PermissionDenied, RefusedError
from equipshare.domain.inputs.search_text import checked_search
from equipshare.domain.records.impact.credit import StaffPost
from equipshare.domain.rules.permissions import Actor

STAFF_ROLES = frozenset({Role.TECHNICIAN, Role.FACILITY_MANAGER})


@dataclass(frozen=True)
class ProfileOwner:
    """The person a profile belongs to and the facilities they work at."""

    user: User
    posts: tuple[StaffPost, ...]
    facility_ids: frozenset[int]


def posts_of(session: Session, user_ids: list[int]) -> dict[int, list[tuple[int, StaffPost]]]:
    """Each user's posts (facility id and post), by facility code."""
    rows = session.execute(
        select(FacilityStaff.user_id, Facility.id, Facility.code, Facility.name, FacilityStaff.role)
        .join(Facility, Facility.id == FacilityStaff.facility_id)
        .where(FacilityStaff.user_id.in_(user_ids))
        .order_by(Facility.code)
    ).all()
    found: dict[int, list[tuple[int, StaffPost]]] = {user_id: [] for user_id in user_ids}
    for user_id, facility_id, code, name, role in rows:
        found[user_id].append((facility_id, StaffPost(code, name, role)))
    return found


def load_owner(session: Session, username: str) -> ProfileOwner:
    """The staff member called `username`; refused in one line for anyone else."""
    checked_search(username, "user")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user called {username!r}", "user")
    posts = posts_of(session, [user.id])[user.id]
    if not posts and user.role not in STAFF_ROLES:
        raise RefusedError(
            f"{username} is not facility staff: only technicians and managers have a profile",
            "user",
        )
    return ProfileOwner(
        user=user,
        posts=tuple(post for _, post in posts),
        facility_ids=frozenset(facility_id for facility_id, _ in posts),
    )


def require_active(actor: Actor, doing: str) -> None:
    if not actor.user.active:
        raise PermissionDenied(
            f"{actor.user.username} may not {doing}: the account is deactivated", "user"
        )


def may_view(actor: Actor, owner: ProfileOwner) -> bool:
    if not actor.user.active:
        return False
    if actor.user.is_admin or actor.id == owner.user.id:
        return True
    return bool(owner.facility_ids & actor.staff_facility_ids)


def may_edit(actor: Actor, owner: ProfileOwner) -> bool:
    if not actor.user.active:
        return False
    if actor.user.is_admin or actor.id == owner.user.id:
        return True
    return bool(owner.facility_ids & actor.managed_facility_ids)


def require_view(actor: Actor, owner: ProfileOwner) -> None:
    require_active(actor, "see profiles")
    if not may_view(actor, owner):
        raise PermissionDenied(
            f"{actor.user.username} may not see {owner.user.username}'s profile: that needs "
            "a colleague at their facility or an admin",
            "user",
        )


def require_edit(actor: Actor, owner: ProfileOwner) -> None:
    require_active(actor, "change profiles")
    if not may_edit(actor, owner):
        raise PermissionDenied(
            f"{actor.user.username} may not change {owner.user.username}'s profile: that "
            "needs them, a manager of their facility or an admin",
            "user",
        )


def require_facility_view(session: Session, actor: Actor, facility_code: str) -> Facility:
    """The facility whose staff `actor` may list: its own staff's, or any for an admin."""
    require_active(actor, "list facility staff")
    checked_search(facility_code, "facility")
    facility = session.scalar(select(Facility).where(Facility.code == facility_code.strip()))
    if facility is None:
        raise NotFound(f"no facility with code {facility_code.strip()!r}", "facility")
    if not (actor.user.is_admin or actor.staffs(facility.id)):
        raise PermissionDenied(
            f"{actor.user.username} may not list the staff profiles of {facility.code}: "
            "that needs its staff or an admin",
            "facility",
        )
    return facility


def staff_user_ids(session: Session, facility_id: int) -> list[int]:
    """A facility's staff, managers first, then by name."""
    rows = session.execute(
        select(User.id)
        .join(FacilityStaff, FacilityStaff.user_id == User.id)
        .where(FacilityStaff.facility_id == facility_id)
        .order_by(
            (FacilityStaff.role == StaffRole.TECHNICIAN).asc(), User.display_name, User.username
        )
    ).all()
    return [user_id for (user_id,) in rows]

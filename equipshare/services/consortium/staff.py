"""StaffService: who manages a facility and who are its technicians.

Admins change any facility's staff; a facility's managers change their own facility's
(Action.MANAGE_STAFF). One role per person per facility: adding someone in the other
role changes their role. Nobody but an admin may leave a facility without an active
manager (a deactivated one can approve nothing), whether by removing the last one or by
making them a technician. Membership is what grants the rights (see
domain/rules/permissions.py); the user's system-wide role is not touched.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, FacilityStaff, User
from equipshare.domain.enums import StaffRole
from equipshare.domain.errors import NotFound, RefusedError
from equipshare.domain.records.consortium import StaffChange, StaffMember, StaffOutcome
from equipshare.domain.rules.permissions import Action, Actor, Target, require
from equipshare.services.consortium.facilities import load_facility
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.services.plumbing.row_records import load_actor
from equipshare.services.technicians.credit_names import credit_profiles

ROLE_ORDER = {StaffRole.MANAGER: 0, StaffRole.TECHNICIAN: 1}


def _member(facility: Facility, user: User, role: StaffRole, credited_as: str = "") -> StaffMember:
    return StaffMember(
        facility.code, user.username, user.display_name, user.email, role, user.active,
        credited_as,
    )  # fmt: skip


def _user(session: Session, username: str) -> User:
    row = session.scalars(select(User).where(User.username == username)).one_or_none()
    if row is None:
        raise NotFound(f"no user called {username!r}", "user")
    return row


def _other_active_managers(session: Session, facility_id: int, user_id: int) -> int:
    """Managers who could still run the facility without `user_id`: a deactivated one can't."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(FacilityStaff)
            .join(User, User.id == FacilityStaff.user_id)
            .where(
                FacilityStaff.facility_id == facility_id,
                FacilityStaff.role == StaffRole.MANAGER,
                FacilityStaff.user_id != user_id,
                User.active.is_(True),
            )
        )
        or 0
    )


class StaffService:
    """A facility's team: list it (anyone known), change it (its managers, or an admin)."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def list(self, actor_username: str, facility_code: str) -> list[StaffMember]:
        """Managers first, then technicians, each by username."""
        with self._db.readonly() as session:
            load_actor(session, actor_username)
            facility = load_facility(session, facility_code)
            rows = session.execute(
                select(User, FacilityStaff.role)
                .join(FacilityStaff, FacilityStaff.user_id == User.id)
                .where(FacilityStaff.facility_id == facility.id)
            )
            found = list(rows)
            credit = credit_profiles(session, [user.id for user, _ in found])
            members = [
                _member(facility, user, role, credit[user.id].printed_name) for user, role in found
            ]
            return sorted(members, key=lambda m: (ROLE_ORDER[m.role], m.username))

    def add(
        self,
        actor_username: str,
        facility_code: str,
        username: str,
        role: StaffRole,
        *,
        dry_run: bool = False,
    ) -> StaffChange:
        """Make `username` a `role` of the facility; saying so when they already are."""
        try:
            with self._db.sessions.begin() as session:
                actor, facility = self._open(session, actor_username, facility_code)
                user = _user(session, username)
                if not user.active:
                    raise RefusedError(
                        f"{username}'s account is deactivated: they cannot join {facility.code}",
                        "user",
                    )
                row = session.get(FacilityStaff, (facility.id, user.id))
                previous = None if row is None else row.role
                if previous is role:
                    return StaffChange(_member(facility, user, role), StaffOutcome.ALREADY, role)
                note = None
                if previous is StaffRole.MANAGER:
                    note = self._keep_a_manager(session, actor, facility, user, "make a technician")
                if row is None:
                    row = FacilityStaff(facility_id=facility.id, user_id=user.id, role=role)
                    session.add(row)
                    outcome = StaffOutcome.ADDED
                else:
                    row.role = role
                    outcome = StaffOutcome.ROLE_CHANGED
                session.flush()
                change = StaffChange(_member(facility, user, role), outcome, previous, note)
                if dry_run:
                    raise DryRun(change)
                record_audit(
                    session, actor_id=actor.id,
                    action="facility_staff.add" if previous is None else "facility_staff.update",
                    entity_type="facility_staff", entity_id=f"{facility.id}:{user.id}",
                    at=self._clock.now(),
                    before=None if previous is None else _staff_values(facility, user, previous),
                    after=_staff_values(facility, user, role),
                )  # fmt: skip
                return change
        except DryRun as done:
            return cast(StaffChange, done.result)

    def remove(
        self,
        actor_username: str,
        facility_code: str,
        username: str,
        role: StaffRole | None = None,
        *,
        dry_run: bool = False,
    ) -> StaffChange:
        """Take `username` off the facility's staff; someone not on it is reported, not refused.

        With `role`, refuse when they hold the other role (a guard for scripts).
        """
        with self._db.sessions.begin() as session:
            actor, facility = self._open(session, actor_username, facility_code)
            user = _user(session, username)
            row = session.get(FacilityStaff, (facility.id, user.id))
            if row is None:
                member = _member(facility, user, role or StaffRole.TECHNICIAN)
                return StaffChange(member, StaffOutcome.NOT_STAFF, None)
            held = row.role
            if role is not None and held is not role:
                raise RefusedError(
                    f"{username} is a {held.value} of {facility.code}, not a {role.value}: "
                    f"nothing removed",
                    "role",
                )
            note = None
            if held is StaffRole.MANAGER:
                note = self._keep_a_manager(session, actor, facility, user, "remove")
            member = _member(facility, user, held)
            change = StaffChange(member, StaffOutcome.REMOVED, held, note)
            if dry_run:
                return change
            session.delete(row)
            record_audit(
                session, actor_id=actor.id, action="facility_staff.remove",
                entity_type="facility_staff", entity_id=f"{facility.id}:{user.id}",
                at=self._clock.now(), before=_staff_values(facility, user, held), after=None,
            )  # fmt: skip
            return change

    def _open(self, session: Session, actor_username: str, code: str) -> tuple[Actor, Facility]:
        actor = load_actor(session, actor_username)
        facility = load_facility(session, code)
        require(actor, Action.MANAGE_STAFF, Target(facility.id, facility.name, facility.code))
        # One staff change per facility at a time, so two managers cannot remove each other.
        session.execute(select(Facility.id).where(Facility.id == facility.id).with_for_update())
        return actor, facility

    @staticmethod
    def _keep_a_manager(
        session: Session, actor: Actor, facility: Facility, user: User, doing: str
    ) -> str | None:
        """Refuse a non-admin leaving the facility with no active manager; for an admin, say so.

        Taking a deactivated manager off loses nobody who could act.
        """
        if not user.active or _other_active_managers(session, facility.id, user.id):
            return None
        if actor.user.is_admin:
            return (
                f"{facility.code} has no manager now: its technicians approve its bookings "
                "until an admin adds one"
            )
        raise RefusedError(
            f"{user.username} is the last manager of {facility.code}: add another manager first, "
            f"or ask an admin to {doing} them",
            "user",
        )


def _staff_values(facility: Facility, user: User, role: StaffRole) -> dict[str, object]:
    return {"facility": facility.code, "username": user.username, "role": role.value}

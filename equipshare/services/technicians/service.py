"""TechnicianProfileService: how facility staff are credited on papers, seen and changed.

Decisions worth knowing:
- Only facility staff have profiles (a technician's or manager's role, or a post at a
  facility); asking for a researcher's is refused in one line.
- A profile is changed by its owner, the managers of a facility where they work, and
  admins; it is seen by those and by colleagues at a facility they share.
- A staff member who never edited theirs has the default: their display name, no ORCID
  iD, named. Changing nothing writes nothing; a change writes one audit event with the
  profile before and after.
- An ORCID iD belongs to one person: another's iD is refused (an admin is told whose).
  The database's unique index settles two edits racing for the same iD.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import User
from equipshare.db.models.credit import TechnicianProfile
from equipshare.domain.errors import InputError, RefusedError
from equipshare.domain.inputs.technician_profiles import ProfileChanges
from equipshare.domain.records.impact.credit import (
    TechnicianProfileEdit,
    TechnicianProfileRecord,
    TechnicianProfileView,
)
from equipshare.domain.rules.permissions import Actor
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.technicians.access import (
    ProfileOwner,
    load_owner,
    may_edit,
    posts_of,
    require_edit,
    require_facility_view,
    require_view,
    staff_user_ids,
)
from equipshare.services.technicians.credit_names import profile_record_of

_FIELDS = ("credit_name", "orcid", "job_title", "expertise", "named")


def _snapshot(record: TechnicianProfileRecord) -> dict[str, Any]:
    return {field: getattr(record, field) for field in _FIELDS} | {"user": record.username}


def _view_of(
    acting: Actor,
    owner: ProfileOwner,
    row: TechnicianProfile | None,
    editors: dict[int | None, str],
) -> TechnicianProfileView:
    return TechnicianProfileView(
        profile=profile_record_of(owner.user, row),
        active=owner.user.active,
        posts=owner.posts,
        updated_at=row.updated_at if row is not None else None,
        updated_by=editors.get(row.updated_by_id) if row is not None else None,
        editable=may_edit(acting, owner),
    )


class TechnicianProfileService:
    """Shows and edits technicians' profiles, and lists a facility's staff with theirs.

    Each method takes the acting user's username as the keyword `actor` and is one
    transaction.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def show(self, username: str, *, actor: str) -> TechnicianProfileView:
        """`username`'s profile (the defaults if they never set one)."""
        with self._db.readonly() as session:
            acting = row_records.load_actor(session, actor)
            owner = load_owner(session, username)
            require_view(acting, owner)
            return self._view(session, acting, owner)

    def edit(self, username: str, changes: ProfileChanges, *, actor: str) -> TechnicianProfileEdit:
        """Set the fields `changes` gives; refused for a non-staff member, a viewer who may
        not change it, or an ORCID iD already on another person's profile."""
        if changes.empty:
            raise InputError(
                "give at least one of credit name, ORCID iD, job title, expertise or named "
                "to change",
                "user",
            )
        values = changes.checked()
        now = self._clock.now()
        try:
            with self._db.sessions.begin() as session:
                acting = row_records.load_actor(session, actor)
                owner = load_owner(session, username)
                require_edit(acting, owner)
                row = session.get(TechnicianProfile, owner.user.id)
                before = profile_record_of(owner.user, row)
                changed = tuple(
                    f for f in _FIELDS if f in values and getattr(before, f) != values[f]
                )
                if changed:
                    if values.get("orcid"):
                        self._refuse_taken(session, acting, owner, str(values["orcid"]))
                    if row is None:
                        row = TechnicianProfile(
                            user_id=owner.user.id, credit_name="", orcid=None, job_title="",
                            expertise="", named=True,
                        )  # fmt: skip
                        session.add(row)
                    for field in changed:
                        setattr(row, field, values[field])
                    row.updated_at = now
                    row.updated_by_id = acting.id
                    session.flush()
                    record_audit(
                        session, actor_id=acting.id, action="technician_profile.edit",
                        entity_type="technician_profile", entity_id=owner.user.id, at=now,
                        before=_snapshot(before),
                        after=_snapshot(profile_record_of(owner.user, row)),
                    )  # fmt: skip
                return TechnicianProfileEdit(self._view(session, acting, owner), changed)
        except IntegrityError:  # the same iD saved for someone else at the same moment
            raise RefusedError(
                f"orcid: {values.get('orcid')} is already on another person's profile; "
                "an ORCID iD belongs to one person",
                "orcid",
            ) from None

    def facility_staff(
        self, facility_code: str, *, actor: str
    ) -> tuple[TechnicianProfileView, ...]:
        """A facility's staff with their profiles, managers first (its staff and admins)."""
        with self._db.readonly() as session:
            acting = row_records.load_actor(session, actor)
            facility = require_facility_view(session, acting, facility_code)
            user_ids = staff_user_ids(session, facility.id)
            posts = posts_of(session, user_ids)
            users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
            rows = {
                row.user_id: row
                for row in session.scalars(
                    select(TechnicianProfile).where(TechnicianProfile.user_id.in_(user_ids))
                )
            }
            editors = self._usernames(session, {row.updated_by_id for row in rows.values()})
            owners = (
                ProfileOwner(
                    user=users[user_id],
                    posts=tuple(post for _, post in posts[user_id]),
                    facility_ids=frozenset(facility_id for facility_id, _ in posts[user_id]),
                )
                for user_id in user_ids
            )
            return tuple(
                _view_of(acting, owner, rows.get(owner.user.id), editors) for owner in owners
            )

    @staticmethod
    def _usernames(session: Session, user_ids: set[int | None]) -> dict[int | None, str]:
        wanted = [user_id for user_id in user_ids if user_id is not None]
        if not wanted:
            return {}
        rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
        return {user_id: name for user_id, name in rows}

    def _view(self, session: Session, acting: Actor, owner: ProfileOwner) -> TechnicianProfileView:
        row = session.get(TechnicianProfile, owner.user.id)
        editors = self._usernames(session, {row.updated_by_id if row is not None else None})
        return _view_of(acting, owner, row, editors)

    @staticmethod
    def _refuse_taken(session: Session, acting: Actor, owner: ProfileOwner, orcid: str) -> None:
        holder = session.execute(
            select(User.username)
            .join(TechnicianProfile, TechnicianProfile.user_id == User.id)
            .where(TechnicianProfile.orcid == orcid, User.id != owner.user.id)
        ).scalar_one_or_none()
        if holder is None:
            return
        whose = f"{holder}'s profile" if acting.user.is_admin else "another person's profile"
        raise RefusedError(
            f"orcid: {orcid} is already on {whose}; an ORCID iD belongs to one person", "orcid"
        )

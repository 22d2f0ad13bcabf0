"""How technicians are credited, read inside another service's transaction.

Acknowledgements, portfolios and grant costings name technicians; they call
`credit_profiles` with their own session, so the names they print come from the same
snapshot as the hours beside them. A technician who keeps no profile is credited by
their display name, with no ORCID iD, and named. Lists and exports of the facility's work
(its bookings, requests and training records) ask `staff_shown` for each staff name.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import User
from equipshare.db.models.credit import TechnicianProfile
from equipshare.domain.records.impact.credit import UNNAMED_STAFF, TechnicianProfileRecord
from equipshare.domain.rules.permissions import Actor


def profile_record_of(user: User, profile: TechnicianProfile | None) -> TechnicianProfileRecord:
    """A user's credit record: the default when they keep no profile."""
    if profile is None:
        return TechnicianProfileRecord(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            credit_name="",
            orcid=None,
            job_title="",
            expertise="",
            named=True,
        )
    return TechnicianProfileRecord(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        credit_name=profile.credit_name,
        orcid=profile.orcid,
        job_title=profile.job_title,
        expertise=profile.expertise,
        named=profile.named,
    )


def credit_profiles(
    session: Session, user_ids: Iterable[int]
) -> dict[int, TechnicianProfileRecord]:
    """Each user's credit profile by user id, in one query; unknown ids are left out."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(User, TechnicianProfile)
        .outerjoin(TechnicianProfile, TechnicianProfile.user_id == User.id)
        .where(User.id.in_(wanted))
    ).all()
    return {user.id: profile_record_of(user, profile) for user, profile in rows}


def opted_out(session: Session) -> frozenset[int]:
    """The ids of everyone who chose not to be named: a handful, read in one query."""
    hidden = select(TechnicianProfile.user_id).where(TechnicianProfile.named.is_(False))
    return frozenset(session.scalars(hidden))


def staff_shown(
    name: str | None, user_id: int | None, facility_id: int, viewer: Actor, hidden: frozenset[int]
) -> str | None:
    """`name` (a username or display name) as `viewer` may see it in a list or an export:
    the unnamed words when its owner opted out, unless the viewer is that person, a manager
    of the facility or an admin, who run the facility with it."""
    if user_id is None or user_id not in hidden or user_id == viewer.id:
        return name
    if viewer.user.is_admin or viewer.manages(facility_id):
        return name
    return UNNAMED_STAFF

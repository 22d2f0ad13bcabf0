"""PortfolioService: a technician's record of their work over a period, for a promotion panel.

Decisions worth knowing:
- Who may see a portfolio: the technician their own; a facility's managers those of the
  facility's staff; admins everyone's. Researchers see none. A portfolio is of someone on
  a facility's staff (or with a technician's or manager's role), not of a researcher.
- A technician who opted out of being named is shown to everyone else as "technical staff
  of the facility", without username, ORCID iD or job title; they see their own name.
- The figures are those of `equipshare report technicians` for the same period, broken
  down by instrument and by the bookers' institutions (services/portfolio/figures.py).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, FacilityStaff, User
from equipshare.domain.enums import Role
from equipshare.domain.errors import PermissionDenied, RefusedError
from equipshare.domain.records.impact.credit import UNNAMED_STAFF, TechnicianProfileRecord
from equipshare.domain.records.impact.portfolio import Portfolio, PortfolioSubject
from equipshare.domain.records.impact.reports import ReportPeriod
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Actor
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.portfolio.figures import (
    crediting_outputs,
    institution_work,
    instrument_work,
    people_and_renewals,
)
from equipshare.services.technicians.credit_names import credit_profiles

TECHNICAL_ROLES = frozenset({Role.TECHNICIAN, Role.FACILITY_MANAGER})


def shown_name(profile: TechnicianProfileRecord, viewer_id: int) -> tuple[str, bool]:
    """The name a viewer may see, and whether it is the person's own (not the unnamed words)."""
    if profile.named or profile.user_id == viewer_id:
        return profile.credit_name or profile.display_name, True
    return UNNAMED_STAFF, False


class PortfolioService:
    """Technicians' portfolios; each call is one read transaction."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database

    def portfolio(self, actor: str, username: str, period: ReportPeriod) -> Portfolio:
        """`username`'s work in the period, if the actor may see it (PermissionDenied
        otherwise, saying who may)."""
        with self._db.readonly() as session:
            acting = row_records.load_actor(session, actor)
            target = row_records.load_user(session, username)
            facilities = self._check(session, acting, target)
            dialect = self._db.backend
            profile = credit_profiles(session, [target.id])[target.id]
            name, visible = shown_name(profile, acting.id)
            people, renewals = people_and_renewals(session, target.id, period)
            return Portfolio(
                period=period,
                username=target.username if visible else "",
                name=name,
                orcid=profile.orcid if visible else None,
                job_title=profile.job_title if visible else "",
                institution_code=target.institution_code,
                facility_codes=facilities,
                named=profile.named,
                instruments=instrument_work(session, dialect, target.id, period),
                institutions=institution_work(session, dialect, target.id, period),
                outputs=crediting_outputs(session, target.id, period),
                people_trained=people,
                renewals=renewals,
            )

    def subjects(self, actor: str) -> tuple[PortfolioSubject, ...]:
        """Whose portfolios the actor may see, themself first: what the TUI offers."""
        with self._db.readonly() as session:
            acting = row_records.load_actor(session, actor)
            self._reader(acting)
            staff = select(FacilityStaff.user_id)
            if not acting.user.is_admin:
                staff = staff.where(FacilityStaff.facility_id.in_(acting.managed_facility_ids))
            wanted = set(session.scalars(staff))
            if acting.user.is_admin:
                wanted |= set(
                    session.scalars(select(User.id).where(User.role.in_(TECHNICAL_ROLES)))
                )
            if acting.staff_facility_ids or acting.user.role in TECHNICAL_ROLES:
                wanted.add(acting.id)
            profiles = credit_profiles(session, wanted)
            made = []
            for profile in profiles.values():
                name, visible = shown_name(profile, acting.id)
                made.append(PortfolioSubject(profile.username, name, visible))
            own = [s for s in made if s.username == acting.user.username]
            others = sorted(
                (s for s in made if s.username != acting.user.username),
                key=lambda s: (not s.named, s.name.casefold(), s.username),
            )
            return tuple(own + others)

    # -- rules --------------------------------------------------------------------------

    @staticmethod
    def _reader(acting: Actor) -> None:
        who = acting.user.username
        if not acting.user.active:
            raise PermissionDenied(f"{who} may not see portfolios: the account is deactivated")
        if acting.user.is_admin or acting.staff_facility_ids:
            return
        if acting.user.role in TECHNICAL_ROLES:
            return
        raise PermissionDenied(
            f"{who} may not see technicians' portfolios: that needs facility staff or an admin"
        )

    def _check(self, session: Session, acting: Actor, target: UserRecord) -> tuple[str, ...]:
        """The target's facilities' codes, once the actor may see their portfolio."""
        self._reader(acting)
        staffed = session.execute(
            select(Facility.id, Facility.code)
            .join(FacilityStaff, FacilityStaff.facility_id == Facility.id)
            .where(FacilityStaff.user_id == target.id)
            .order_by(Facility.code)
        ).all()
        if not staffed and target.role not in TECHNICAL_ROLES:
            raise RefusedError(
                f"{target.username} is not on a facility's staff: a portfolio records "
                "technical work",
                "user",
            )
        if acting.user.is_admin or acting.id == target.id:
            return tuple(code for _, code in staffed)
        if any(acting.manages(facility_id) for facility_id, _ in staffed):
            return tuple(code for _, code in staffed)
        raise PermissionDenied(
            f"{acting.user.username} may not see {target.username}'s portfolio: a technician "
            "sees their own, a manager their facility's staff, an admin everyone's",
            "user",
        )

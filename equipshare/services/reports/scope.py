"""Who may read the impact reports, and which instruments a report's filter selects.

The reports are the consortium's figures, for facility staff and admins; researchers are
refused. Filters pick instruments by their host: the institution and facility they belong
to. Technicians' work is personal data, so `visible_staff` narrows it further.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, FacilityStaff, Institution
from equipshare.domain.enums import Role, StaffRole
from equipshare.domain.errors import NotFound, PermissionDenied
from equipshare.domain.records.impact.reports import ReportFilter
from equipshare.domain.rules.permissions import Actor

STAFF_ROLES = frozenset({Role.ADMIN, Role.TECHNICIAN, Role.FACILITY_MANAGER})


def require_report_reader(actor: Actor, report: str) -> None:
    """Refuse researchers (and deactivated accounts): reports are for staff and admins."""
    who = actor.user.username
    if not actor.user.active:
        raise PermissionDenied(f"{who} may not see the {report} report: the account is deactivated")
    if actor.user.role in STAFF_ROLES or actor.staff_facility_ids:
        return
    raise PermissionDenied(
        f"{who} may not see the {report} report: that needs facility staff or an admin"
    )


@dataclass(frozen=True)
class Scope:
    """The instruments a report covers: all, or those of one institution and/or facility."""

    institution_id: int | None = None
    facility_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE terms on Facility (each query joins the instrument's facility)."""
        terms: list[ColumnElement[bool]] = [true()]
        if self.institution_id is not None:
            terms.append(Facility.institution_id == self.institution_id)
        if self.facility_id is not None:
            terms.append(Facility.id == self.facility_id)
        return terms


def resolve_scope(session: Session, where: ReportFilter) -> Scope:
    """Codes to ids; an unknown code is NotFound naming its command-line option."""
    institution_id = facility_id = None
    if where.institution_code:
        institution_id = session.scalar(
            select(Institution.id).where(Institution.code == where.institution_code)
        )
        if institution_id is None:
            raise NotFound(
                f"--institution: no institution has the code {where.institution_code!r}",
                "--institution",
            )
    if where.facility_code:
        facility_id = session.scalar(
            select(Facility.id).where(Facility.code == where.facility_code)
        )
        if facility_id is None:
            raise NotFound(
                f"--facility: no facility has the code {where.facility_code!r}", "--facility"
            )
    return Scope(institution_id, facility_id)


def visible_staff(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Which facility_staff rows the actor may see the work of.

    Admins see everyone; a manager sees the staff of the facilities they manage; anyone
    else on a facility's staff sees only themselves.
    """
    if actor.user.is_admin:
        return true()
    managed = session.scalars(
        select(FacilityStaff.facility_id).where(
            FacilityStaff.user_id == actor.id, FacilityStaff.role == StaffRole.MANAGER
        )
    ).all()
    mine: ColumnElement[Any] = FacilityStaff.user_id == actor.id
    if managed:
        return mine | FacilityStaff.facility_id.in_(managed)
    return mine

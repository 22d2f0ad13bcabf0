"""The grant costing feature's public face: estimate a plan, save it with its figures
frozen, list and show saved plans, and compare one with its project code's charges.

Anyone may cost a grant for themself; facility staff and admins may cost one for another
user (a researcher they are helping apply). Prices are no secret, so an estimate reads
any instrument's cards; a saved plan is read by its applicant, whoever saved it, admins,
and the staff of each facility it costs (their own facilities' lines only).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Instrument
from equipshare.domain.errors import PermissionDenied, RefusedError
from equipshare.domain.records.money.grants import (
    GrantEstimate,
    PlanComparison,
    PlanRequest,
    SavedPlan,
)
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Actor
from equipshare.services.grants import actuals, costing, plans
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

__all__ = ["GrantCostingService"]


def _applicant(session: Session, actor: Actor, username: str | None) -> UserRecord:
    """The user the plan is for: the actor, or (for staff and admins) anyone active."""
    if not actor.user.active:
        raise PermissionDenied(f"{actor.user.username} is deactivated and may not cost grants")
    if username is None or username == actor.user.username:
        return actor.user
    if not (actor.user.is_admin or actor.staff_facility_ids):
        raise PermissionDenied(
            f"{actor.user.username} may not cost a grant for {username}: that needs facility "
            "staff or an admin (anyone may cost their own)"
        )
    applicant = row_records.load_user(session, username)
    if not applicant.active:
        raise RefusedError(f"{username} is deactivated: a grant is costed for an active user")
    return applicant


class GrantCostingService:
    """Price, save, read and compare grant plans."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context
        self._db = context.database

    def estimate(self, actor_username: str, request: PlanRequest) -> GrantEstimate:
        """Price `request` at today's rate cards, saving nothing."""
        costing.check_request(request)
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            applicant = _applicant(session, actor, request.applicant)
            return costing.price(session, applicant, request)

    def save(
        self, actor_username: str, request: PlanRequest, *, title: str, project_code: str
    ) -> SavedPlan:
        """Price `request` and keep it, figures and all, under `title` and `project_code`."""
        title = plans.checked_label(title, "title", 200)
        project_code = plans.checked_label(project_code, "project_code", 64)
        costing.check_request(request)
        now = self._context.clock.now()
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            applicant = _applicant(session, actor, request.applicant)
            estimate = costing.price(session, applicant, request)
            codes = sorted({line.instrument_code for line in estimate.lines})
            found = session.execute(
                select(Instrument.code, Instrument.id).where(Instrument.code.in_(codes))
            )
            ids = {code: instrument_id for code, instrument_id in found}
            plan_id = plans.insert_plan(
                session,
                estimate,
                applicant=applicant,
                creator_id=actor.id,
                title=title,
                project_code=project_code,
                now=now,
                instrument_ids=ids,
            )
            record_audit(
                session,
                actor_id=actor.id,
                action="grant_plan.create",
                entity_type="grant_plan",
                entity_id=plan_id,
                at=now,
                after={
                    "title": title,
                    "project_code": project_code,
                    "applicant": applicant.username,
                    "starts_on": estimate.starts_on.isoformat(),
                    "years": estimate.years,
                    "uplift_percent": str(estimate.uplift_percent),
                    "instrument_pence": estimate.instrument_pence,
                    "technician_pence": estimate.technician_pence,
                    "lines": [
                        [
                            line.instrument_code,
                            line.year,
                            line.instrument_minutes,
                            line.assisted_minutes,
                            line.total_pence,
                        ]
                        for line in estimate.lines
                    ],
                },
            )
            return plans.plan_records(session, [plans.load_plan(session, plan_id)], None)[0]

    def list(self, actor_username: str, applicant: str | None = None) -> list[SavedPlan]:
        """The saved plans the actor may see (one applicant's, if named), newest first."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            applicant_id = row_records.load_user(session, applicant).id if applicant else None
            found = plans.listed_plans(session, actor, applicant_id)
            return [
                record
                for plan in found
                for record in plans.plan_records(
                    session, [plan], plans.visible_facilities(session, actor, plan)
                )
            ]

    def show(self, actor_username: str, plan_id: int) -> SavedPlan:
        """One saved plan as it was priced when saved."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            plan = plans.load_plan(session, plan_id)
            facilities = plans.visible_facilities(session, actor, plan)
            return plans.plan_records(session, [plan], facilities)[0]

    def compare(self, actor_username: str, plan_id: int) -> PlanComparison:
        """A saved plan beside the charges to its project code within the grant's dates."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            plan = plans.load_plan(session, plan_id)
            facilities = plans.visible_facilities(session, actor, plan)
            record = plans.plan_records(session, [plan], facilities)[0]
            return actuals.compare(
                session,
                plan,
                record,
                facilities,
                now=self._context.clock.now(),
                timezone=self._context.settings.organisation.timezone,
            )

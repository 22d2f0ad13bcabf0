"""Saved plans in the database: written once with their priced lines, read back as records,
and who may read which (the applicant, whoever saved it, admins, and the staff of a
facility the plan costs, who see only their own facilities' lines)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session, aliased

from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.models.grants import GrantPlan, GrantPlanLine
from equipshare.domain.errors import InputError, NotFound
from equipshare.domain.inputs.search_text import checked_search
from equipshare.domain.records.money.grants import CostedLine, GrantEstimate, SavedPlan
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Actor

Host = aliased(Institution, name="host")


def checked_label(value: str, field: str, limit: int) -> str:
    """A title or project code: trimmed, not empty, short, plain text."""
    value = checked_search(value.strip(), field)
    if not value:
        raise InputError(f"{field.replace('_', ' ')} is empty: a saved plan needs one", field)
    if len(value) > limit:
        raise InputError(f"{field.replace('_', ' ')}: at most {limit} characters", field)
    return value


def insert_plan(
    session: Session,
    estimate: GrantEstimate,
    *,
    applicant: UserRecord,
    creator_id: int,
    title: str,
    project_code: str,
    now: datetime,
    instrument_ids: dict[str, int],
) -> int:
    """Write the plan and its lines exactly as priced; returns the new plan's id."""
    plan = GrantPlan(
        title=title,
        project_code=project_code,
        applicant_id=applicant.id,
        institution_id=applicant.institution_id,
        created_by_id=creator_id,
        created_at=now,
        starts_on=estimate.starts_on,
        years=estimate.years,
        uplift_percent=estimate.uplift_percent,
    )
    session.add(plan)
    session.flush()
    session.add_all(
        GrantPlanLine(
            plan_id=plan.id,
            instrument_id=instrument_ids[line.instrument_code],
            year=line.year,
            priced_on=line.priced_on,
            user_class=line.user_class,
            instrument_minutes=line.instrument_minutes,
            assisted_minutes=line.assisted_minutes,
            card_valid_from=line.card_valid_from,
            uplift_years=line.uplift_years,
            hourly_rate_pence=line.hourly_rate_pence,
            technician_rate_pence=line.technician_rate_pence,
            instrument_pence=line.instrument_pence,
            technician_pence=line.technician_pence,
        )
        for line in estimate.lines
    )
    session.flush()
    return plan.id


def full_view(actor: Actor, plan: GrantPlan) -> bool:
    """Whether `actor` sees all of `plan`: its applicant, its author, or an admin."""
    return actor.user.is_admin or actor.id in (plan.applicant_id, plan.created_by_id)


def visible_facilities(session: Session, actor: Actor, plan: GrantPlan) -> frozenset[int] | None:
    """None: every line; else the facilities whose lines `actor` may see (refused if none)."""
    if actor.user.active and full_view(actor, plan):
        return None
    facilities = set(
        session.scalars(
            select(Instrument.facility_id)
            .join(GrantPlanLine, GrantPlanLine.instrument_id == Instrument.id)
            .where(GrantPlanLine.plan_id == plan.id)
        )
    )
    mine = frozenset(facilities & actor.staff_facility_ids) if actor.user.active else frozenset()
    if not mine:
        raise NotFound(f"no grant plan {plan.id} that you may see", "plan")
    return mine


def load_plan(session: Session, plan_id: int) -> GrantPlan:
    plan = session.get(GrantPlan, plan_id)
    if plan is None:
        raise NotFound(f"no grant plan {plan_id}", "plan")
    return plan


def _line_query(plan_ids: list[int]) -> Select[GrantPlanLine, str, str, int, str]:
    return (
        select(
            GrantPlanLine,
            Instrument.code,
            Instrument.name,
            Instrument.facility_id,
            Host.code.label("host_code"),
        )
        .join(Instrument, Instrument.id == GrantPlanLine.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .join(Host, Host.id == Facility.institution_id)
        .where(GrantPlanLine.plan_id.in_(plan_ids))
        .order_by(GrantPlanLine.year, Instrument.code)
    )


def plan_records(
    session: Session, plans: list[GrantPlan], facilities: frozenset[int] | None
) -> list[SavedPlan]:
    """The plans as records, each with its lines (only `facilities`' lines, unless None)."""
    if not plans:
        return []
    lines: dict[int, list[CostedLine]] = {plan.id: [] for plan in plans}
    for row, code, name, facility_id, host_code in session.execute(
        _line_query([p.id for p in plans])
    ):
        if facilities is not None and facility_id not in facilities:
            continue
        lines[row.plan_id].append(_costed(row, code, name, host_code))
    people = {
        user.id: user
        for user in session.scalars(
            select(User).where(User.id.in_({p.applicant_id for p in plans} | _creators(plans)))
        )
    }
    institutions = {
        inst.id: inst.code
        for inst in session.scalars(
            select(Institution).where(Institution.id.in_({p.institution_id for p in plans}))
        )
    }
    return [
        SavedPlan(
            id=plan.id,
            title=plan.title,
            project_code=plan.project_code,
            created_at=plan.created_at,
            created_by=people[plan.created_by_id].username,
            estimate=GrantEstimate(
                applicant=people[plan.applicant_id].username,
                applicant_name=people[plan.applicant_id].display_name,
                institution_code=institutions[plan.institution_id],
                starts_on=plan.starts_on,
                years=plan.years,
                uplift_percent=plan.uplift_percent,
                lines=tuple(lines[plan.id]),
            ),
        )
        for plan in plans
    ]


def _creators(plans: list[GrantPlan]) -> set[int]:
    return {p.created_by_id for p in plans}


def _costed(row: GrantPlanLine, code: str, name: str, host_code: str) -> CostedLine:
    return CostedLine(
        instrument_code=code,
        instrument_name=name,
        host_code=host_code,
        year=row.year,
        priced_on=row.priced_on,
        user_class=row.user_class,
        instrument_minutes=row.instrument_minutes,
        assisted_minutes=row.assisted_minutes,
        card_valid_from=row.card_valid_from,
        uplift_years=row.uplift_years,
        hourly_rate_pence=row.hourly_rate_pence,
        technician_rate_pence=row.technician_rate_pence,
        instrument_pence=row.instrument_pence,
        technician_pence=row.technician_pence,
    )


def listed_plans(session: Session, actor: Actor, applicant_id: int | None) -> list[GrantPlan]:
    """The plans `actor` may see (of one applicant, if given), newest first."""
    query = select(GrantPlan).order_by(GrantPlan.created_at.desc(), GrantPlan.id.desc())
    if applicant_id is not None:
        query = query.where(GrantPlan.applicant_id == applicant_id)
    if not actor.user.active:
        return []
    if not actor.user.is_admin:
        staffed = (
            select(GrantPlanLine.id)
            .join(Instrument, Instrument.id == GrantPlanLine.instrument_id)
            .where(
                GrantPlanLine.plan_id == GrantPlan.id,
                Instrument.facility_id.in_(sorted(actor.staff_facility_ids)),
            )
        )
        query = query.where(
            or_(
                GrantPlan.applicant_id == actor.id,
                GrantPlan.created_by_id == actor.id,
                exists(staffed),
            )
        )
    return list(session.scalars(query))

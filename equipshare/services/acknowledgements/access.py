"""Who may acknowledge whose work, and which bookings each of them may see.

A researcher's acknowledgement: the researcher themself and admins see all their
bookings; staff of a facility the researcher used see only the bookings on their own
facilities' instruments (another facility's bookings are that facility's business).
A project code's: admins see every booking under it; anyone else sees their own
bookings under it and, as facility staff, those on their facilities' instruments. No
acknowledgement names a user, so a project's never names the researcher's collaborators.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.impact.acknowledgements import AcknowledgementPeriod
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Actor
from equipshare.services.plumbing.row_records import load_user

Conditions = list[ColumnElement[bool]]
PROJECT_CODE_WIDTH = 64


def require_active(actor: Actor) -> None:
    if not actor.user.active:
        raise PermissionDenied(
            f"{actor.user.username} may not see acknowledgements: the account is deactivated"
        )


def in_period(period: AcknowledgementPeriod) -> Conditions:
    """Bookings that start in the period (either end may be open)."""
    terms: Conditions = []
    if period.starts_at is not None:
        terms.append(Booking.starts_at >= period.starts_at)
    if period.ends_at is not None:
        terms.append(Booking.starts_at < period.ends_at)
    return terms


def _any_completed(session: Session, conditions: Conditions) -> bool:
    statement = (
        select(Booking.id)
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .where(Booking.status == BookingStatus.COMPLETED, *conditions)
        .limit(1)
    )
    return session.scalar(statement) is not None


def user_selection(session: Session, actor: Actor, username: str) -> tuple[UserRecord, Conditions]:
    """The researcher and the terms selecting the bookings of theirs the actor may see."""
    require_active(actor)
    researcher = load_user(session, username)
    mine: Conditions = [Booking.user_id == researcher.id]
    if actor.user.is_admin or actor.id == researcher.id:
        return researcher, mine
    theirs = [*mine, Instrument.facility_id.in_(actor.staff_facility_ids)]
    if actor.staff_facility_ids and _any_completed(session, theirs):
        return researcher, theirs
    raise PermissionDenied(
        f"{actor.user.username} may not see {researcher.username}'s acknowledgement: that "
        "needs the researcher themself, staff of a facility whose instruments they used, "
        "or an admin",
        "user",
    )


def project_code(text: str) -> str:
    code = text.strip()
    if not code:
        raise InputError("--project: give a project code", "--project")
    if len(code) > PROJECT_CODE_WIDTH:
        raise InputError(
            f"--project: a project code is at most {PROJECT_CODE_WIDTH} characters", "--project"
        )
    return code


def project_selection(session: Session, actor: Actor, code: str) -> Conditions:
    """The terms selecting the bookings under `code` the actor may see; NotFound (the same
    words whether the code is unknown or only others' bookings carry it) when none."""
    require_active(actor)
    terms: Conditions = [Booking.project_code == code]
    if not actor.user.is_admin:
        visible = Booking.user_id == actor.id
        if actor.staff_facility_ids:
            visible = or_(visible, Instrument.facility_id.in_(actor.staff_facility_ids))
        terms.append(visible)
    if not _any_completed(session, terms):
        raise NotFound(
            f"--project: no completed booking under project code {code!r} that "
            f"{actor.user.username} may see",
            "--project",
        )
    return terms

"""The SQL of research outputs: which bookings an output counts, who it credits, who sees it.

An output counts completed bookings only: those its researcher chose, or every completed
booking of theirs under its project code (so bookings completed later under the code count
too). It credits whom the acknowledgement of those bookings credits (services/
acknowledgements: who assisted them, who trained the researcher on their instruments
before); SQL finds the few candidate outputs, the acknowledgements' reckoning decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, true, union
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.models.credit import ResearchOutput, ResearchOutputBooking
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.impact.acknowledgements import CreditRole
from equipshare.domain.records.impact.portfolio import OutputBooking, OutputRecord
from equipshare.domain.rules.permissions import Actor
from equipshare.services.acknowledgements.service import credited_technicians

COMPLETED = BookingStatus.COMPLETED
AnySelect = Select[*tuple[Any, ...]]


def output_bookings() -> Select[tuple[int, int]]:
    """(output_id, booking_id) of every booking each output counts, as one SELECT."""
    chosen = (
        select(ResearchOutputBooking.output_id, ResearchOutputBooking.booking_id)
        .join(Booking, ResearchOutputBooking.booking_id == Booking.id)
        .where(Booking.status == COMPLETED)
    )
    by_code = (
        select(ResearchOutput.id, Booking.id)
        .join(
            Booking,
            and_(
                Booking.user_id == ResearchOutput.user_id,
                Booking.project_code == ResearchOutput.project_code,
            ),
        )
        .where(ResearchOutput.project_code.is_not(None), Booking.status == COMPLETED)
    )
    counted = union(chosen, by_code).subquery()
    return select(counted.c[0].label("output_id"), counted.c[1].label("booking_id"))


def _candidates(session: Session, technician_id: int) -> dict[int, list[int]]:
    """Outputs that may credit the technician (they assisted one of its bookings, or trained
    its researcher on one of its instruments), each with every booking it counts."""
    counted = output_bookings().subquery()
    assisted = (
        select(counted.c.output_id)
        .join(Booking, Booking.id == counted.c.booking_id)
        .where(Booking.technician_id == technician_id)
    )
    trained = (
        select(counted.c.output_id)
        .join(ResearchOutput, ResearchOutput.id == counted.c.output_id)
        .join(Booking, Booking.id == counted.c.booking_id)
        .join(
            TrainingRecord,
            and_(
                TrainingRecord.user_id == ResearchOutput.user_id,
                TrainingRecord.instrument_id == Booking.instrument_id,
            ),
        )
        .where(TrainingRecord.trainer_id == technician_id)
    )
    wanted = union(assisted, trained).subquery()
    found: dict[int, list[int]] = defaultdict(list)
    for output_id, booking_id in session.execute(
        select(counted.c.output_id, counted.c.booking_id).where(
            counted.c.output_id.in_(select(wanted.c[0]))
        )
    ):
        found[output_id].append(booking_id)
    return found


def crediting(session: Session, technician_id: int) -> dict[int, frozenset[CreditRole]]:
    """The outputs whose acknowledgement credits the technician, with the roles it gives
    them: the acknowledgements' own reckoning (`credited_technicians`) of each output's
    bookings, so an output credits exactly whom its acknowledgement names."""
    roles: dict[int, frozenset[CreditRole]] = {}
    for output_id, booking_ids in _candidates(session, technician_id).items():
        held = frozenset(
            role
            for credit in credited_technicians(session, booking_ids)
            if credit.user_id == technician_id
            for role in credit.roles
        )
        if held:
            roles[output_id] = held
    return roles


def visible_to(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Which research_outputs rows the actor may see: their own; those using a booking of a
    facility they staff; those crediting them; every one for an admin."""
    if actor.user.is_admin:
        return true()
    counted = output_bookings().subquery()
    conditions: list[ColumnElement[bool]] = [ResearchOutput.user_id == actor.id]
    if actor.staff_facility_ids:
        staffed = (
            select(counted.c.output_id)
            .join(Booking, Booking.id == counted.c.booking_id)
            .join(Instrument, Booking.instrument_id == Instrument.id)
            .where(Instrument.facility_id.in_(actor.staff_facility_ids))
        )
        conditions.append(ResearchOutput.id.in_(staffed))
    credits = crediting(session, actor.id)
    if credits:
        conditions.append(ResearchOutput.id.in_(sorted(credits)))
    return or_(*conditions)


def booking_rows(session: Session, booking_ids: Iterable[int]) -> dict[int, OutputBooking]:
    """Each booking as an output shows it, by id."""
    ids = list(booking_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            Booking.id,
            Instrument.code,
            Instrument.name,
            Facility.code,
            Booking.starts_at,
            Booking.ends_at,
            Facility.timezone,
            Booking.project_code,
        )
        .join(Instrument, Booking.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .where(Booking.id.in_(ids))
    )
    return {row[0]: OutputBooking(*row) for row in rows}


def output_records(session: Session, where: ColumnElement[bool]) -> tuple[OutputRecord, ...]:
    """The outputs `where` selects, newest year first, each with the bookings it counts."""
    rows = session.execute(
        select(ResearchOutput, User.username, User.display_name, Institution.code)
        .join(User, ResearchOutput.user_id == User.id)
        .join(Institution, User.institution_id == Institution.id)
        .where(where)
        .order_by(ResearchOutput.year.desc(), ResearchOutput.title, ResearchOutput.id)
    ).all()
    if not rows:
        return ()
    ids = [row[0].id for row in rows]
    counted = output_bookings().subquery()
    links: dict[int, list[int]] = defaultdict(list)
    for output_id, booking_id in session.execute(
        select(counted.c.output_id, counted.c.booking_id).where(counted.c.output_id.in_(ids))
    ):
        links[output_id].append(booking_id)
    bookings = booking_rows(session, {b for found in links.values() for b in found})
    records = []
    for output, username, display_name, institution_code in rows:
        used = sorted(
            (bookings[b] for b in links.get(output.id, [])),
            key=lambda b: (b.starts_at, b.booking_id),
        )
        records.append(
            OutputRecord(
                id=output.id,
                username=username,
                researcher_name=display_name,
                institution_code=institution_code,
                doi=output.doi,
                title=output.title,
                year=output.year,
                project_code=output.project_code,
                created_at=output.created_at,
                bookings=tuple(used),
            )
        )
    return tuple(records)


def completed_bookings(session: Session, user_id: int, limit: int) -> tuple[OutputBooking, ...]:
    """A researcher's completed bookings, newest first: what they may attach an output to."""
    ids = session.scalars(
        select(Booking.id)
        .where(Booking.user_id == user_id, Booking.status == COMPLETED)
        .order_by(Booking.starts_at.desc(), Booking.id.desc())
        .limit(limit)
    ).all()
    found = booking_rows(session, ids)
    return tuple(found[i] for i in ids)

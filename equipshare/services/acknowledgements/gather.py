"""From a selection of bookings to what an acknowledgement credits, inside the caller's session.

The selection is any set of WHERE terms on Booking (and its Instrument): one researcher's
bookings in a period, a project code's, or the bookings a research output names. Only
COMPLETED bookings count: the sessions that happened (a no-show checked in after all
becomes completed too, as reports count it). A session's hours are its booked length.

Technicians are credited for assisted sessions (Booking.technician_id: Investigation)
and for training the booking's user on that instrument (TrainingRecord.trainer_id:
Supervision) when the training was given before the end of the user's last selected
session on it, so training that came after the work is not thanked for it. Nobody is
credited for their own sessions or for training themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument
from equipshare.db.models.credit import AcknowledgementTemplate
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.acknowledgements.wording import DEFAULT_TEMPLATE
from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.impact.acknowledgements import (
    Acknowledgement,
    AcknowledgementPeriod,
    CreditedTechnician,
    CreditRole,
    FacilityAcknowledgement,
    InstrumentUse,
    SubjectKind,
    TechnicianActivity,
    TechnicianCredit,
)
from equipshare.domain.records.impact.credit import UNNAMED_STAFF, TechnicianProfileRecord
from equipshare.services.technicians.credit_names import credit_profiles


def session_minutes(starts_at: datetime, ends_at: datetime) -> int:
    """Whole minutes of a session, rounded as the reports' SQL rounds them."""
    return round((ends_at - starts_at).total_seconds() / 60)


@dataclass
class _Figures:
    sessions: int = 0
    minutes: int = 0


@dataclass
class Tally:
    """What the selected bookings add up to, by instrument and by technician (by user id)."""

    instruments: dict[int, _Figures] = field(default_factory=lambda: defaultdict(_Figures))
    assisted: dict[int, _Figures] = field(default_factory=lambda: defaultdict(_Figures))
    # (technician id, instrument id, role) -> sessions and minutes
    work: dict[tuple[int, int, CreditRole], _Figures] = field(
        default_factory=lambda: defaultdict(_Figures)
    )

    @property
    def technician_ids(self) -> set[int]:
        return {technician for technician, _, _ in self.work}


def completed(conditions: Sequence[ColumnElement[bool]]) -> Any:
    """The completed bookings the conditions select, joined to their instrument."""
    return (
        select(
            Booking.user_id,
            Booking.instrument_id,
            Booking.technician_id,
            Booking.starts_at,
            Booking.ends_at,
        )
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .where(Booking.status == BookingStatus.COMPLETED, *conditions)
    )


def tally(session: Session, conditions: Sequence[ColumnElement[bool]]) -> Tally:
    """Add up the selected completed bookings and the training given for them."""
    found = Tally()
    # (user, instrument) -> the end of the user's last selected session on it
    last_end: dict[tuple[int, int], datetime] = {}
    for user_id, instrument_id, technician_id, starts_at, ends_at in session.execute(
        completed(conditions)
    ):
        minutes = session_minutes(starts_at, ends_at)
        figures = found.instruments[instrument_id]
        figures.sessions += 1
        figures.minutes += minutes
        key = (user_id, instrument_id)
        last_end[key] = max(last_end.get(key, ends_at), ends_at)
        if technician_id is not None and technician_id != user_id:
            assisted = found.assisted[instrument_id]
            assisted.sessions += 1
            assisted.minutes += minutes
            work = found.work[technician_id, instrument_id, CreditRole.INVESTIGATION]
            work.sessions += 1
            work.minutes += minutes
    if not last_end:
        return found
    users = {user for user, _ in last_end}
    instruments = {instrument for _, instrument in last_end}
    training = session.execute(
        select(
            TrainingRecord.user_id,
            TrainingRecord.instrument_id,
            TrainingRecord.trainer_id,
            TrainingRecord.trained_at,
        ).where(
            TrainingRecord.user_id.in_(users),
            TrainingRecord.instrument_id.in_(instruments),
            TrainingRecord.trainer_id.is_not(None),
        )
    )
    for user_id, instrument_id, trainer_id, trained_at in training:
        until = last_end.get((user_id, instrument_id))
        if until is None or trainer_id in (None, user_id) or trained_at >= until:
            continue
        found.work[trainer_id, instrument_id, CreditRole.SUPERVISION].sessions += 1
    return found


@dataclass(frozen=True)
class _Place:
    """An instrument with its facility and institution, as the acknowledgement names them."""

    instrument: InstrumentUse
    facility_id: int
    facility_code: str
    facility_name: str
    institution_code: str
    institution_name: str


def _places(session: Session, found: Tally) -> dict[int, _Place]:
    rows = session.execute(
        select(Instrument, Facility, Institution)
        .join(Facility, Facility.id == Instrument.facility_id)
        .join(Institution, Institution.id == Facility.institution_id)
        .where(Instrument.id.in_(found.instruments))
    )
    places = {}
    for instrument, facility, institution in rows:
        used, assisted = found.instruments[instrument.id], found.assisted.get(instrument.id)
        places[instrument.id] = _Place(
            InstrumentUse(
                code=instrument.code,
                name=instrument.name,
                technique=instrument.category,
                manufacturer=instrument.manufacturer or "",
                model=instrument.model or "",
                sessions=used.sessions,
                minutes=used.minutes,
                assisted_sessions=assisted.sessions if assisted else 0,
                assisted_minutes=assisted.minutes if assisted else 0,
            ),
            facility.id,
            facility.code,
            facility.name,
            institution.code,
            institution.name,
        )
    return places


def credited(session: Session, booking_ids: Iterable[int]) -> tuple[CreditedTechnician, ...]:
    """The technicians the completed ones of these bookings credit, with the facility and
    roles; opted-out ones too (`named` False), since they are credited, if unnamed."""
    ids = sorted(set(booking_ids))
    if not ids:
        return ()
    found = tally(session, [Booking.id.in_(ids)])
    places = _places(session, found)
    profiles = credit_profiles(session, found.technician_ids)
    roles: dict[tuple[int, int], set[CreditRole]] = defaultdict(set)
    for technician, instrument, role in found.work:
        roles[technician, places[instrument].facility_id].add(role)
    return tuple(
        CreditedTechnician(user_id, facility_id, frozenset(held), profiles[user_id].named)
        for (user_id, facility_id), held in sorted(roles.items())
        if user_id in profiles
    )


def _credits(
    work: dict[tuple[int, int, CreditRole], _Figures],
    places: dict[int, _Place],
    profiles: dict[int, TechnicianProfileRecord],
) -> dict[int, list[TechnicianCredit]]:
    """Per facility id, the technicians to thank; opted-out ones merged into one unnamed."""
    # facility -> person (None: the unnamed staff) -> (role, technique) -> figures
    by_facility: dict[int, dict[int | None, dict[tuple[CreditRole, str], _Figures]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(_Figures))
    )
    for (technician, instrument, role), figures in work.items():
        profile = profiles.get(technician)
        if profile is None:
            continue
        place = places[instrument]
        person = technician if profile.named else None
        done = by_facility[place.facility_id][person][role, place.instrument.technique]
        done.sessions += figures.sessions
        done.minutes += figures.minutes
    credits: dict[int, list[TechnicianCredit]] = {}
    for facility_id, people in by_facility.items():
        thanked = []
        for person, activities in people.items():
            ordered = sorted(
                activities.items(),
                key=lambda item: (
                    item[0][0] is CreditRole.SUPERVISION,
                    -item[1].minutes,
                    item[0][1],
                ),
            )
            did = tuple(
                TechnicianActivity(role, technique, f.sessions, f.minutes)
                for (role, technique), f in ordered
            )
            if person is None:
                thanked.append(TechnicianCredit(UNNAMED_STAFF, False, None, "", did))
            else:
                profile = profiles[person]
                thanked.append(
                    TechnicianCredit(
                        profile.printed_name, True, profile.orcid, profile.job_title, did
                    )
                )
        thanked.sort(key=lambda c: (-c.assisted_minutes, not c.named, c.name.casefold()))
        credits[facility_id] = thanked
    return credits


def acknowledgement(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    subject_kind: SubjectKind,
    subject: str,
    period: AcknowledgementPeriod,
) -> Acknowledgement:
    """The acknowledgement of the selected bookings: facilities with most hours first."""
    found = tally(session, conditions)
    places = _places(session, found)
    profiles = credit_profiles(session, found.technician_ids)
    credits = _credits(found.work, places, profiles)
    facility_ids = {place.facility_id for place in places.values()}
    templates: dict[int, str] = {
        facility_id: template
        for facility_id, template in session.execute(
            select(AcknowledgementTemplate.facility_id, AcknowledgementTemplate.template).where(
                AcknowledgementTemplate.facility_id.in_(facility_ids)
            )
        )
    }
    uses: dict[int, list[_Place]] = defaultdict(list)
    for place in places.values():
        uses[place.facility_id].append(place)
    facilities = []
    for facility_id, here in uses.items():
        here.sort(key=lambda p: (-p.instrument.minutes, p.instrument.code))
        first = here[0]
        own = templates.get(facility_id)
        facilities.append(
            FacilityAcknowledgement(
                code=first.facility_code,
                name=first.facility_name,
                institution_code=first.institution_code,
                institution_name=first.institution_name,
                template=own or DEFAULT_TEMPLATE,
                template_is_default=own is None,
                instruments=tuple(p.instrument for p in here),
                technicians=tuple(credits.get(facility_id, ())),
            )
        )
    facilities.sort(key=lambda f: (-f.minutes, f.code))
    return Acknowledgement(subject_kind, subject, period, tuple(facilities))

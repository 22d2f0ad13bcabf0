"""A technician's recorded work as SQL aggregates: one GROUP BY per figure, never a row in Python.

The figures are the technicians report's, narrowed to one person and broken down:
- assisted: held bookings (confirmed, completed, no-show) they were the technician of,
  counted where their start falls, by instrument and by the booker's own institution;
- training given: records they are the trainer of, by when training was given; renewals
  are the audit trail's `training.renew` events they made (a renewal changes a record's
  expiry and leaves no other trace);
- downtime handled: downtime they scheduled that starts in the period;
- instruments looked after: those they are the contact technician of now;
- outputs: those whose acknowledgement credits them (see services/outputs/queries.py),
  published in one of the period's years.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.models.credit import ResearchOutput
from equipshare.db.models.training import TrainingRecord
from equipshare.db.rollup_sql import booked_length, held
from equipshare.domain.records.impact.acknowledgements import CreditRole
from equipshare.domain.records.impact.portfolio import (
    PortfolioInstitution,
    PortfolioInstrument,
    PortfolioOutput,
)
from equipshare.domain.records.impact.reports import ReportPeriod
from equipshare.services.outputs.queries import crediting
from equipshare.services.reports.sql_time import minutes_between
from equipshare.services.reports.usage import in_period

RENEWAL = "training.renew"


@dataclass
class _Work:
    assisted_sessions: int = 0
    assisted_minutes: int = 0
    training_records: int = 0
    people_trained: int = 0
    renewals: int = 0
    downtimes_handled: int = 0
    downtime_minutes: int = 0
    looked_after: bool = False


def renewals_by(technician_id: int, period: ReportPeriod) -> Any:
    """(instrument id, training record id) of each renewal the technician made in the period."""
    return (
        select(TrainingRecord.instrument_id, TrainingRecord.id)
        .select_from(AuditEvent)
        .join(TrainingRecord, cast(TrainingRecord.id, String) == AuditEvent.entity_id)
        .where(
            AuditEvent.action == RENEWAL,
            AuditEvent.entity_type == "training_record",
            AuditEvent.actor_id == technician_id,
            in_period(AuditEvent.occurred_at, period),
        )
    )


def instrument_work(
    session: Session, dialect: str, technician_id: int, period: ReportPeriod
) -> tuple[PortfolioInstrument, ...]:
    """One row per instrument the technician worked on or looks after, ordered by code."""
    work: dict[int, _Work] = defaultdict(_Work)
    assisted = select(Booking.instrument_id, func.count(), func.sum(booked_length(dialect))).where(
        Booking.technician_id == technician_id, held(), in_period(Booking.starts_at, period)
    )
    for instrument_id, sessions, minutes in session.execute(
        assisted.group_by(Booking.instrument_id)
    ):
        work[instrument_id].assisted_sessions = int(sessions)
        work[instrument_id].assisted_minutes = int(minutes or 0)
    training = select(
        TrainingRecord.instrument_id, func.count(), func.count(TrainingRecord.user_id.distinct())
    ).where(
        TrainingRecord.trainer_id == technician_id, in_period(TrainingRecord.trained_at, period)
    )
    for instrument_id, records, people in session.execute(
        training.group_by(TrainingRecord.instrument_id)
    ):
        work[instrument_id].training_records = int(records)
        work[instrument_id].people_trained = int(people)
    renewed = renewals_by(technician_id, period).subquery()
    for instrument_id, count in session.execute(
        select(renewed.c.instrument_id, func.count()).group_by(renewed.c.instrument_id)
    ):
        work[instrument_id].renewals = int(count)
    downtime = select(
        Downtime.instrument_id,
        func.count(),
        func.sum(minutes_between(dialect, Downtime.starts_at, Downtime.ends_at)),
    ).where(Downtime.created_by_id == technician_id, in_period(Downtime.starts_at, period))
    for instrument_id, count, minutes in session.execute(downtime.group_by(Downtime.instrument_id)):
        work[instrument_id].downtimes_handled = int(count)
        work[instrument_id].downtime_minutes = int(minutes or 0)
    for instrument_id in session.scalars(
        select(Instrument.id).where(Instrument.contact_technician_id == technician_id)
    ):
        work[instrument_id].looked_after = True
    if not work:
        return ()
    labels = session.execute(
        select(Instrument.id, Instrument.code, Instrument.name, Facility.code)
        .join(Facility, Instrument.facility_id == Facility.id)
        .where(Instrument.id.in_(list(work)))
        .order_by(Instrument.code)
    )
    return tuple(
        PortfolioInstrument(
            instrument_code=code,
            instrument_name=name,
            facility_code=facility,
            assisted_sessions=work[key].assisted_sessions,
            assisted_minutes=work[key].assisted_minutes,
            training_records=work[key].training_records,
            people_trained=work[key].people_trained,
            renewals=work[key].renewals,
            downtimes_handled=work[key].downtimes_handled,
            downtime_minutes=work[key].downtime_minutes,
            looked_after=work[key].looked_after,
        )
        for key, code, name, facility in labels
    )


def institution_work(
    session: Session, dialect: str, technician_id: int, period: ReportPeriod
) -> tuple[PortfolioInstitution, ...]:
    """Assisted sessions by the bookers' own institutions, most hours first."""
    rows = session.execute(
        select(
            Institution.code,
            Institution.name,
            func.count(),
            func.sum(booked_length(dialect)),
            func.count(Booking.user_id.distinct()),
        )
        .select_from(Booking)
        .join(User, Booking.user_id == User.id)
        .join(Institution, User.institution_id == Institution.id)
        .where(Booking.technician_id == technician_id, held(), in_period(Booking.starts_at, period))
        .group_by(Institution.code, Institution.name)
    ).all()
    made = [
        PortfolioInstitution(code, name, int(sessions), int(minutes or 0), int(people))
        for code, name, sessions, minutes, people in rows
    ]
    return tuple(sorted(made, key=lambda r: (-r.assisted_minutes, r.institution_code)))


def people_and_renewals(
    session: Session, technician_id: int, period: ReportPeriod
) -> tuple[int, int]:
    """Different people trained (someone trained on two instruments counts once), and
    renewals made, in the period."""
    people = session.scalar(
        select(func.count(TrainingRecord.user_id.distinct())).where(
            TrainingRecord.trainer_id == technician_id,
            in_period(TrainingRecord.trained_at, period),
        )
    )
    renewed = renewals_by(technician_id, period).subquery()
    renewals = session.scalar(select(func.count()).select_from(renewed))
    return int(people or 0), int(renewals or 0)


def crediting_outputs(
    session: Session, technician_id: int, period: ReportPeriod
) -> tuple[PortfolioOutput, ...]:
    """Outputs published in the period's years whose acknowledgement credits the technician:
    they assisted one of its bookings (Investigation), or trained its researcher on one of
    its instruments before (Supervision)."""
    credits = crediting(session, technician_id)
    rows = session.execute(
        select(
            ResearchOutput.id,
            ResearchOutput.doi,
            ResearchOutput.title,
            ResearchOutput.year,
            Institution.code,
        )
        .join(User, ResearchOutput.user_id == User.id)
        .join(Institution, User.institution_id == Institution.id)
        .where(
            ResearchOutput.id.in_(sorted(credits)),
            ResearchOutput.year >= period.first_day.year,
            ResearchOutput.year <= period.last_day.year,
        )
        .order_by(ResearchOutput.year.desc(), ResearchOutput.title, ResearchOutput.id)
    )
    return tuple(
        PortfolioOutput(
            output_id=output_id,
            doi=doi,
            title=title,
            year=year,
            institution_code=institution,
            assisted=CreditRole.INVESTIGATION in credits[output_id],
            trained=CreditRole.SUPERVISION in credits[output_id],
        )
        for output_id, doi, title, year, institution in rows
    )

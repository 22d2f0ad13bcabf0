"""Technicians' recorded work and the demand on instruments, as SQL aggregates.

Technicians: assisted sessions, training given, downtime handled and instruments looked
after, one GROUP BY per figure over the staff the actor may see. Demand: waitlist
entries, refused and all requests per instrument, and when people ask to start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Facility, FacilityStaff, Institution, Instrument, User
from equipshare.db.models.queue import WaitlistEntry
from equipshare.db.models.training import TrainingRecord
from equipshare.db.rollup_sql import booked_length, held
from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.impact.credit import UNNAMED_STAFF
from equipshare.domain.records.impact.reports import (
    DemandReport,
    DemandRow,
    ReportPeriod,
    TechnicianRow,
    TechniciansReport,
)
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.sql_time import (
    AnySelect,
    local_hour,
    local_weekday,
    minutes_between,
)
from equipshare.services.reports.usage import in_period
from equipshare.services.technicians.credit_names import credit_profiles


def _on_instruments(statement: AnySelect, instrument_id: Any, scope: Scope) -> AnySelect:
    """Join `instrument_id` to its instrument and facility, keeping the scope's instruments."""
    return (
        statement.join(Instrument, instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .where(*scope.conditions())
    )


def technicians_report(
    session: Session,
    dialect: str,
    period: ReportPeriod,
    scope: Scope,
    visible: ColumnElement[bool],
) -> TechniciansReport:
    """Rows for the staff of the facilities in scope that `visible` lets the actor see."""
    staff = (
        select(FacilityStaff.user_id)
        .join(Facility, FacilityStaff.facility_id == Facility.id)
        .where(visible, *scope.conditions())
    )
    people = session.execute(
        select(User.id, User.username, User.display_name, Institution.code)
        .join(Institution, User.institution_id == Institution.id)
        .where(User.id.in_(staff))
        .order_by(User.display_name, User.username)
    ).all()
    figures: dict[int, dict[str, int]] = defaultdict(dict)

    def collect(statement: AnySelect, group: Any) -> None:
        """Each staff member's figures from `statement`: `group` labelled "staff_id", and
        every other column labelled with the figure it holds."""
        names = set(statement.selected_columns.keys()) - {"staff_id"}
        for row in session.execute(statement.where(group.in_(staff)).group_by(group)):
            figures[row.staff_id].update((name, int(getattr(row, name))) for name in names)

    assisted = select(
        Booking.technician_id.label("staff_id"),
        func.count().label("assisted_sessions"),
        func.sum(booked_length(dialect)).label("assisted_minutes"),
    )
    collect(
        _on_instruments(assisted, Booking.instrument_id, scope).where(
            held(), in_period(Booking.starts_at, period)
        ),
        Booking.technician_id,
    )
    training = select(
        TrainingRecord.trainer_id.label("staff_id"),
        func.count().label("training_sessions"),
        func.count(TrainingRecord.user_id.distinct()).label("people_trained"),
        func.count(TrainingRecord.instrument_id.distinct()).label("instruments_trained_on"),
    )
    collect(
        _on_instruments(training, TrainingRecord.instrument_id, scope).where(
            in_period(TrainingRecord.trained_at, period)
        ),
        TrainingRecord.trainer_id,
    )
    downtime = select(
        Downtime.created_by_id.label("staff_id"),
        func.count().label("downtimes_handled"),
        func.sum(minutes_between(dialect, Downtime.starts_at, Downtime.ends_at)).label(
            "downtime_minutes"
        ),
    )
    collect(
        _on_instruments(downtime, Downtime.instrument_id, scope).where(
            in_period(Downtime.starts_at, period)
        ),
        Downtime.created_by_id,
    )
    looked_after = (
        select(
            Instrument.contact_technician_id.label("staff_id"),
            func.count().label("instruments_looked_after"),
        )
        .join(Facility, Instrument.facility_id == Facility.id)
        .where(*scope.conditions())
    )
    collect(looked_after, Instrument.contact_technician_id)
    rows = []
    for user_id, username, display_name, institution_code in people:
        f = figures.get(user_id, {})
        rows.append(
            TechnicianRow(
                user_id=user_id,
                username=username,
                display_name=display_name,
                institution_code=institution_code,
                assisted_sessions=f.get("assisted_sessions", 0),
                assisted_minutes=f.get("assisted_minutes", 0),
                training_sessions=f.get("training_sessions", 0),
                people_trained=f.get("people_trained", 0),
                instruments_trained_on=f.get("instruments_trained_on", 0),
                downtimes_handled=f.get("downtimes_handled", 0),
                downtime_minutes=f.get("downtime_minutes", 0),
                instruments_looked_after=f.get("instruments_looked_after", 0),
            )
        )
    # People, not rows: someone trained by two technicians counts once.
    trained = _on_instruments(
        select(func.count(TrainingRecord.user_id.distinct())).select_from(TrainingRecord),
        TrainingRecord.instrument_id,
        scope,
    ).where(in_period(TrainingRecord.trained_at, period), TrainingRecord.trainer_id.in_(staff))
    return TechniciansReport(
        period=period, rows=tuple(rows), people_trained=session.scalar(trained) or 0
    )


def unnamed_hidden(
    session: Session, report: TechniciansReport, viewer_id: int
) -> TechniciansReport:
    """The report with each technician who opted out of being named shown as the unnamed
    words, without username, to everyone but themself (their figures still count)."""
    profiles = credit_profiles(session, [row.user_id for row in report.rows])
    rows = tuple(
        row
        if row.user_id == viewer_id or row.user_id not in profiles or profiles[row.user_id].named
        else replace(row, username="", display_name=UNNAMED_STAFF)
        for row in report.rows
    )
    return replace(report, rows=rows)


def demand_report(
    session: Session, dialect: str, period: ReportPeriod, scope: Scope, limit: int
) -> DemandReport:
    zero: ColumnElement[int] = literal_column("0")
    requests = _on_instruments(
        select(
            Booking.instrument_id.label("instrument_id"),
            zero.label("waitlist"),
            func.sum(case((Booking.status == BookingStatus.REJECTED, 1), else_=0)).label("refused"),
            func.count().label("requests"),
        ).select_from(Booking),
        Booking.instrument_id,
        scope,
    ).where(in_period(Booking.starts_at, period))
    waiting = _on_instruments(
        select(
            WaitlistEntry.instrument_id.label("instrument_id"),
            func.count().label("waitlist"),
            zero.label("refused"),
            zero.label("requests"),
        ).select_from(WaitlistEntry),
        WaitlistEntry.instrument_id,
        scope,
    ).where(in_period(WaitlistEntry.starts_at, period))
    both = union_all(
        requests.group_by(Booking.instrument_id), waiting.group_by(WaitlistEntry.instrument_id)
    ).subquery()
    totals = (
        select(
            both.c.instrument_id,
            func.sum(both.c.waitlist).label("waitlist"),
            func.sum(both.c.refused).label("refused"),
            func.sum(both.c.requests).label("requests"),
        )
        .group_by(both.c.instrument_id)
        .subquery()
    )
    ranked = session.execute(
        select(
            Instrument.code,
            Instrument.name,
            Institution.code,
            totals.c.waitlist,
            totals.c.refused,
            totals.c.requests,
        )
        .join(Instrument, totals.c.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .join(Institution, Facility.institution_id == Institution.id)
        .order_by(
            totals.c.waitlist.desc(),
            totals.c.refused.desc(),
            totals.c.requests.desc(),
            Instrument.code,
        )
        .limit(max(1, limit))
    ).all()
    instruments = tuple(
        DemandRow(code, name, institution, int(waitlist), int(refused), int(asked))
        for code, name, institution, waitlist, refused, asked in ranked
    )
    by_hour, by_weekday = [0] * 24, [0] * 7
    for hour, weekday, count in _when_requested(session, dialect, period, scope):
        by_hour[int(hour)] += int(count)
        by_weekday[int(weekday)] += int(count)
    return DemandReport(
        period=period,
        instruments=instruments,
        by_hour=tuple(by_hour),
        by_weekday=tuple(by_weekday),
    )


def _when_requested(
    session: Session, dialect: str, period: ReportPeriod, scope: Scope
) -> Iterable[Any]:
    """(local hour, local weekday, requests) of bookings starting in the period, in one pass."""
    start = Booking.starts_at
    inner = (
        _on_instruments(
            select(
                local_hour(dialect, start, period).label("hour"),
                local_weekday(dialect, start, period).label("weekday"),
            ).select_from(Booking),
            Booking.instrument_id,
            scope,
        )
        .where(in_period(start, period))
        .subquery()
    )
    return session.execute(
        select(inner.c.hour, inner.c.weekday, func.count()).group_by(inner.c.hour, inner.c.weekday)
    )

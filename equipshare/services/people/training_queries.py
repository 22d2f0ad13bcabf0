"""Training queries shared by the training service and its import: the active-record test,
the listing's select and its rows as views, a user's standing on an instrument, and the
audited fields of a record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import TrainingLevel, TrainingState
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.users.people import TrainingRecordView, UserRecord, UserTraining
from equipshare.domain.rules.permissions import Actor
from equipshare.domain.rules.training_rules import state_at
from equipshare.services.bookings.checks import holds_training
from equipshare.services.technicians.credit_names import opted_out, staff_shown

AUDIT_FIELDS = (
    "user_id",
    "instrument_id",
    "trainer_id",
    "level",
    "trained_at",
    "expires_at",
    "revoked_at",
    "notes",
)
# A listing's select: a record and the names shown beside it.
ViewSelect = Select[*tuple[Any, ...]]
Trainee = aliased(User)
Trainer = aliased(User)


def snapshot(row: TrainingRecord) -> dict[str, Any]:
    return {name: getattr(row, name) for name in AUDIT_FIELDS}


def active_clause(now: datetime) -> ColumnElement[bool]:
    return and_(
        TrainingRecord.revoked_at.is_(None),
        or_(TrainingRecord.expires_at.is_(None), TrainingRecord.expires_at > now),
    )


def view_query() -> ViewSelect:
    return (
        select(
            TrainingRecord,
            Trainee.username,
            Trainee.display_name,
            Institution.code,
            Institution.name,
            Instrument.code,
            Instrument.name,
            Facility.id,
            Facility.name,
            Facility.timezone,
            Trainer.username,
        )
        .join(Trainee, TrainingRecord.user_id == Trainee.id)
        .join(Institution, Trainee.institution_id == Institution.id)
        .join(Instrument, TrainingRecord.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .outerjoin(Trainer, TrainingRecord.trainer_id == Trainer.id)
    )


def record_views(
    session: Session, statement: ViewSelect, now: datetime, viewer: Actor | None = None
) -> list[TrainingRecordView]:
    """The rows as views; for a listing's `viewer`, a trainer who opted out of being named
    shows as `staff_shown` allows them."""
    hidden = opted_out(session) if viewer is not None else frozenset[int]()
    return [
        TrainingRecordView(
            id=row.id,
            username=username,
            user_display_name=display_name,
            user_institution_code=inst_code,
            user_institution_name=inst_name,
            instrument_code=code,
            instrument_name=name,
            facility_id=facility_id,
            facility_name=facility_name,
            timezone=timezone,
            level=row.level,
            trained_at=row.trained_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            trainer_username=trainer
            if viewer is None
            else staff_shown(trainer, row.trainer_id, facility_id, viewer, hidden),
            notes=row.notes,
            state=state_at(row.revoked_at, row.expires_at, now),
        )
        for (
            row,
            username,
            display_name,
            inst_code,
            inst_name,
            code,
            name,
            facility_id,
            facility_name,
            timezone,
            trainer,
        ) in session.execute(statement).all()
    ]


def record_view(session: Session, record_id: int, now: datetime) -> TrainingRecordView:
    return record_views(session, view_query().where(TrainingRecord.id == record_id), now)[0]


def training_of(
    session: Session, user: UserRecord, instrument: InstrumentRecord, now: datetime
) -> UserTraining:
    """The user's training on the instrument at `now`, inside the caller's transaction.

    The deciding record is the best active one (independent first, then the longest
    lasting); with none active, the latest record says why (expired or revoked).
    """
    rows: Sequence[TrainingRecord] = session.scalars(
        select(TrainingRecord)
        .where(TrainingRecord.user_id == user.id, TrainingRecord.instrument_id == instrument.id)
        .order_by(TrainingRecord.trained_at.desc(), TrainingRecord.id.desc())
    ).all()
    active = [r for r in rows if state_at(r.revoked_at, r.expires_at, now) is TrainingState.ACTIVE]
    never = datetime.max.replace(tzinfo=now.tzinfo)
    active.sort(
        key=lambda r: (r.level is TrainingLevel.INDEPENDENT, r.expires_at or never), reverse=True
    )
    deciding = active[0] if active else (rows[0] if rows else None)
    return UserTraining(
        username=user.username,
        instrument_code=instrument.code,
        timezone=instrument.timezone,
        state=state_at(deciding.revoked_at, deciding.expires_at, now) if deciding else None,
        level=deciding.level if deciding else None,
        expires_at=deciding.expires_at if deciding else None,
        revoked_at=deciding.revoked_at if deciding else None,
        record_id=deciding.id if deciding else None,
        may_use_alone=holds_training(session, user.id, instrument.id, now),
    )


def active_record(
    session: Session, user_id: int, instrument_id: int, now: datetime, other_than: int = -1
) -> TrainingRecord | None:
    return session.scalars(
        select(TrainingRecord)
        .where(
            TrainingRecord.user_id == user_id,
            TrainingRecord.instrument_id == instrument_id,
            TrainingRecord.id != other_than,
            active_clause(now),
        )
        .order_by(TrainingRecord.id)
        .limit(1)
    ).first()

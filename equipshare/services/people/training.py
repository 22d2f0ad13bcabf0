"""TrainingService: technicians record, renew and revoke who may use which instrument.

Decisions worth knowing:
- One active record per user and instrument. Recording training for someone who already
  holds an active record is refused (ConflictError naming the record): renew it, or revoke
  it first (say, when supervised becomes independent), so the history reads plainly.
- An expiry given as a date means "valid through that day" in the facility's zone: it is
  stored as the local midnight that ends the day, and shown as that day again.
- "May use alone" is the booking rule's own answer (booking_checks.holds_training).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import TrainingLevel
from equipshare.domain.errors import (
    ConflictError,
    InputError,
    NotFound,
    PermissionDenied,
    RefusedError,
)
from equipshare.domain.permissions import Action, Actor, Target, require, staff_scope
from equipshare.domain.records.catalogue import InstrumentRecord
from equipshare.domain.records.people import TrainingRecordView, UserTraining
from equipshare.domain.training_rules import (
    day_words,
    expiry_instant,
    last_valid_day,
    parse_level,
)
from equipshare.services.bookings.checks import lock_rows
from equipshare.services.people.training_queries import (
    Trainee,
    ViewSelect,
    active_clause,
    active_record,
    record_view,
    record_views,
    snapshot,
    training_of,
    view_query,
)
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

# The most rows one listing returns; a national admin would otherwise get every record.
MAX_ROWS = 5000


def _looked_after(actor: Actor) -> frozenset[int] | None:
    """The facilities whose training the actor may list (None: all); refuse if none."""
    scope = staff_scope(actor, Action.RECORD_TRAINING)
    if scope is None or scope:
        return scope
    who = actor.user.username
    if not actor.user.active:
        raise PermissionDenied(
            f"{who} may not {Action.RECORD_TRAINING}: the account is deactivated"
        )
    raise PermissionDenied(
        f"{who} may not {Action.RECORD_TRAINING}: that needs a manager or technician of a "
        "facility, or an admin"
    )


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InputError("reason: say why the training is revoked", "reason")
    return reason.strip()


class TrainingService:
    """Training records of the instruments an actor looks after; every change is audited."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    # -- changing ---------------------------------------------------------------------

    def record(
        self,
        actor_username: str,
        username: str,
        instrument_code: str,
        level: TrainingLevel | str,
        expires: datetime | date | None,
        notes: str = "",
    ) -> TrainingRecordView:
        """Record that `username` was trained today on the instrument, by the actor."""
        username, instrument_code = username.strip(), instrument_code.strip()
        if not instrument_code:
            raise InputError("instrument: give the instrument's code", "instrument")
        if not username:
            raise InputError("user: give the username of the person trained", "user")
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, instrument_code)
            require(actor, Action.RECORD_TRAINING, Target.of(instrument))
            user = row_records.load_user(session, username)
            chosen = parse_level(level)
            expires_at = expiry_instant(expires, instrument.timezone, now)
            if not user.active:
                raise RefusedError(f"{user.username}'s account is deactivated", "user")
            lock_rows(session, instrument.id, None)  # one writer per instrument: no twin records
            held = active_record(session, user.id, instrument.id, now)
            if held is not None:
                until = (
                    f"valid until {day_words(last_valid_day(held.expires_at, instrument.timezone))}"
                    if held.expires_at
                    else "no expiry"
                )
                raise ConflictError(
                    f"{user.username} already holds {held.level.value} training on "
                    f"{instrument.code} (record {held.id}, {until}): renew that record, "
                    "or revoke it before recording new training",
                    field="user",
                )
            row = TrainingRecord(
                user_id=user.id,
                instrument_id=instrument.id,
                trainer_id=actor.id,
                level=chosen,
                trained_at=now,
                expires_at=expires_at,
                revoked_at=None,
                notes=notes.strip(),
            )
            session.add(row)
            session.flush()
            self._audit(session, actor, "training.record", row, None)
            return record_view(session, row.id, now)

    def renew(
        self, actor_username: str, record_id: int, expires: datetime | date | None
    ) -> TrainingRecordView:
        """Set a new expiry (None: never expires); an expired record becomes active again."""
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            return self._renew(session, actor, record_id, expires)

    def renew_for(
        self,
        actor_username: str,
        username: str,
        instrument_code: str,
        expires: datetime | date | None,
    ) -> TrainingRecordView:
        """Renew the user's latest unrevoked record on the instrument (the command line's way)."""
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            record_id = self._held(session, actor, username, instrument_code, "renew")
            return self._renew(session, actor, record_id, expires)

    def _renew(
        self, session: Session, actor: Actor, record_id: int, expires: datetime | date | None
    ) -> TrainingRecordView:
        now = self._clock.now()
        row, instrument = self._lock(session, actor, record_id)
        if row.revoked_at is not None:
            raise RefusedError(
                f"training record {row.id} was revoked and cannot be renewed; "
                "record new training instead",
                "record",
            )
        expires_at = expiry_instant(expires, instrument.timezone, now)
        other = active_record(session, row.user_id, row.instrument_id, now, row.id)
        if other is not None:
            raise ConflictError(
                f"training record {other.id} on {instrument.code} is already active for "
                f"this user; renew that one instead",
                field="record",
            )
        before = snapshot(row)
        row.expires_at = expires_at
        session.flush()
        self._audit(session, actor, "training.renew", row, before)
        return record_view(session, row.id, now)

    def revoke(self, actor_username: str, record_id: int, reason: str) -> TrainingRecordView:
        """Withdraw training now; the reason goes into the record's notes and the audit."""
        reason = _reason(reason)
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            return self._revoke(session, actor, record_id, reason)

    def revoke_for(
        self, actor_username: str, username: str, instrument_code: str, reason: str
    ) -> TrainingRecordView:
        """Revoke the user's latest unrevoked record on the instrument (the command line's way)."""
        reason = _reason(reason)
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            record_id = self._held(session, actor, username, instrument_code, "revoke")
            return self._revoke(session, actor, record_id, reason)

    def _revoke(
        self, session: Session, actor: Actor, record_id: int, reason: str
    ) -> TrainingRecordView:
        now = self._clock.now()
        row, instrument = self._lock(session, actor, record_id)
        if row.revoked_at is not None:
            raise RefusedError(f"training record {row.id} is already revoked", "record")
        before = snapshot(row)
        today = day_words(now.astimezone(ZoneInfo(instrument.timezone)).date())
        note = f"Revoked {today} by {actor.user.username}: {reason}"
        row.revoked_at = now
        row.notes = f"{row.notes}\n{note}" if row.notes else note
        session.flush()
        self._audit(session, actor, "training.revoke", row, before, reason=reason)
        return record_view(session, row.id, now)

    @staticmethod
    def _held(
        session: Session, actor: Actor, username: str, instrument_code: str, verb: str
    ) -> int:
        """The id of the user's latest unrevoked record on the instrument, once the actor
        is found to look after it; NotFound naming the user when there is none."""
        instrument = row_records.load_instrument(session, instrument_code.strip())
        require(actor, Action.RECORD_TRAINING, Target.of(instrument))
        user = row_records.load_user(session, username.strip())
        found = session.scalar(
            select(TrainingRecord.id)
            .where(
                TrainingRecord.user_id == user.id,
                TrainingRecord.instrument_id == instrument.id,
                TrainingRecord.revoked_at.is_(None),
            )
            .order_by(TrainingRecord.trained_at.desc(), TrainingRecord.id.desc())
            .limit(1)
        )
        if found is None:
            raise NotFound(
                f"{user.username} holds no training on {instrument.code} to {verb}"
                + ("; record training instead" if verb == "renew" else ""),
                "user",
            )
        return found

    def _lock(
        self, session: Session, actor: Actor, record_id: int
    ) -> tuple[TrainingRecord, InstrumentRecord]:
        """Find the record, check the right on its instrument, lock, and read it afresh."""
        code = session.scalar(
            select(Instrument.code)
            .join(TrainingRecord, TrainingRecord.instrument_id == Instrument.id)
            .where(TrainingRecord.id == record_id)
        )
        if code is None:
            raise NotFound(f"no training record {record_id}", "record")
        instrument = row_records.load_instrument(session, code)
        require(actor, Action.RECORD_TRAINING, Target.of(instrument))
        lock_rows(session, instrument.id, None)
        row = session.get_one(TrainingRecord, record_id)
        session.refresh(row)  # the lock may have waited on a writer that changed it
        return row, instrument

    def _audit(
        self,
        session: Session,
        actor: Actor,
        action: str,
        row: TrainingRecord,
        before: dict[str, Any] | None,
        **extra: Any,
    ) -> None:
        record_audit(
            session,
            actor_id=actor.id,
            action=action,
            entity_type="training_record",
            entity_id=row.id,
            at=self._clock.now(),
            before=before,
            after=snapshot(row) | extra,
        )

    # -- reading ----------------------------------------------------------------------

    def for_facility(
        self, actor_username: str, facility_id: int | None = None, include_inactive: bool = False
    ) -> list[TrainingRecordView]:
        """Records on the instruments the actor looks after, by instrument then user.

        Without `facility_id`: every facility the actor staffs (all of them for an admin).
        """
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            statement = self._scoped(session, actor, facility_id)
            if not include_inactive:
                statement = statement.where(active_clause(now))
            statement = statement.order_by(
                Instrument.code,
                Trainee.username,
                TrainingRecord.trained_at.desc(),
                TrainingRecord.id,
            ).limit(MAX_ROWS)
            return record_views(session, statement, now)

    def expiring(self, actor_username: str, within_days: int = 30) -> list[TrainingRecordView]:
        """Active records that lapse within `within_days` of now, soonest first."""
        if within_days < 0:
            raise InputError("within_days: give zero or more days", "within_days")
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            statement = (
                self._scoped(session, actor, None)
                .where(
                    TrainingRecord.revoked_at.is_(None),
                    TrainingRecord.expires_at > now,
                    TrainingRecord.expires_at <= now + timedelta(days=within_days),
                )
                .order_by(TrainingRecord.expires_at, Instrument.code, Trainee.username)
                .limit(MAX_ROWS)
            )
            return record_views(session, statement, now)

    def listing(
        self,
        actor_username: str,
        *,
        instrument_code: str | None = None,
        username: str | None = None,
        expiring_within: int | None = None,
    ) -> list[TrainingRecordView]:
        """Records on the instruments the actor looks after, revoked and expired ones too.

        Narrowed to one instrument (refused unless the actor looks after it) or one user;
        with `expiring_within`, only active records lapsing within that many days, as
        `expiring` lists them.
        """
        if expiring_within is not None and expiring_within < 0:
            raise InputError("expiring within: give zero or more days", "expiring_within")
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            statement = self._scoped(session, actor, None)
            order = [Instrument.code, Trainee.username, TrainingRecord.trained_at.desc()]
            if instrument_code is not None:
                instrument = row_records.load_instrument(session, instrument_code.strip())
                require(actor, Action.RECORD_TRAINING, Target.of(instrument))
                statement = statement.where(Instrument.id == instrument.id)
            if username is not None:
                user = row_records.load_user(session, username.strip())
                statement = statement.where(TrainingRecord.user_id == user.id)
            if expiring_within is not None:
                statement = statement.where(
                    TrainingRecord.revoked_at.is_(None),
                    TrainingRecord.expires_at > now,
                    TrainingRecord.expires_at <= now + timedelta(days=expiring_within),
                )
                order = [TrainingRecord.expires_at, Instrument.code, Trainee.username]
            statement = statement.order_by(*order, TrainingRecord.id).limit(MAX_ROWS)
            return record_views(session, statement, now)

    def _scoped(self, session: Session, actor: Actor, facility_id: int | None) -> ViewSelect:
        statement = view_query()
        if facility_id is not None:
            facility = session.get(Facility, facility_id)
            if facility is None:
                raise NotFound(f"no facility {facility_id}", "facility")
            require(
                actor, Action.RECORD_TRAINING, Target(facility.id, facility.name, facility.code)
            )
            return statement.where(Facility.id == facility_id)
        scope = _looked_after(actor)
        return statement if scope is None else statement.where(Facility.id.in_(sorted(scope)))

    def status_for(self, username: str, instrument_code: str) -> UserTraining:
        """Whether `username` is trained on the instrument now, and until when."""
        with self._db.readonly() as session:
            user = row_records.load_user(session, username)
            instrument = row_records.load_instrument(session, instrument_code)
            return training_of(session, user, instrument, self._clock.now())

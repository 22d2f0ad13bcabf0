"""TrainingService: technicians record, renew and revoke who may use which instrument;
its listings and pages come from TrainingListing (training_listing.py).

Decisions worth knowing:
- One active record per user and instrument. Recording training for someone who already
  holds an active record is refused (ConflictError naming the record): renew it, or revoke
  it first (say, when supervised becomes independent), so the history reads plainly.
- An expiry given as a date means "valid through that day" in the facility's zone: it is
  stored as the local midnight that ends the day, and shown as that day again.
- "May use alone" is the booking rule's own answer (booking_checks.holds_training).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Instrument
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import TrainingLevel
from equipshare.domain.errors import (
    ConflictError,
    InputError,
    NotFound,
    RefusedError,
)
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.users.people import TrainingRecordView
from equipshare.domain.rules.permissions import Action, Actor, Target, require
from equipshare.domain.rules.training_rules import (
    day_words,
    expiry_instant,
    last_valid_day,
    parse_level,
    renewal_day,
)
from equipshare.services.bookings.checks import lock_rows
from equipshare.services.people.training_listing import TrainingListing
from equipshare.services.people.training_queries import (
    active_record,
    record_view,
    snapshot,
)
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InputError("reason: say why the training is revoked", "reason")
    return reason.strip()


class TrainingService(TrainingListing):
    """Training records of the instruments an actor looks after; every change is audited."""

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

    def renewal_default(self, actor_username: str, record_id: int) -> date:
        """The last valid day to offer when renewing: the record's own period from today."""
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            self._instrument_of(session, actor, record_id)
            view = record_view(session, record_id, now)
            return renewal_day(view.trained_at, view.expires_at, view.timezone, now)

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
        instrument = self._instrument_of(session, actor, record_id)
        lock_rows(session, instrument.id, None)
        row = session.get_one(TrainingRecord, record_id)
        session.refresh(row)  # the lock may have waited on a writer that changed it
        return row, instrument

    @staticmethod
    def _instrument_of(session: Session, actor: Actor, record_id: int) -> InstrumentRecord:
        """The record's instrument, once the actor is found to look after it."""
        code = session.scalar(
            select(Instrument.code)
            .join(TrainingRecord, TrainingRecord.instrument_id == Instrument.id)
            .where(TrainingRecord.id == record_id)
        )
        if code is None:
            raise NotFound(f"no training record {record_id}", "record")
        instrument = row_records.load_instrument(session, code)
        require(actor, Action.RECORD_TRAINING, Target.of(instrument))
        return instrument

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

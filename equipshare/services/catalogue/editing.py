"""InstrumentEditingService: create an instrument, edit its fields and policy, replace its hours.

Decisions worth knowing:
- Admins and the facility's managers only (Action.EDIT_INSTRUMENT); technicians change
  the status through InstrumentStatusService.
- A new instrument takes the `[booking]` defaults of equipshare.toml for every policy
  field not given, and their opening hours unless hours are given; it starts available,
  open to consortium partners, as the uniquip import makes them.
- A policy or hours change applies to new bookings. Existing future bookings are left
  alone; those that now break a rule come back in `InstrumentChange.breaking`.
- Every change writes one audit event with the changed fields before and after; a
  change that changes nothing writes nothing. A dry run does all the work, reports, and
  rolls back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, Instrument, OpeningHours, User
from equipshare.domain.enums import AccessLevel, InstrumentStatus, UniquipType
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.instruments.catalogue import (
    BookingPolicy,
    InstrumentRecord,
    OpeningInterval,
)
from equipshare.domain.records.instruments.instrument_changes import (
    POLICY_FIELDS,
    FieldChange,
    InstrumentChange,
    InstrumentChanges,
    InstrumentProfile,
)
from equipshare.domain.rules import instrument_rules
from equipshare.domain.rules.permissions import Action, Actor, Target, allowed, require
from equipshare.services.catalogue.instrument_fields import (
    REQUIRED_TEXT,
    SNAPSHOT_FIELDS,
    column_values,
    snapshot,
)
from equipshare.services.catalogue.policy_breaks import breaking_bookings
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

CODE_LIMIT = 64


class _DryRun(Exception):
    """Raised inside the transaction to leave it by rolling back, carrying the result."""

    def __init__(self, result: InstrumentChange) -> None:
        super().__init__("dry run")
        self.result = result


def _plain(value: object) -> object:
    return value.value if isinstance(value, AccessLevel | UniquipType | InstrumentStatus) else value


def _check_code(code: str) -> str:
    cleaned = code.strip()
    if not cleaned or any(c.isspace() for c in cleaned) or len(cleaned) > CODE_LIMIT:
        raise InputError(
            f"code: {code!r} must be 1 to {CODE_LIMIT} characters with no spaces", "code"
        )
    return cleaned


def _policy_of(values: dict[str, Any], base: BookingPolicy) -> BookingPolicy:
    return dataclasses.replace(base, **{k: v for k, v in values.items() if k in POLICY_FIELDS})


def _check_hours(intervals: tuple[OpeningInterval, ...]) -> tuple[OpeningInterval, ...]:
    return instrument_rules.check_intervals(intervals)


def _write_hours(
    session: Session, instrument_id: int, intervals: tuple[OpeningInterval, ...]
) -> None:
    session.execute(delete(OpeningHours).where(OpeningHours.instrument_id == instrument_id))
    if intervals:
        session.execute(
            insert(OpeningHours),
            [
                {
                    "instrument_id": instrument_id,
                    "weekday": i.weekday,
                    "opens_minute": i.opens_minute,
                    "closes_minute": i.closes_minute,
                }
                for i in intervals
            ],
        )


class InstrumentEditingService:
    """Create instruments and change what they are, how they are booked and when they open."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._settings = context.settings

    # -- creating ---------------------------------------------------------------------

    def create(
        self,
        actor_username: str,
        facility_code: str,
        code: str,
        changes: InstrumentChanges,
        *,
        hours: tuple[OpeningInterval, ...] | None = None,
        dry_run: bool = False,
    ) -> InstrumentChange:
        """A new instrument in the facility; `hours` None means the `[booking]` default hours."""
        code = _check_code(code)
        for name in REQUIRED_TEXT:
            if getattr(changes, name) is None:
                raise InputError(f"{name}: a new instrument needs one", name)
        defaults = self._settings.booking
        intervals = _check_hours(
            hours
            if hours is not None
            else tuple(
                OpeningInterval(day, opens, closes)
                for day, spans in sorted(defaults.opening_minutes().items())
                for opens, closes in spans
            )
        )

        def work(session: Session, actor: Actor) -> InstrumentChange:
            facility = session.scalars(
                select(Facility).where(Facility.code == facility_code.strip())
            ).one_or_none()
            if facility is None:
                raise NotFound(f"no facility with code {facility_code.strip()!r}", "facility")
            require(actor, Action.EDIT_INSTRUMENT, Target(facility.id, facility.name, code))
            taken = session.scalars(select(Instrument.id).where(Instrument.code == code)).first()
            if taken is not None:
                raise RefusedError(f"code: an instrument called {code} already exists", "code")
            values = column_values(session, changes, facility.id)
            policy = {
                "slot_minutes": defaults.slot_minutes,
                "min_minutes": defaults.min_minutes,
                "max_minutes": defaults.max_minutes,
                "min_notice_minutes": defaults.min_notice_minutes,
                "max_days_ahead": defaults.max_days_ahead,
                "requires_approval": defaults.requires_approval,
                "requires_training": defaults.requires_training,
                "requires_project_code": False,
                "allow_overnight": defaults.allow_overnight,
                "weekly_quota_minutes": defaults.weekly_quota_hours * 60 or None,
            } | {k: v for k, v in values.items() if k in POLICY_FIELDS}
            instrument_rules.check_policy_values(BookingPolicy(**policy, opening_hours=()))
            now = self._clock.now()
            # What the caller gave wins over these defaults (a dict merge, not two
            # keyword arguments of the same name).
            fields = (
                {
                    "status": InstrumentStatus.AVAILABLE,
                    "access_level": AccessLevel.CONSORTIUM,
                    "uniquip_type": UniquipType.EQUIPMENT,
                    "description": "",
                }
                | values
                | policy
            )
            row = Instrument(
                facility_id=facility.id,
                code=code,
                created_at=now,
                updated_at=now,
                **fields,
            )
            session.add(row)
            session.flush()
            _write_hours(session, row.id, intervals)
            after = snapshot(row) | {"opening_hours": instrument_rules.hours_text(intervals)}
            record_audit(
                session,
                actor_id=actor.id,
                action="instrument.create",
                entity_type="instrument",
                entity_id=row.id,
                at=now,
                after={k: _plain(v) for k, v in after.items()},
            )
            changed = tuple(
                FieldChange(k, None, _plain(v)) for k, v in after.items() if v not in (None, "")
            )
            record = row_records.load_instrument(session, code)
            return InstrumentChange(record, changed, (), created=True, dry_run=dry_run)

        return self._run(actor_username, work, dry_run)

    # -- editing ----------------------------------------------------------------------

    def edit(
        self,
        actor_username: str,
        code: str,
        changes: InstrumentChanges,
        *,
        dry_run: bool = False,
    ) -> InstrumentChange:
        """Change the fields given; the same values again change nothing and audit nothing."""

        def work(session: Session, actor: Actor) -> InstrumentChange:
            before = self._editable(session, actor, code)
            row = session.get_one(Instrument, before.id)
            values = column_values(session, changes, before.facility_id)
            instrument_rules.check_policy_values(_policy_of(values, before.policy))
            diffs = tuple(
                FieldChange(name, _plain(getattr(row, name)), _plain(value))
                for name, value in values.items()
                if getattr(row, name) != value
            )
            if not diffs:
                return InstrumentChange(before, (), (), created=False, dry_run=dry_run)
            now = self._clock.now()
            for change in diffs:
                setattr(row, change.name, values[change.name])
            row.updated_at = now
            session.flush()
            self._audit(session, actor, row.id, "instrument.edit", diffs)
            after = row_records.load_instrument(session, row.code)
            broken = breaking_bookings(session, before, after, now)
            return InstrumentChange(after, diffs, broken, created=False, dry_run=dry_run)

        return self._run(actor_username, work, dry_run)

    def set_hours(
        self,
        actor_username: str,
        code: str,
        hours: tuple[OpeningInterval, ...],
        *,
        dry_run: bool = False,
    ) -> InstrumentChange:
        """Replace the opening hours as a whole; no intervals means open around the clock."""
        intervals = _check_hours(hours)

        def work(session: Session, actor: Actor) -> InstrumentChange:
            before = self._editable(session, actor, code)
            old_text = instrument_rules.hours_text(before.policy.opening_hours)
            new_text = instrument_rules.hours_text(intervals)
            if old_text == new_text:
                return InstrumentChange(before, (), (), created=False, dry_run=dry_run)
            now = self._clock.now()
            _write_hours(session, before.id, intervals)
            session.get_one(Instrument, before.id).updated_at = now
            diffs = (FieldChange("opening_hours", old_text, new_text),)
            self._audit(session, actor, before.id, "instrument.hours", diffs)
            after = row_records.load_instrument(session, before.code)
            broken = breaking_bookings(session, before, after, now)
            return InstrumentChange(after, diffs, broken, created=False, dry_run=dry_run)

        return self._run(actor_username, work, dry_run)

    # -- reading ----------------------------------------------------------------------

    def profile(self, actor_username: str, code: str) -> InstrumentProfile:
        """Every field of the instrument; anyone with an account may read the catalogue."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            record = row_records.load_instrument(session, code.strip())
            target = Target.of(record)
            may_status = allowed(actor, Action.CHANGE_INSTRUMENT_STATUS, target)
            refusal = ""
            if not may_status:
                try:
                    require(actor, Action.CHANGE_INSTRUMENT_STATUS, target)
                except PermissionDenied as denied:
                    refusal = str(denied)
            row = session.get_one(Instrument, record.id)
            contact = (
                session.get(User, row.contact_technician_id) if row.contact_technician_id else None
            )
            fields = tuple(
                (name, _plain(getattr(row, name)))
                for name in SNAPSHOT_FIELDS
                if name != "contact_technician_id"
            )
            return InstrumentProfile(
                instrument=record,
                fields=fields,
                contact_technician=contact.username if contact else None,
                opening_hours=instrument_rules.hours_text(record.policy.opening_hours),
                may_edit=allowed(actor, Action.EDIT_INSTRUMENT, target),
                may_change_status=may_status,
                refusal=refusal,
            )

    # -- shared -----------------------------------------------------------------------

    def _run(
        self,
        actor_username: str,
        work: Callable[[Session, Actor], InstrumentChange],
        dry_run: bool,
    ) -> InstrumentChange:
        """Run `work(session, actor)` in one transaction; a dry run rolls it back."""
        try:
            with self._db.sessions.begin() as session:
                actor = row_records.load_actor(session, actor_username)
                result = work(session, actor)
                if dry_run:
                    raise _DryRun(result)
                return result
        except _DryRun as done:
            return done.result

    @staticmethod
    def _editable(session: Session, actor: Actor, code: str) -> InstrumentRecord:
        instrument = row_records.load_instrument(session, code.strip(), lock=True)
        require(actor, Action.EDIT_INSTRUMENT, Target.of(instrument))
        return instrument

    def _audit(
        self,
        session: Session,
        actor: Actor,
        instrument_id: int,
        action: str,
        diffs: tuple[FieldChange, ...],
    ) -> None:
        record_audit(
            session,
            actor_id=actor.id,
            action=action,
            entity_type="instrument",
            entity_id=instrument_id,
            at=self._clock.now(),
            before={c.name: c.before for c in diffs},
            after={c.name: c.after for c in diffs},
        )

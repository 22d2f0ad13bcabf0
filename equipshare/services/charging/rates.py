"""Rate cards and facility charging policies: read by anyone, set by the facility's managers.

Prices are frozen into each booking when it is made, so a rate card may only be added
from today on: a card dated in the past would say that bookings already made were made
at a price they were not. Policy changes apply from the moment they are made: a
cancellation is judged with the policy in force when it happens, and a check-out with
the charge basis in force then.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, FacilityStaff
from equipshare.db.models.charging import RateCard
from equipshare.domain.enums import ChargeBasis, StaffRole, UserClass
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.money.charging import (
    CardState,
    FacilityPolicyRecord,
    Outcome,
    PolicyChange,
    RateCardRecord,
    RateChange,
)
from equipshare.domain.rules.permissions import Actor
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

CLASS_ORDER = tuple(UserClass)
# Numeric(10, 2): eight digits of pounds.
LARGEST_RATE = Decimal("99999999.99")
# A window longer than the longest booking horizon the catalogue allows makes no sense.
MAX_FREE_HOURS = 24 * 366


def checked_rate(value: Decimal, field: str, label: str) -> Decimal:
    """`value` as pounds with two places, or an InputError naming the field."""
    if not value.is_finite() or value < 0:
        raise InputError(f"{label} must be an amount of pounds of 0 or more, not {value}", field)
    if value != value.quantize(Decimal("0.01")):
        raise InputError(f"{label} {value} has more than 2 decimal places (whole pence)", field)
    if value > LARGEST_RATE:
        raise InputError(f"{label} {value} is more than £{LARGEST_RATE:,} an hour", field)
    return value.quantize(Decimal("0.01"))


def require_manager(session: Session, actor: Actor, facility_id: int, what: str) -> None:
    """Only a manager of the facility (not its technicians) or an admin sets its prices."""
    if actor.user.active and actor.user.is_admin:
        return
    manages = session.scalar(
        select(FacilityStaff.user_id).where(
            FacilityStaff.facility_id == facility_id,
            FacilityStaff.user_id == actor.id,
            FacilityStaff.role == StaffRole.MANAGER,
        )
    )
    if actor.user.active and manages is not None:
        return
    name = session.get_one(Facility, facility_id).name
    raise PermissionDenied(
        f"{actor.user.username} may not {what}: that needs a manager of {name}, or an admin"
    )


def _today(timezone: str, context: ServiceContext) -> date:
    return context.clock.now().astimezone(ZoneInfo(timezone)).date()


def _card_records(
    instrument: InstrumentRecord, rows: list[RateCard], today: date
) -> list[RateCardRecord]:
    """Each card with its state: per class, the latest card from today or before is in force."""
    in_force: dict[UserClass, date] = {}
    for row in rows:
        if row.valid_from <= today and row.valid_from > in_force.get(row.user_class, date.min):
            in_force[row.user_class] = row.valid_from
    records = [
        RateCardRecord(
            instrument_code=instrument.code,
            user_class=row.user_class,
            valid_from=row.valid_from,
            hourly_rate=row.hourly_rate,
            technician_hourly_rate=row.technician_hourly_rate,
            currency=row.currency,
            state=(
                CardState.FUTURE
                if row.valid_from > today
                else CardState.IN_FORCE
                if row.valid_from == in_force[row.user_class]
                else CardState.PAST
            ),
        )
        for row in rows
    ]
    return sorted(records, key=lambda r: (CLASS_ORDER.index(r.user_class), r.valid_from))


def _cards(session: Session, instrument_id: int) -> list[RateCard]:
    return list(session.scalars(select(RateCard).where(RateCard.instrument_id == instrument_id)))


class RateService:
    """List and set an instrument's rate cards."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context
        self._db = context.database

    def list(self, actor_username: str, instrument_code: str) -> list[RateCardRecord]:
        """Every card of the instrument, by class then date; prices are no secret."""
        with self._db.readonly() as session:
            row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, instrument_code)
            today = _today(instrument.timezone, self._context)
            return _card_records(instrument, _cards(session, instrument.id), today)

    def set(
        self,
        actor_username: str,
        instrument_code: str,
        user_class: UserClass,
        hourly: Decimal,
        technician_hourly: Decimal | None = None,
        valid_from: date | None = None,
        *,
        dry_run: bool = False,
    ) -> RateChange:
        """Add or correct the card for `user_class` from `valid_from` (default today).

        Without `technician_hourly`, the technician rate of the card in force that day
        is kept (0 when there is none). The same values again change nothing.
        """
        hourly = checked_rate(hourly, "hourly", "the hourly rate")
        if technician_hourly is not None:
            technician_hourly = checked_rate(
                technician_hourly, "technician_hourly", "the technician rate"
            )
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, instrument_code)
            today = _today(instrument.timezone, self._context)
            valid_from = valid_from or today
            if valid_from < today:
                raise InputError(
                    f"a rate card cannot start in the past ({valid_from}, today is {today} in "
                    f"{instrument.timezone}): bookings keep the price they were made at, so "
                    "history is not rewritten; give today or a later date",
                    "valid_from",
                )
            require_manager(
                session, actor, instrument.facility_id, f"set prices on {instrument.code}"
            )
            cards = [c for c in _cards(session, instrument.id) if c.user_class is user_class]
            same_day = next((c for c in cards if c.valid_from == valid_from), None)
            if technician_hourly is None:
                earlier = [c for c in cards if c.valid_from <= valid_from]
                latest = max(earlier, key=lambda c: c.valid_from, default=None)
                technician_hourly = latest.technician_hourly_rate if latest else Decimal("0.00")
            outcome = self._write(
                session,
                actor,
                instrument,
                same_day,
                user_class,
                valid_from,
                (hourly, technician_hourly),
                dry_run=dry_run,
            )
            records = _card_records(instrument, _cards(session, instrument.id), today)
            card = next(
                (r for r in records if r.user_class is user_class and r.valid_from == valid_from),
                None,
            )
            if card is None:  # a dry run of a new card: show it as it would be
                state = CardState.FUTURE if valid_from > today else CardState.IN_FORCE
                card = RateCardRecord(
                    instrument.code, user_class, valid_from, hourly, technician_hourly, "GBP", state
                )
            elif dry_run and outcome is Outcome.UPDATED:
                card = replace(card, hourly_rate=hourly, technician_hourly_rate=technician_hourly)
            return RateChange(card, outcome, dry_run)

    def _write(
        self,
        session: Session,
        actor: Actor,
        instrument: InstrumentRecord,
        existing: RateCard | None,
        user_class: UserClass,
        valid_from: date,
        rates: tuple[Decimal, Decimal],
        *,
        dry_run: bool,
    ) -> Outcome:
        hourly, technician = rates
        after = {
            "instrument": instrument.code,
            "user_class": user_class.value,
            "valid_from": valid_from.isoformat(),
            "hourly_rate": str(hourly),
            "technician_hourly_rate": str(technician),
        }
        if existing is None:
            outcome = Outcome.CREATED
        elif (existing.hourly_rate, existing.technician_hourly_rate) == (hourly, technician):
            return Outcome.UNCHANGED
        else:
            outcome = Outcome.UPDATED
        if dry_run:
            return outcome
        before = None
        if existing is None:
            existing = RateCard(
                instrument_id=instrument.id,
                user_class=user_class,
                valid_from=valid_from,
                currency="GBP",
            )
            session.add(existing)
        else:
            before = after | {
                "hourly_rate": str(existing.hourly_rate),
                "technician_hourly_rate": str(existing.technician_hourly_rate),
            }
        existing.hourly_rate, existing.technician_hourly_rate = hourly, technician
        session.flush()
        record_audit(
            session,
            actor_id=actor.id,
            action=f"rate_card.{'create' if before is None else 'update'}",
            entity_type="rate_card",
            entity_id=existing.id,
            at=self._context.clock.now(),
            before=before,
            after=after,
        )
        return outcome


def policy_record(row: Facility) -> FacilityPolicyRecord:
    return FacilityPolicyRecord(
        facility_code=row.code,
        facility_name=row.name,
        charge_basis=row.charge_basis,
        free_cancellation_hours=row.free_cancellation_hours,
        late_cancellation_percent=row.late_cancellation_percent,
        requires_check_in=row.requires_check_in,
    )


def _load_facility(session: Session, code: str) -> Facility:
    row = session.scalars(select(Facility).where(Facility.code == code)).one_or_none()
    if row is None:
        raise NotFound(f"no facility with code {code!r}", "facility")
    return row


class FacilityPolicyService:
    """Show and change how a facility charges; changes apply from now on."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context
        self._db = context.database

    def show(self, actor_username: str, facility_code: str) -> FacilityPolicyRecord:
        """Anyone may read the terms they book under."""
        with self._db.readonly() as session:
            row_records.load_actor(session, actor_username)
            return policy_record(_load_facility(session, facility_code))

    def set(
        self,
        actor_username: str,
        facility_code: str,
        *,
        charge_basis: ChargeBasis | None = None,
        free_cancellation_hours: int | None = None,
        late_cancellation_percent: int | None = None,
        requires_check_in: bool | None = None,
        dry_run: bool = False,
    ) -> PolicyChange:
        """Change the settings given (None keeps one); the same values again change nothing."""
        if free_cancellation_hours is not None and not (
            0 <= free_cancellation_hours <= MAX_FREE_HOURS
        ):
            raise InputError(
                f"free cancellation hours must be 0 to {MAX_FREE_HOURS}, "
                f"not {free_cancellation_hours}",
                "free_cancellation_hours",
            )
        if late_cancellation_percent is not None and not 0 <= late_cancellation_percent <= 100:
            raise InputError(
                f"the late cancellation percent must be 0 to 100, not {late_cancellation_percent}",
                "late_cancellation_percent",
            )
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            row = _load_facility(session, facility_code)
            require_manager(session, actor, row.id, f"change the charging policy of {row.code}")
            before = policy_record(row)
            after = FacilityPolicyRecord(
                before.facility_code,
                before.facility_name,
                charge_basis=before.charge_basis if charge_basis is None else charge_basis,
                free_cancellation_hours=_given(
                    free_cancellation_hours, before.free_cancellation_hours
                ),
                late_cancellation_percent=_given(
                    late_cancellation_percent, before.late_cancellation_percent
                ),
                requires_check_in=(
                    before.requires_check_in if requires_check_in is None else requires_check_in
                ),
            )
            change = PolicyChange(before, after, dry_run)
            if change.changed and not dry_run:
                for name, _, value in change.changed:
                    setattr(row, name, value)
                record_audit(
                    session,
                    actor_id=actor.id,
                    action="facility.policy",
                    entity_type="facility",
                    entity_id=row.id,
                    at=self._context.clock.now(),
                    before={name: _plain(old) for name, old, _ in change.changed},
                    after={name: _plain(new) for name, _, new in change.changed},
                )
            return change


def _given(value: int | None, current: int) -> int:
    return current if value is None else value


def _plain(value: object) -> object:
    return value.value if isinstance(value, ChargeBasis) else value

"""Rules 1-6 in their fixed order, for one proposed booking, inside the caller's transaction.

Writers lock the instrument row (and the technician's) first: on PostgreSQL that
serialises check-then-insert per instrument; on SQLite BEGIN IMMEDIATE already has.
The exclusion constraint stays as the backstop for writers that bypass all this.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from equipshare.db.models import Booking, Downtime, FacilityStaff, Instrument, TrainingRecord, User
from equipshare.domain import ACTIVE_BOOKING_STATUSES, TrainingLevel
from equipshare.errors import ConflictError, RefusedError
from equipshare.records import InstrumentRecord, UserRecord
from equipshare.services import policy_rules
from equipshare.services.policy_rules import describe_range


@dataclass(frozen=True)
class Proposal:
    """A booking as it would be: who, what, when, with whom."""

    user: UserRecord
    instrument: InstrumentRecord
    starts_at: datetime
    ends_at: datetime
    project_code: str | None = None
    technician: UserRecord | None = None
    #: Bookings this proposal replaces (the booking being modified), ignored for conflicts.
    replaces: Collection[int] = field(default_factory=tuple)


def lock_rows(session: Session, instrument_id: int, technician_id: int | None) -> None:
    """Take row locks so concurrent writers to the same instrument or technician queue up."""
    session.execute(select(Instrument.id).where(Instrument.id == instrument_id).with_for_update())
    if technician_id is not None:
        session.execute(select(User.id).where(User.id == technician_id).with_for_update())


def holds_training(session: Session, user_id: int, instrument_id: int, at: datetime) -> bool:
    """An unrevoked, unexpired independent training record at `at`."""
    found = session.scalar(
        select(TrainingRecord.id)
        .where(
            TrainingRecord.user_id == user_id,
            TrainingRecord.instrument_id == instrument_id,
            TrainingRecord.level == TrainingLevel.INDEPENDENT,
            TrainingRecord.revoked_at.is_(None),
            TrainingRecord.trained_at <= at,
            or_(TrainingRecord.expires_at.is_(None), TrainingRecord.expires_at > at),
        )
        .limit(1)
    )
    return found is not None


def check_training(session: Session, proposal: Proposal) -> None:
    """Rule 3: trained, or assisted by a technician."""
    instrument = proposal.instrument
    if not instrument.policy.requires_training or proposal.technician is not None:
        return
    if holds_training(session, proposal.user.id, instrument.id, proposal.ends_at):
        return
    raise RefusedError(
        f"{proposal.user.username} has no current training on {instrument.code}: ask "
        f"{instrument.facility_name} for training, or book an assisted session with a technician",
        "technician",
    )


def check_technician(session: Session, proposal: Proposal) -> None:
    """An assisted session's technician must belong to the instrument's facility team."""
    technician = proposal.technician
    if technician is None:
        return
    staff = session.scalar(
        select(FacilityStaff.user_id).where(
            FacilityStaff.user_id == technician.id,
            FacilityStaff.facility_id == proposal.instrument.facility_id,
        )
    )
    if staff is None or not technician.active:
        raise RefusedError(
            f"{technician.username} is not a technician of {proposal.instrument.facility_name}",
            "technician",
        )


def used_quota_minutes(session: Session, proposal: Proposal) -> int:
    """Minutes of active bookings the user holds on the instrument in the proposal's week."""
    week_start, week_end = policy_rules.quota_week(proposal.starts_at, proposal.instrument.timezone)
    rows = session.execute(
        select(Booking.starts_at, Booking.ends_at).where(
            Booking.user_id == proposal.user.id,
            Booking.instrument_id == proposal.instrument.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.starts_at >= week_start,
            Booking.starts_at < week_end,
            Booking.id.not_in(list(proposal.replaces) or [-1]),
        )
    ).all()
    return sum(int((end - start).total_seconds() // 60) for start, end in rows)


def check_quota(session: Session, proposal: Proposal) -> None:
    """Rule 5."""
    if proposal.instrument.policy.weekly_quota_minutes is None:
        return
    wanted = int((proposal.ends_at - proposal.starts_at).total_seconds() // 60)
    policy_rules.check_quota(proposal.instrument, used_quota_minutes(session, proposal), wanted)


def check_conflicts(session: Session, proposal: Proposal) -> None:
    """Rule 6: no overlap with active bookings or downtime; the technician is free too."""
    instrument, start, end = proposal.instrument, proposal.starts_at, proposal.ends_at
    tz = instrument.timezone
    excluded = list(proposal.replaces) or [-1]
    clash = session.execute(
        select(Booking.id, Booking.starts_at, Booking.ends_at, User.institution_id)
        .join(User, User.id == Booking.user_id)
        .where(
            Booking.instrument_id == instrument.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.starts_at < end,
            Booking.ends_at > start,
            Booking.id.not_in(excluded),
        )
        .order_by(Booking.starts_at)
        .limit(1)
    ).first()
    if clash is not None:
        raise ConflictError(
            f"{instrument.code} is already booked {describe_range(clash[1], clash[2], tz)} "
            f"(booking {clash[0]})",
            booking_id=clash[0],
        )
    downtime = session.execute(
        select(Downtime.starts_at, Downtime.ends_at, Downtime.reason)
        .where(
            Downtime.instrument_id == instrument.id,
            Downtime.starts_at < end,
            Downtime.ends_at > start,
        )
        .limit(1)
    ).first()
    if downtime is not None:
        raise ConflictError(
            f"{instrument.code} is down for {downtime[2].value.replace('_', ' ')} "
            f"{describe_range(downtime[0], downtime[1], tz)}"
        )
    technician = proposal.technician
    if technician is None:
        return
    busy = session.execute(
        select(Booking.id, Booking.starts_at, Booking.ends_at)
        .where(
            Booking.technician_id == technician.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.starts_at < end,
            Booking.ends_at > start,
            Booking.id.not_in(excluded),
        )
        .limit(1)
    ).first()
    if busy is not None:
        raise ConflictError(
            f"{technician.username} is already assisting {describe_range(busy[1], busy[2], tz)} "
            f"(booking {busy[0]})",
            field="technician",
            booking_id=busy[0],
        )


def check_all(
    session: Session, proposal: Proposal, now: datetime, *, override_policy: bool = False
) -> list[str]:
    """Run rules 1-6 in order; return the refusals that `override_policy` waved through."""
    policy_rules.check_status(proposal.instrument)
    policy_rules.check_access(proposal.user, proposal.instrument)
    check_technician(session, proposal)
    check_training(session, proposal)
    overridden: list[str] = []

    def policy() -> None:
        policy_rules.check_policy(
            proposal.instrument, proposal.starts_at, proposal.ends_at, now, proposal.project_code
        )

    def quota() -> None:
        check_quota(session, proposal)

    rules: list[Callable[[], None]] = [policy, quota]
    for rule in rules:
        try:
            rule()
        except RefusedError as refusal:
            if not override_policy or proposal.ends_at <= proposal.starts_at:
                raise
            overridden.append(str(refusal))
    check_conflicts(session, proposal)
    return overridden

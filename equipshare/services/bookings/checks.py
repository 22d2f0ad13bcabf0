"""Rules 1-6 in their fixed order, for one proposed booking, inside the caller's transaction
(rule 6, the conflicts, in conflicts.py).

Writers lock the instrument row (and the technician's) first: on PostgreSQL that
serialises check-then-insert per instrument; on SQLite BEGIN IMMEDIATE already has.
The exclusion constraint stays as the backstop for writers that bypass all this.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from equipshare.domain.enums import LONGEST_BOOKING, LONGEST_BOOKING_MINUTES, TrainingLevel
from equipshare.domain.errors import RefusedError, TooSoon
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.rules import policy_rules
from equipshare.services.bookings.conflicts import Conflicts, check_conflicts
from equipshare.services.bookings.proposal import ACTIVE, AT, Proposal, excluding
from equipshare.services.plumbing.prebuilt import (
    BOOKINGS,
    DOWNTIMES,
    FACILITY_STAFF,
    INSTRUMENTS,
    TRAINING_RECORDS,
    USERS,
    run,
)

_LOCK_INSTRUMENT = (
    select(INSTRUMENTS.c.id).where(INSTRUMENTS.c.id == bindparam("id")).with_for_update()
)
_LOCK_USER = select(USERS.c.id).where(USERS.c.id == bindparam("id")).with_for_update()


def lock_rows(session: Session, instrument_id: int | None, technician_id: int | None) -> None:
    """Take row locks so concurrent writers to the same instrument or technician queue up.

    No `instrument_id`: the caller locked the instrument already (`load_instrument`).
    SQLite has no row locks (FOR UPDATE compiles to nothing): its writers already hold
    the database's write lock from BEGIN IMMEDIATE, so there is nothing to run.
    """
    if session.connection().dialect.name == "sqlite":
        return
    if instrument_id is not None:
        run(session, _LOCK_INSTRUMENT, {"id": instrument_id})
    if technician_id is not None:
        run(session, _LOCK_USER, {"id": technician_id})


_TRAINING = (
    select(TRAINING_RECORDS.c.id)
    .where(
        TRAINING_RECORDS.c.user_id == bindparam("user_id"),
        TRAINING_RECORDS.c.instrument_id == bindparam("instrument_id"),
        TRAINING_RECORDS.c.level == TrainingLevel.INDEPENDENT,
        TRAINING_RECORDS.c.revoked_at.is_(None),
        TRAINING_RECORDS.c.trained_at <= bindparam("at", type_=TRAINING_RECORDS.c.trained_at.type),
        or_(
            TRAINING_RECORDS.c.expires_at.is_(None),
            TRAINING_RECORDS.c.expires_at > bindparam("at"),
        ),
    )
    .limit(1)
)


def holds_training(session: Session, user_id: int, instrument_id: int, at: datetime) -> bool:
    """An unrevoked, unexpired independent training record at `at`."""
    params = {"user_id": user_id, "instrument_id": instrument_id, "at": at}
    return run(session, _TRAINING, params).first() is not None


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


_STAFF_MEMBER = select(FACILITY_STAFF.c.user_id).where(
    FACILITY_STAFF.c.user_id == bindparam("user_id"),
    FACILITY_STAFF.c.facility_id == bindparam("facility_id"),
)


def check_technician(session: Session, proposal: Proposal) -> None:
    """An assisted session's technician must belong to the instrument's facility team."""
    technician = proposal.technician
    if technician is None:
        return
    params = {"user_id": technician.id, "facility_id": proposal.instrument.facility_id}
    staff = run(session, _STAFF_MEMBER, params).first()
    if staff is None or not technician.active:
        raise RefusedError(
            f"{technician.username} is not a technician of {proposal.instrument.facility_name}",
            "technician",
        )


_QUOTA_USED = select(BOOKINGS.c.starts_at, BOOKINGS.c.ends_at).where(
    BOOKINGS.c.user_id == bindparam("user_id"),
    BOOKINGS.c.instrument_id == bindparam("instrument_id"),
    ACTIVE,
    BOOKINGS.c.starts_at >= bindparam("week_start", type_=AT),
    BOOKINGS.c.starts_at < bindparam("week_end", type_=AT),
    BOOKINGS.c.id != bindparam("excluded"),
)


def used_quota_minutes(session: Session, proposal: Proposal) -> int:
    """Minutes of active bookings the user holds on the instrument in the proposal's week."""
    week_start, week_end = policy_rules.quota_week(proposal.starts_at, proposal.instrument.timezone)
    params = {
        "user_id": proposal.user.id,
        "instrument_id": proposal.instrument.id,
        "week_start": week_start,
        "week_end": week_end,
    }
    statement, params["excluded"] = excluding(_QUOTA_USED, proposal)
    rows = run(session, statement, params).all()
    return sum(int((end - start).total_seconds() // 60) for start, end in rows)


def check_quota(session: Session, proposal: Proposal) -> None:
    """Rule 5."""
    if proposal.instrument.policy.weekly_quota_minutes is None:
        return
    wanted = int((proposal.ends_at - proposal.starts_at).total_seconds() // 60)
    policy_rules.check_quota(proposal.instrument, used_quota_minutes(session, proposal), wanted)


def check_all(
    session: Session,
    proposal: Proposal,
    now: datetime,
    *,
    override_policy: bool = False,
    ahead: Conflicts | None = None,
) -> list[str]:
    """Run rules 1-6 in order; return the refusals that `override_policy` waved through.
    `ahead`: rule 6's first read, read ahead with other reads (`conflicts_query`)."""
    policy_rules.check_status(proposal.instrument)
    policy_rules.check_access(proposal.user, proposal.instrument)
    check_technician(session, proposal)
    check_training(session, proposal)
    overridden: list[str] = []

    def policy() -> None:
        try:
            policy_rules.check_policy(
                proposal.instrument,
                proposal.starts_at,
                proposal.ends_at,
                now,
                proposal.project_code,
            )
        except TooSoon:
            # Name an earliest start that downtime does not rule out either.
            down = downtime_within(session, proposal.instrument, now)
            raise policy_rules.too_soon(
                proposal.instrument, now, proposal.ends_at - proposal.starts_at, down
            ) from None

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
    check_length_cap(proposal)
    check_conflicts(session, proposal, now, ahead)
    return overridden


_DOWNTIME_AHEAD = (
    select(DOWNTIMES.c.starts_at, DOWNTIMES.c.ends_at)
    .where(
        DOWNTIMES.c.instrument_id == bindparam("instrument_id"),
        DOWNTIMES.c.starts_at < bindparam("end", type_=AT),
        DOWNTIMES.c.ends_at > bindparam("start", type_=AT),
    )
    .order_by(DOWNTIMES.c.starts_at)
)


def downtime_within(
    session: Session, instrument: InstrumentRecord, now: datetime
) -> list[tuple[datetime, datetime]]:
    """The instrument's downtime from now to the end of its booking horizon."""
    end = now + timedelta(days=instrument.policy.max_days_ahead + 1)
    params = {"instrument_id": instrument.id, "start": now, "end": end}
    return [(row.starts_at, row.ends_at) for row in run(session, _DOWNTIME_AHEAD, params)]


def check_length_cap(proposal: Proposal) -> None:
    """No booking outlasts LONGEST_BOOKING, policy overridden or not: the overlap checks
    rely on it (and the database refuses one, too)."""
    if proposal.ends_at - proposal.starts_at > LONGEST_BOOKING:
        days = LONGEST_BOOKING_MINUTES // (24 * 60)
        raise RefusedError(
            f"{proposal.instrument.code}: no booking may last more than {days} days", "length"
        )

"""Rules 1-6 in their fixed order, for one proposed booking, inside the caller's transaction.

Writers lock the instrument row (and the technician's) first: on PostgreSQL that
serialises check-then-insert per instrument; on SQLite BEGIN IMMEDIATE already has.
The exclusion constraint stays as the backstop for writers that bypass all this.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVarTuple, cast

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    Table,
    bindparam,
    null,
    or_,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import ACTIVE_STATUS_SQL
from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import (
    LONGEST_BOOKING,
    LONGEST_BOOKING_MINUTES,
    TrainingLevel,
    WaitlistStatus,
)
from equipshare.domain.errors import ConflictError, RefusedError, TooSoon
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules import policy_rules
from equipshare.domain.rules.policy_rules import describe_range, describe_time
from equipshare.services.plumbing.prebuilt import (
    BOOKINGS,
    DOWNTIMES,
    FACILITY_STAFF,
    INSTRUMENTS,
    TRAINING_RECORDS,
    USERS,
    run,
)

Ts = TypeVarTuple("Ts")


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


# Booking statuses that hold a slot, as SQL: a literal list binds nothing per call.
_ACTIVE = text(f"bookings.{ACTIVE_STATUS_SQL}")
_AT = BOOKINGS.c.starts_at.type
_QUOTA_USED = select(BOOKINGS.c.starts_at, BOOKINGS.c.ends_at).where(
    BOOKINGS.c.user_id == bindparam("user_id"),
    BOOKINGS.c.instrument_id == bindparam("instrument_id"),
    _ACTIVE,
    BOOKINGS.c.starts_at >= bindparam("week_start", type_=_AT),
    BOOKINGS.c.starts_at < bindparam("week_end", type_=_AT),
    BOOKINGS.c.id != bindparam("excluded"),
)


def _excluding(statement: Select[*Ts], proposal: Proposal) -> tuple[Select[*Ts], int]:
    """`statement`, and its `excluded` id: the one booking the proposal replaces, or -1.

    The prebuilt statements leave out one booking; a proposal replacing several (none
    do today) gets the rest left out by an added clause.
    """
    replaces = list(proposal.replaces)
    if len(replaces) > 1:
        statement = statement.where(BOOKINGS.c.id.not_in(replaces))
    return statement, (replaces[0] if replaces else -1)


def used_quota_minutes(session: Session, proposal: Proposal) -> int:
    """Minutes of active bookings the user holds on the instrument in the proposal's week."""
    week_start, week_end = policy_rules.quota_week(proposal.starts_at, proposal.instrument.timezone)
    params = {
        "user_id": proposal.user.id,
        "instrument_id": proposal.instrument.id,
        "week_start": week_start,
        "week_end": week_end,
    }
    statement, params["excluded"] = _excluding(_QUOTA_USED, proposal)
    rows = run(session, statement, params).all()
    return sum(int((end - start).total_seconds() // 60) for start, end in rows)


def check_quota(session: Session, proposal: Proposal) -> None:
    """Rule 5."""
    if proposal.instrument.policy.weekly_quota_minutes is None:
        return
    wanted = int((proposal.ends_at - proposal.starts_at).total_seconds() // 60)
    policy_rules.check_quota(proposal.instrument, used_quota_minutes(session, proposal), wanted)


def _first_active_overlap(holder: str) -> Select[int, datetime, datetime]:
    """The first active booking of the `holder` column's :`holder` overlapping [start, end),
    other than :excluded; :earliest is start less LONGEST_BOOKING, which bounds the scan."""
    return (
        select(BOOKINGS.c.id, BOOKINGS.c.starts_at, BOOKINGS.c.ends_at)
        .where(
            BOOKINGS.c[holder] == bindparam(holder),
            _ACTIVE,
            BOOKINGS.c.starts_at < bindparam("end", type_=_AT),
            BOOKINGS.c.ends_at > bindparam("start", type_=_AT),
            BOOKINGS.c.starts_at > bindparam("earliest", type_=_AT),
            BOOKINGS.c.id != bindparam("excluded"),
        )
        .order_by(BOOKINGS.c.starts_at)
        .limit(1)
    )


_CLASH = _first_active_overlap("instrument_id")
WAITLIST = cast(Table, WaitlistEntry.__table__)
# A range held off the waitlist for someone else (see bookings/holds.py) until :now.
_HELD = (
    select(WAITLIST.c.starts_at, WAITLIST.c.ends_at, WAITLIST.c.hold_expires_at)
    .where(
        WAITLIST.c.instrument_id == bindparam("instrument_id"),
        WAITLIST.c.status == text(f"'{WaitlistStatus.OFFERED.value}'"),
        WAITLIST.c.user_id != bindparam("user_id"),
        WAITLIST.c.hold_expires_at > bindparam("now", type_=_AT),
        WAITLIST.c.starts_at < bindparam("end", type_=_AT),
        WAITLIST.c.ends_at > bindparam("start", type_=_AT),
    )
    .limit(1)
).subquery()
_DOWN = (
    select(DOWNTIMES.c.starts_at, DOWNTIMES.c.ends_at, DOWNTIMES.c.reason)
    .where(
        DOWNTIMES.c.instrument_id == bindparam("instrument_id"),
        DOWNTIMES.c.starts_at < bindparam("end", type_=_AT),
        DOWNTIMES.c.ends_at > bindparam("start", type_=_AT),
    )
    .limit(1)
).subquery()


def _conflicts(clash: Select[int, datetime, datetime]) -> CompoundSelect[Any]:
    """The first clashing booking, a downtime and another user's hold in one round trip.

    Rows of (booking id or NULL, start, end, downtime reason or NULL, hold end or NULL).
    """
    booked = clash.subquery()
    no_reason = type_coerce(null(), DOWNTIMES.c.reason.type)
    # PostgreSQL types a UNION's column from its first branch: a bare NULL would be text.
    no_id, no_hold = type_coerce(null(), Integer), sql_cast(null(), _AT)
    return union_all(
        select(*booked.c, no_reason.label("reason"), no_hold.label("held_until")),
        select(no_id, _DOWN.c.starts_at, _DOWN.c.ends_at, _DOWN.c.reason, no_hold),
        select(no_id, _HELD.c.starts_at, _HELD.c.ends_at, no_reason, _HELD.c.hold_expires_at),
    )


_CONFLICTS = _conflicts(_CLASH)
_BUSY = _first_active_overlap("technician_id")


def conflicts_query(proposal: Proposal, now: datetime) -> tuple[Any, dict[str, Any]]:
    """The statement and parameters of rule 6's first read (booking, downtime, hold), for
    a caller that sends it ahead with other reads and hands its rows to `check_all`."""
    start, end = proposal.starts_at, proposal.ends_at
    clash, excluded = _excluding(_CLASH, proposal)
    either = _CONFLICTS if clash is _CLASH else _conflicts(clash)
    params = {
        "instrument_id": proposal.instrument.id,
        "excluded": excluded,
        "user_id": proposal.user.id,
        "now": now,
        "start": start,
        "end": end,
        "earliest": start - LONGEST_BOOKING,
    }
    return either, params


@dataclass(frozen=True)
class Conflicts:
    """The rows of `conflicts_query` read ahead, for the proposal they were read for."""

    user_id: int
    starts_at: datetime
    ends_at: datetime
    rows: list[Any]

    def of(self, proposal: Proposal) -> list[Any] | None:
        """The rows, if they were read for `proposal` (a plain booking of that user's)."""
        same = (self.user_id, self.starts_at, self.ends_at) == (
            proposal.user.id,
            proposal.starts_at,
            proposal.ends_at,
        )
        return self.rows if same and not proposal.replaces else None


def check_conflicts(
    session: Session, proposal: Proposal, now: datetime, ahead: Conflicts | None = None
) -> None:
    """Rule 6: no overlap with active bookings, downtime or a range held for someone else
    off the waitlist (until its hold ends at `now`); the technician is free too.
    `ahead`: the first read's rows, read ahead (`conflicts_query`)."""
    instrument, start, end = proposal.instrument, proposal.starts_at, proposal.ends_at
    tz = instrument.timezone
    span = {"start": start, "end": end, "earliest": start - LONGEST_BOOKING}
    _, excluded = _excluding(_CLASH, proposal)
    rows = ahead.of(proposal) if ahead is not None else None
    if rows is None:
        rows = run(session, *conflicts_query(proposal, now)).all()
    booked = [row for row in rows if row.id is not None]  # a booking outranks the rest
    if booked:
        booking_id, starts_at, ends_at, _, _ = booked[0]
        raise ConflictError(
            f"{instrument.code} is already booked {describe_range(starts_at, ends_at, tz)} "
            f"(booking {booking_id})",
            booking_id=booking_id,
        )
    down = [row for row in rows if row.reason is not None]  # downtime outranks a hold
    if down:
        _, starts_at, ends_at, reason, _ = down[0]
        raise ConflictError(
            f"{instrument.code} is down for {reason.value.replace('_', ' ')} "
            f"{describe_range(starts_at, ends_at, tz)}"
        )
    if rows:
        _, starts_at, ends_at, _, held_until = rows[0]
        raise ConflictError(
            f"{instrument.code} is held {describe_range(starts_at, ends_at, tz)} for the "
            f"first user on its waitlist until {describe_time(held_until, tz)}"
        )
    technician = proposal.technician
    if technician is None:
        return
    statement, _ = _excluding(_BUSY, proposal)
    params = {"technician_id": technician.id, "excluded": excluded, **span}
    busy = run(session, statement, params).first()
    if busy is not None:
        raise ConflictError(
            f"{technician.username} is already assisting "
            f"{describe_range(busy.starts_at, busy.ends_at, tz)} (booking {busy.id})",
            field="technician",
            booking_id=busy.id,
        )


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
        DOWNTIMES.c.starts_at < bindparam("end", type_=_AT),
        DOWNTIMES.c.ends_at > bindparam("start", type_=_AT),
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

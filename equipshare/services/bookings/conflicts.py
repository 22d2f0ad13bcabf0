"""Rule 6 for one proposed booking: no clash with another booking, downtime, a range held
off the waitlist for someone else, or the technician's other sessions.

The first read (booking, downtime, hold) is one round trip, and may be sent ahead with a
caller's other reads (`conflicts_query`, `Conflicts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    Table,
    bindparam,
    null,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import LONGEST_BOOKING, WaitlistStatus
from equipshare.domain.errors import ConflictError
from equipshare.domain.rules.policy_rules import describe_range, describe_time
from equipshare.services.bookings.proposal import ACTIVE, AT, Proposal, excluding
from equipshare.services.plumbing.prebuilt import BOOKINGS, DOWNTIMES, run


def _first_active_overlap(holder: str) -> Select[int, datetime, datetime]:
    """The first active booking of the `holder` column's :`holder` overlapping [start, end),
    other than :excluded; :earliest is start less LONGEST_BOOKING, which bounds the scan."""
    return (
        select(BOOKINGS.c.id, BOOKINGS.c.starts_at, BOOKINGS.c.ends_at)
        .where(
            BOOKINGS.c[holder] == bindparam(holder),
            ACTIVE,
            BOOKINGS.c.starts_at < bindparam("end", type_=AT),
            BOOKINGS.c.ends_at > bindparam("start", type_=AT),
            BOOKINGS.c.starts_at > bindparam("earliest", type_=AT),
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
        WAITLIST.c.hold_expires_at > bindparam("now", type_=AT),
        WAITLIST.c.starts_at < bindparam("end", type_=AT),
        WAITLIST.c.ends_at > bindparam("start", type_=AT),
    )
    .limit(1)
).subquery()
_DOWN = (
    select(DOWNTIMES.c.starts_at, DOWNTIMES.c.ends_at, DOWNTIMES.c.reason)
    .where(
        DOWNTIMES.c.instrument_id == bindparam("instrument_id"),
        DOWNTIMES.c.starts_at < bindparam("end", type_=AT),
        DOWNTIMES.c.ends_at > bindparam("start", type_=AT),
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
    no_id, no_hold = type_coerce(null(), Integer), sql_cast(null(), AT)
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
    clash, excluded = excluding(_CLASH, proposal)
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
    _, excluded = excluding(_CLASH, proposal)
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
    statement, _ = excluding(_BUSY, proposal)
    params = {"technician_id": technician.id, "excluded": excluded, **span}
    busy = run(session, statement, params).first()
    if busy is not None:
        raise ConflictError(
            f"{technician.username} is already assisting "
            f"{describe_range(busy.starts_at, busy.ends_at, tz)} (booking {busy.id})",
            field="technician",
            booking_id=busy.id,
        )

"""The waitlist's holds, inside the caller's transaction: a freed range is offered to the
first user waiting for it and held for them alone, then passed to the next in line.

A hold lasts `[booking] waitlist_hold_minutes`, but never past the instrument's notice:
it ends while the holder can still book the range. Holds that ran out are passed on
lazily, by the next booking, move, cancellation or week read on the instrument, and by
`equipshare notify` (WaitlistService.pass_lapsed_holds) for instruments nobody touches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, exists, select, text
from sqlalchemy.orm import Session

from equipshare.db import direct
from equipshare.db.direct_plans import Rows
from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import NotificationKind, WaitlistStatus
from equipshare.domain.errors import RefusedError
from equipshare.domain.money.charging import FrozenRates
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.rules.permissions import Actor
from equipshare.domain.rules.policy_rules import as_utc, describe_range, describe_time
from equipshare.services.bookings.checks import lock_rows
from equipshare.services.bookings.conflicts import WAITLIST, check_conflicts
from equipshare.services.bookings.proposal import Proposal
from equipshare.services.charging import pricing
from equipshare.services.notify.outbox import queue_notification
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.prebuilt import connection_of, run

#: Entries still in line: waiting, or holding a range.
IN_LINE = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


def booking_deadline(instrument: InstrumentRecord, starts_at: datetime) -> datetime:
    """The last moment the instrument's notice lets anyone book a range starting then."""
    return starts_at - timedelta(minutes=instrument.policy.min_notice_minutes)


def _lapsed(instrument_id: int, now: datetime) -> Select[WaitlistEntry]:
    return (
        select(WaitlistEntry)
        .where(
            WaitlistEntry.instrument_id == instrument_id,
            WaitlistEntry.status == WaitlistStatus.OFFERED,
            WaitlistEntry.hold_expires_at <= now,
        )
        .order_by(WaitlistEntry.hold_expires_at, WaitlistEntry.id)
    )


_AT = WAITLIST.c.starts_at.type
_IN_LINE_SQL = ", ".join(f"'{status.value}'" for status in IN_LINE)  # binds nothing per call
# Prebuilt Core probes for the booking path, where the answer is nearly always "none": the
# ORM select they stand in front of is built (and its entities loaded) only when it is not.
_ANY_LAPSED = (
    select(WAITLIST.c.id)
    .where(
        WAITLIST.c.instrument_id == bindparam("instrument_id"),
        WAITLIST.c.status == text(f"'{WaitlistStatus.OFFERED.value}'"),
        WAITLIST.c.hold_expires_at <= bindparam("now", type_=_AT),
    )
    .limit(1)
)
_ANY_IN_LINE = (
    select(WAITLIST.c.id)
    .where(
        WAITLIST.c.instrument_id == bindparam("instrument_id"),
        WAITLIST.c.user_id == bindparam("user_id"),
        text(f"waitlist_entries.status IN ({_IN_LINE_SQL})"),
        WAITLIST.c.starts_at < bindparam("end", type_=_AT),
        WAITLIST.c.ends_at > bindparam("start", type_=_AT),
    )
    .limit(1)
)


# Both probes in one round trip, for a booking about to be made (`Waitlist.probe`), with
# the rate card the booking will be priced at (one round trip fewer for the booking).
_PROBE = select(
    exists(_ANY_LAPSED).label("lapsed"),
    exists(_ANY_IN_LINE).label("in_line"),
    *pricing.RATES_IN_FORCE,
)


@dataclass(frozen=True)
class Probe:
    """What the waitlist holds for a booking about to be made, read after the instrument's
    lock: holds that ran out, and whether `owner_id` has entries in line over `span`."""

    lapsed: bool
    owner_id: int | None  # None: not asked
    span: tuple[datetime, datetime] | None
    in_line: bool
    #: The owner's rates on the instrument as booked now (None: not asked).
    rates: FrozenRates | None = None

    def nothing_to_take(self, user_id: int, start: datetime, end: datetime) -> bool:
        """True when `Waitlist.taken` for this booking is known to find no entry: the
        probe asked about this very owner and range and found none."""
        return not self.in_line and self.owner_id == user_id and self.span == (start, end)


def probe_owner(
    actor: Actor, request: BookingRequest
) -> tuple[int | None, tuple[datetime, datetime] | None]:
    """Whom and when `Waitlist.probe` asks about: the actor booking for themselves, over
    the request's range in UTC; nobody for a booking on behalf or a naive time."""
    mine = not request.on_behalf_of or request.on_behalf_of == actor.user.username
    start, end = request.starts_at, request.ends_at
    aware = start.utcoffset() is not None and end.utcoffset() is not None
    span = (as_utc(start, "start"), as_utc(end, "end")) if aware else None
    return (actor.id if mine and span else None), span


def overlapping_holds(instrument_id: int, start: datetime, end: datetime) -> Select[WaitlistEntry]:
    """The instrument's entries holding a range that overlaps [start, end), oldest first."""
    return (
        select(WaitlistEntry)
        .where(
            WaitlistEntry.instrument_id == instrument_id,
            WaitlistEntry.status == WaitlistStatus.OFFERED,
            WaitlistEntry.starts_at < end,
            WaitlistEntry.ends_at > start,
        )
        .order_by(WaitlistEntry.id)
    )


class Waitlist:
    """Offers, holds and their passing on, for the services that free or take a range."""

    def __init__(self, context: ServiceContext) -> None:
        self._clock = context.clock
        self._hold = timedelta(minutes=context.settings.booking.waitlist_hold_minutes)

    def offer(
        self, session: Session, instrument: InstrumentRecord, start: datetime, end: datetime
    ) -> list[int]:
        """Offer a freed range to each waiter, longest waiting first, whose wish it now fits.

        Each offer holds that waiter's range for them, so a later waiter is offered only
        what the earlier holds leave free. Returns the entries offered. The holder still
        books through every rule; the hold only keeps others off the range meanwhile.
        """
        now = self._clock.now()
        waiting = session.scalars(
            select(WaitlistEntry)
            .where(
                WaitlistEntry.instrument_id == instrument.id,
                WaitlistEntry.status == WaitlistStatus.WAITING,
                WaitlistEntry.starts_at < end,
                WaitlistEntry.ends_at > start,
                WaitlistEntry.starts_at > now,
            )
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        ).all()
        offered = []
        for entry in waiting:
            deadline = booking_deadline(instrument, entry.starts_at)
            if deadline <= now:
                self.end(session, entry, WaitlistStatus.EXPIRED, "too close to its start to book")
                continue
            user = row_records.user_by_id(session, entry.user_id)
            try:
                proposal = Proposal(user, instrument, entry.starts_at, entry.ends_at)
                check_conflicts(session, proposal, now)
            except RefusedError:
                continue  # the range this waiter wants is still (partly) taken
            self._hold_for(session, entry, instrument, min(now + self._hold, deadline))
            offered.append(entry.id)
        return offered

    def _hold_for(
        self, session: Session, entry: WaitlistEntry, instrument: InstrumentRecord, until: datetime
    ) -> None:
        now = self._clock.now()
        entry.status = WaitlistStatus.OFFERED
        entry.offered_at = now
        entry.hold_expires_at = until
        tz = instrument.timezone
        when = describe_range(entry.starts_at, entry.ends_at, tz)
        record_audit(
            session,
            actor_id=None,
            action="waitlist.offer",
            entity_type="waitlist_entry",
            entity_id=entry.id,
            at=now,
            before={"status": WaitlistStatus.WAITING.value},
            after={"status": entry.status.value, "hold_expires_at": until},
        )
        queue_notification(
            session,
            user_id=entry.user_id,
            kind=NotificationKind.WAITLIST_OFFER,
            subject=f"Slot free: {instrument.code} {when}",
            body=(
                f"{instrument.code} is free {when}, which you were waiting for. It is held "
                f"for you until {describe_time(until, tz)}: book it before then "
                f"(Enter on it in the week calendar, or `equipshare waitlist accept "
                f"{entry.id}`), or it passes to the next in line."
            ),
            at=now,
            payload={"waitlist_entry": entry.id},
        )

    def end(
        self,
        session: Session,
        entry: WaitlistEntry,
        status: WaitlistStatus,
        why: str,
        actor_id: int | None = None,
    ) -> None:
        """Take an entry out of line, audited (by nobody when time, not a person, ended it)."""
        before = entry.status
        entry.status = status
        record_audit(
            session,
            actor_id=actor_id,
            action=f"waitlist.{status.value}",
            entity_type="waitlist_entry",
            entity_id=entry.id,
            at=self._clock.now(),
            before={"status": before.value},
            after={"status": status.value, "why": why},
        )

    def probe(
        self,
        session: Session,
        instrument: InstrumentRecord,
        actor: Actor,
        request: BookingRequest,
        *also: tuple[Any, dict[str, Any]],
    ) -> tuple[Probe, list[Rows]]:
        """One statement instead of two before a booking: are there holds to pass on
        (`pass_lapsed`), and has the booking's owner entries in line over its range
        (`taken`)? Run after the instrument's lock, so it sees every earlier writer. It
        reads the owner's rate card too, and sends the reads `also` (statement and
        parameters) along in the same round trip, returning their rows.

        The owner and range are the ones the request will be booked with unless booking on
        behalf of someone else or a naive time (which the rules refuse): those are asked
        about as nobody, and `taken` runs as before.
        """
        now = self._clock.now()
        owner_id, span = probe_owner(actor, request)
        rates = pricing.rate_params(actor.user, instrument, now)
        params = {
            **rates,
            "now": now,
            "user_id": -1 if owner_id is None else owner_id,
            "start": span[0] if span else now,
            "end": span[1] if span else now,
        }
        found = direct.together(connection_of(session), (_PROBE, params), *also)
        row = found[0].one()
        frozen = pricing.rates_of(rates["user_class"], row.hourly_rate, row.technician_hourly_rate)
        probe = Probe(
            bool(row.lapsed),
            owner_id,
            span,
            bool(row.in_line),
            frozen if owner_id is not None else None,
        )
        return probe, found[1:]

    def pass_lapsed(self, session: Session, instrument: InstrumentRecord) -> int:
        """End the instrument's holds that ran out and offer each range to the next in line.

        Reads once and writes nothing in the usual case; when something lapsed it locks
        the instrument first, so two writers never pass the same hold on twice.
        """
        now = self._clock.now()
        params = {"instrument_id": instrument.id, "now": now}
        if run(session, _ANY_LAPSED, params).first() is None:
            return 0
        lock_rows(session, instrument.id, None)
        lapsed = session.scalars(_lapsed(instrument.id, now)).all()
        for entry in lapsed:
            session.refresh(entry)  # the lock may have waited on a writer that passed it on
        lapsed = [e for e in lapsed if e.status is WaitlistStatus.OFFERED]
        for entry in lapsed:
            self.end(session, entry, WaitlistStatus.EXPIRED, "the hold ran out")
        for entry in lapsed:
            self.offer(session, instrument, entry.starts_at, entry.ends_at)
        return len(lapsed)

    def end_for_downtime(
        self,
        session: Session,
        instrument: InstrumentRecord,
        start: datetime,
        end: datetime,
        why: str,
        actor_id: int | None,
    ) -> list[WaitlistEntry]:
        """End the running holds a downtime over [start, end) falls on; tell each holder.

        The range is no freer than before (the downtime takes it), so nothing is offered
        on; an entry only waiting stays in line for when the downtime is removed. Holds
        that already ran out are left to `pass_lapsed`, which the caller runs once the
        downtime is written, so their ranges pass on around it.
        """
        now, tz = self._clock.now(), instrument.timezone
        running = overlapping_holds(instrument.id, start, end).where(
            WaitlistEntry.hold_expires_at > now
        )
        entries = list(session.scalars(running).all())
        for entry in entries:
            self.end(session, entry, WaitlistStatus.EXPIRED, f"downtime: {why}", actor_id)
            when = describe_range(entry.starts_at, entry.ends_at, tz)
            queue_notification(
                session,
                user_id=entry.user_id,
                kind=NotificationKind.CANCELLED_BY_DOWNTIME,
                subject=f"Hold ended for downtime: {instrument.code} {when}",
                body=(
                    f"{instrument.code} {when} was held for you off its waitlist, but the "
                    f"instrument is down then ({why}), so the hold has ended and the range "
                    "can no longer be booked. Join the waitlist again, or pick another time."
                ),
                at=now,
                payload={"waitlist_entry": entry.id},
            )
        return entries

    def taken(
        self,
        session: Session,
        user_id: int,
        instrument: InstrumentRecord,
        start: datetime,
        end: datetime,
    ) -> list[int]:
        """The user booked [start, end): their entries it overlaps are accepted, and what a
        hold of theirs covered beyond the booking is offered to the next in line."""
        entries = self.entries_of(session, user_id, instrument, start, end)
        held = [e for e in entries if e.status is WaitlistStatus.OFFERED]
        for entry in entries:
            self.end(session, entry, WaitlistStatus.ACCEPTED, "booked")
        for entry in held:
            if (entry.starts_at, entry.ends_at) != (start, end):
                self.offer(session, instrument, entry.starts_at, entry.ends_at)
        return [entry.id for entry in entries]

    @staticmethod
    def entries_of(
        session: Session,
        user_id: int,
        instrument: InstrumentRecord,
        start: datetime,
        end: datetime,
    ) -> Sequence[WaitlistEntry]:
        """The user's entries still in line for a range overlapping [start, end)."""
        params = {"instrument_id": instrument.id, "user_id": user_id, "start": start, "end": end}
        if run(session, _ANY_IN_LINE, params).first() is None:
            return ()
        return session.scalars(
            select(WaitlistEntry)
            .where(
                WaitlistEntry.instrument_id == instrument.id,
                WaitlistEntry.user_id == user_id,
                WaitlistEntry.status.in_(IN_LINE),
                WaitlistEntry.starts_at < end,
                WaitlistEntry.ends_at > start,
            )
            .order_by(WaitlistEntry.starts_at, WaitlistEntry.id)
        ).all()

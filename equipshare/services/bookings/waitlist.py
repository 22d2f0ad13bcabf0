"""Waitlist: users queue for a taken range; when it frees up, the first waiter is offered it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain import policy_rules
from equipshare.domain.enums import NotificationKind, WaitlistStatus
from equipshare.domain.errors import RefusedError
from equipshare.domain.permissions import Action, Target, require
from equipshare.domain.records.catalogue import InstrumentRecord
from equipshare.services.bookings.checks import Proposal, check_conflicts
from equipshare.services.notify.outbox import queue_notification
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext


def offer_freed_slot(
    session: Session, instrument: InstrumentRecord, start: datetime, end: datetime, now: datetime
) -> int | None:
    """Offer a freed range to the longest-waiting user whose wish it now satisfies.

    Returns the waitlist entry offered, if any. The offer is a notification; the user
    still books through the normal rules, so an offer never bypasses a check.
    """
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
    for entry in waiting:
        user = row_records.user_by_id(session, entry.user_id)
        try:
            check_conflicts(session, Proposal(user, instrument, entry.starts_at, entry.ends_at))
        except RefusedError:
            continue  # the range this waiter wants is still (partly) taken
        entry.status = WaitlistStatus.OFFERED
        entry.offered_at = now
        when = policy_rules.describe_range(entry.starts_at, entry.ends_at, instrument.timezone)
        queue_notification(
            session,
            user_id=entry.user_id,
            kind=NotificationKind.WAITLIST_OFFER,
            subject=f"Slot free: {instrument.code} {when}",
            body=f"{instrument.code} is free {when}, which you were waiting for. Book it now.",
            at=now,
            payload={"waitlist_entry": entry.id},
        )
        return entry.id
    return None


class WaitlistService:
    """Join and leave waitlists."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def join(
        self, actor_username: str, instrument_code: str, start: datetime, end: datetime
    ) -> int:
        """Queue the actor for a range of an instrument they may book; returns the entry id."""
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            instrument = row_records.load_instrument(session, instrument_code)
            require(actor, Action.BOOK, Target.of(instrument))
            policy_rules.check_status(instrument)
            policy_rules.check_access(actor.user, instrument)
            if end <= start:
                raise RefusedError("the range must end after it starts", "end")
            now = self._clock.now()
            entry = WaitlistEntry(
                instrument_id=instrument.id,
                user_id=actor.id,
                starts_at=start,
                ends_at=end,
                status=WaitlistStatus.WAITING,
                created_at=now,
            )
            session.add(entry)
            session.flush()
            record_audit(
                session,
                actor_id=actor.id,
                action="waitlist.join",
                entity_type="waitlist_entry",
                entity_id=entry.id,
                at=now,
                after={"instrument_id": instrument.id, "starts_at": start, "ends_at": end},
            )
            return entry.id

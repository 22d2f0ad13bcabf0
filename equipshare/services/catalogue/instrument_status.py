"""InstrumentStatusService: available, limited, out of service or retired, with the reason why.

Decisions worth knowing:
- The facility's staff (technicians too) and admins (Action.CHANGE_INSTRUMENT_STATUS).
- Out of service and retired take no new bookings, and need a reason: every refusal of a
  booking quotes it (policy_rules.check_status).
- As with downtime, the future active bookings the change leaves stranded are listed
  first; the caller then cancels them (through the downtime's path: free, the owner told
  by the outbox, one audit event each) or keeps them. Without that choice, a change that
  strands bookings is refused, naming them. `previewed` holds the ids the caller was
  shown: when given, the change goes ahead only if those are still the affected ones.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument
from equipshare.domain.enums import BookingStatus, InstrumentStatus, NotificationKind
from equipshare.domain.errors import InputError, RefusedError
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.instruments.instrument_changes import StatusChange
from equipshare.domain.rules.permissions import Action, Target, require
from equipshare.domain.rules.policy_rules import describe_range
from equipshare.services.catalogue.policy_breaks import future_bookings
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

REASON_LIMIT = 300
# How many affected bookings a refusal names before it just counts the rest.
LISTED_IN_REFUSAL = 10

#: Past any hold: holds never reach beyond the longest booking horizon.
HOLDS_REACH = timedelta(days=3660)


class _DryRun(Exception):
    def __init__(self, result: StatusChange) -> None:
        super().__init__("dry run")
        self.result = result


def _reason(status: InstrumentStatus, reason: str | None) -> str | None:
    cleaned = (reason or "").strip()
    if len(cleaned) > REASON_LIMIT:
        raise InputError(
            f"reason: {len(cleaned)} characters, more than the {REASON_LIMIT} allowed", "reason"
        )
    if not cleaned and not status.bookable:
        raise InputError(
            f"reason: say why the instrument is {status.value.replace('_', ' ')}; "
            "people refused a booking are told it",
            "reason",
        )
    return cleaned or None


def _words(status: InstrumentStatus) -> str:
    return status.value.replace("_", " ")


class InstrumentStatusService:
    """Change an instrument's status, deciding what becomes of the bookings it strands."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        # Imported here: the catalogue's public module is read at launch, the booking
        # life cycle only when a status change cancels bookings.
        from equipshare.services.bookings.lifecycle import BookingService

        self._bookings = BookingService(context)

    def set_status(
        self,
        actor_username: str,
        code: str,
        status: InstrumentStatus,
        reason: str | None = None,
        *,
        cancel_affected: bool | None = None,
        previewed: Collection[int] | None = None,
        dry_run: bool = False,
    ) -> StatusChange:
        """Set the status and reason; `cancel_affected` decides the stranded bookings' fate.

        A dry run lists the affected bookings and changes nothing, whatever was decided.
        """
        why = _reason(status, reason)
        try:
            with self._db.sessions.begin() as session:
                result = self._change(
                    session, actor_username, code, status, why, cancel_affected, previewed, dry_run
                )
                if dry_run:
                    raise _DryRun(result)
                return result
        except _DryRun as done:
            return done.result

    def _change(
        self,
        session: Session,
        actor_username: str,
        code: str,
        status: InstrumentStatus,
        why: str | None,
        cancel_affected: bool | None,
        previewed: Collection[int] | None,
        dry_run: bool,
    ) -> StatusChange:
        actor = row_records.load_actor(session, actor_username)
        before = row_records.load_instrument(session, code.strip(), lock=True)
        require(actor, Action.CHANGE_INSTRUMENT_STATUS, Target.of(before))
        now = self._clock.now()
        rows = [] if status.bookable else future_bookings(session, before.id, now)
        if before.status is status and before.status_reason == why:
            return self._result(before, before, rows, cancelled=False, changed=False, dry=dry_run)
        if previewed is not None and {row.id for row in rows} != set(previewed):
            raise RefusedError(
                f"the future bookings on {before.code} changed since the preview "
                f"({len(set(previewed))} shown, {len(rows)} now); preview again"
            )
        # A new reason alone leaves bookings kept before as they are, unless told otherwise.
        if rows and cancel_affected is None and not dry_run and before.status is not status:
            raise RefusedError(self._refusal(before, status, rows))
        cancel = bool(rows) and bool(cancel_affected)
        row = session.get_one(Instrument, before.id)
        row.status, row.status_reason, row.updated_at = status, why, now
        session.flush()
        after = row_records.load_instrument(session, before.code)
        if cancel:
            text = f"{after.code} is {_words(status)}" + (f": {why}" if why else "")
            for booking in rows:
                # The downtime's path: free for the user, who is told why; no waitlist
                # offer, since the instrument takes no bookings.
                self._bookings.finish_in(
                    session,
                    actor,
                    booking,
                    after,
                    BookingStatus.CANCELLED,
                    text,
                    kind=NotificationKind.CANCELLED_BY_DOWNTIME,
                    offer_waitlist=False,
                )
        if not status.bookable:
            # A hold keeps others off a range only while it can be booked: end them all.
            text = f"{after.code} is {_words(status)}" + (f": {why}" if why else "")
            self._bookings.waitlist.end_for_downtime(
                session, after, now, now + HOLDS_REACH, text, actor.id
            )
        ids = [booking.id for booking in rows]
        record_audit(
            session,
            actor_id=actor.id,
            action="instrument.status",
            entity_type="instrument",
            entity_id=before.id,
            at=now,
            before={"status": before.status.value, "status_reason": before.status_reason},
            after={"status": status.value, "status_reason": why}
            | ({"cancelled_booking_ids": ids} if cancel else {"kept_booking_ids": ids}),
        )
        return self._result(before, after, rows, cancelled=cancel, changed=True, dry=dry_run)

    @staticmethod
    def _result(
        before: InstrumentRecord,
        after: InstrumentRecord,
        rows: Sequence[Booking],
        *,
        cancelled: bool,
        changed: bool,
        dry: bool,
    ) -> StatusChange:
        return StatusChange(
            instrument=after,
            before_status=before.status,
            before_reason=before.status_reason,
            affected=tuple(row_records.booking_record(row) for row in rows),
            cancelled=cancelled,
            changed=changed,
            dry_run=dry,
        )

    @staticmethod
    def _refusal(
        instrument: InstrumentRecord, status: InstrumentStatus, rows: Sequence[Booking]
    ) -> str:
        tz = instrument.timezone
        named = [
            f"booking {row.id} ({row.user.username}, "
            f"{describe_range(row.starts_at, row.ends_at, tz)})"
            for row in rows[:LISTED_IN_REFUSAL]
        ]
        if len(rows) > LISTED_IN_REFUSAL:
            named.append(f"and {len(rows) - LISTED_IN_REFUSAL} more")
        count = f"{len(rows)} future booking" + ("s" if len(rows) != 1 else "")
        return (
            f"{instrument.code} {_words(status)} would strand {count}: {'; '.join(named)}. "
            "Choose to cancel them (their owners are told) or keep them"
        )

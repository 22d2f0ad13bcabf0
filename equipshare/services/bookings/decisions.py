"""DecisionService: approve several requests at once, and take a decision back while the
requester has not yet been told.

Bulk approval is one transaction in which each request is approved through
`BookingService.finish_in` (permission, training and access again, audit, the requester's
notice) inside a savepoint of its own: one refused request (decided meanwhile, training
revoked) is reported and stays pending, and the others are approved all the same.

Undo is for a slip of the key. It takes back the decider's own approval or rejection, all
or nothing, while nothing has happened since: the booking's latest audit event is still
the decision, and the requester's notice of it is still unsent in the outbox. The notice is
withdrawn (skipped, saying why) in the same transaction, so `equipshare notify`, which
claims a message under a row lock, either sends it first, and undo is refused, or never.
A rejection freed the slot, so taking it back passes the conflict rule again (a booking or
a waitlist hold may have taken the time since). The booking returns to pending with its
booked price, one version later, and the undo is audited as `booking.decision_undone`.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.queue import Notification
from equipshare.domain.enums import BookingStatus, NotificationKind, NotificationStatus
from equipshare.domain.errors import (
    ConflictError,
    EquipshareError,
    InputError,
    PermissionDenied,
    RefusedError,
)
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.pages import BulkApproval, RefusedDecision, UndoneDecisions
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.domain.rules.permissions import Action, Actor, Target, require, staff_scope
from equipshare.domain.time.timewords import local_range
from equipshare.services.bookings.conflicts import check_conflicts
from equipshare.services.bookings.create import translating_overlaps
from equipshare.services.bookings.lifecycle import AUDIT_ACTIONS, BookingService, lock_booking
from equipshare.services.bookings.proposal import Proposal
from equipshare.services.charging import pricing
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import booking_snapshot, record_audit
from equipshare.services.plumbing.context import ServiceContext

#: The most requests one bulk decision or undo may name.
MAX_BATCH = 1000
UNDONE = "booking.decision_undone"
DECISIONS = {
    BookingStatus.CONFIRMED: (Action.APPROVE_BOOKING, NotificationKind.BOOKING_APPROVED),
    BookingStatus.REJECTED: (Action.REJECT_BOOKING, NotificationKind.BOOKING_REJECTED),
}
#: A notice in these states went out, or may have: a decision it reports stands.
TOLD = (NotificationStatus.SENT, NotificationStatus.SENDING)


def _batch(booking_ids: Sequence[int], doing: str) -> list[int]:
    """The distinct ids, in order; refused when none or too many."""
    ids = list(dict.fromkeys(booking_ids))
    if not ids:
        raise InputError(f"bookings: name at least one request to {doing}", "bookings")
    if len(ids) > MAX_BATCH:
        raise InputError(
            f"bookings: at most {MAX_BATCH:,} requests at once, not {len(ids):,}", "bookings"
        )
    return ids


def _in_lock_order(session: Session, ids: list[int]) -> list[int]:
    """The ids by instrument, the order every writer locks instruments in (no deadlocks);
    an unknown id keeps its place at the end, for lock_booking to refuse by name."""
    known = dict(
        session.execute(select(Booking.id, Booking.instrument_id).where(Booking.id.in_(ids))).all()
    )
    return sorted(ids, key=lambda i: (i not in known, known.get(i, 0), i))


class DecisionService:
    """Bulk approval and undo, through the booking service's own rules."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._bookings = BookingService(context)

    def approve_many(self, actor_username: str, booking_ids: Sequence[int]) -> BulkApproval:
        """Approve each request the actor may; report the others with the reason each stays.

        Refused outright (PermissionDenied) when the actor decides no facility's requests.
        """
        ids = _batch(booking_ids, "approve")
        approved: list[BookingRecord] = []
        refused: list[RefusedDecision] = []
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            if staff_scope(actor, Action.APPROVE_BOOKING) == frozenset():
                raise PermissionDenied(
                    f"{actor.user.username} may not {Action.APPROVE_BOOKING}: that needs a "
                    "manager or technician of the facility, or an admin"
                )
            for booking_id in _in_lock_order(session, ids):
                try:
                    with session.begin_nested():
                        row, instrument = lock_booking(session, booking_id)
                        self._bookings.finish_in(
                            session, actor, row, instrument, BookingStatus.CONFIRMED, ""
                        )
                        approved.append(row_records.booking_record(row))
                except EquipshareError as error:
                    refused.append(RefusedDecision(booking_id, str(error)))
        order = {booking_id: i for i, booking_id in enumerate(ids)}
        return BulkApproval(
            tuple(sorted(approved, key=lambda b: order[b.id])),
            tuple(sorted(refused, key=lambda r: order[r.booking_id])),
        )

    def undo(self, actor_username: str, booking_ids: Sequence[int]) -> UndoneDecisions:
        """Return the actor's own decisions on these bookings to pending, withdrawing their
        unsent notices; all or nothing, refused naming the first that cannot be undone."""
        ids = _batch(booking_ids, "undo")
        undone: list[BookingRecord] = []
        withdrawn = 0
        with self._db.sessions.begin() as session:
            actor = row_records.load_actor(session, actor_username)
            for booking_id in _in_lock_order(session, ids):
                row, instrument = lock_booking(session, booking_id)
                withdrawn += self._undo_one(session, actor, row, instrument)
                undone.append(row_records.booking_record(row))
        order = {booking_id: i for i, booking_id in enumerate(ids)}
        return UndoneDecisions(tuple(sorted(undone, key=lambda b: order[b.id])), withdrawn)

    def _undo_one(
        self, session: Session, actor: Actor, row: Booking, instrument: InstrumentRecord
    ) -> int:
        """Take back one locked booking's decision; returns how many notices were withdrawn."""
        decision = DECISIONS.get(row.status)
        if decision is None or row.decided_at is None:
            raise RefusedError(
                f"booking {row.id} is {row.status.value}: there is no decision to undo"
            )
        action, kind = decision
        require(actor, action, Target.of(instrument, row.user_id))
        verb = "approval" if row.status is BookingStatus.CONFIRMED else "rejection"
        if row.decided_by_id != actor.id:
            decider = row_records.user_by_id(session, row.decided_by_id or 0).username
            raise RefusedError(f"booking {row.id}'s {verb} was {decider}'s; only they can undo it")
        latest = session.scalar(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "booking", AuditEvent.entity_id == str(row.id))
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        if latest != AUDIT_ACTIONS[row.status]:
            raise RefusedError(
                f"booking {row.id} has changed since its {verb} ({latest}); "
                "it can no longer be undone"
            )
        now = self._clock.now()
        if row.ends_at <= now:
            raise RefusedError(f"booking {row.id} has ended; its {verb} can no longer be undone")
        notice = self._notice(session, row, kind)
        if notice is not None and notice.status in TOLD:
            raise RefusedError(self._told(row, instrument, verb, notice))
        if row.status is BookingStatus.REJECTED:
            user = row_records.user_record(row.user)
            try:
                check_conflicts(
                    session,
                    Proposal(user, instrument, row.starts_at, row.ends_at, replaces=(row.id,)),
                    now,
                )
            except ConflictError as error:
                raise ConflictError(
                    f"booking {row.id}'s rejection cannot be undone: {error}",
                    error.field,
                    error.booking_id,
                ) from None
            pricing.apply_charge(row, pricing.booked_charge(row))  # rates stay frozen
        before = booking_snapshot(row)
        undone_action = AUDIT_ACTIONS[row.status]
        row.status, row.status_reason = BookingStatus.PENDING, None
        row.decided_by_id, row.decided_at = None, None
        row.sequence += 1
        row.updated_at = now
        with translating_overlaps(instrument.code):
            session.flush()
        record_audit(
            session,
            actor_id=actor.id,
            action=UNDONE,
            entity_type="booking",
            entity_id=row.id,
            at=now,
            before=before,
            after=booking_snapshot(row) | {"undid": undone_action},
        )
        if notice is None or notice.status is not NotificationStatus.PENDING:
            return 0  # none was owed (the actor's own booking), or it never went out
        notice.status = NotificationStatus.SKIPPED
        notice.last_error = f"withdrawn: {actor.user.username} undid the {verb}"
        return 1

    @staticmethod
    def _notice(session: Session, row: Booking, kind: NotificationKind) -> Notification | None:
        """The requester's notice of the decision, locked against notify's claim."""
        return session.scalars(
            select(Notification)
            .where(
                Notification.booking_id == row.id,
                Notification.user_id == row.user_id,
                Notification.kind == kind,
            )
            .order_by(Notification.id.desc())
            .limit(1)
            .with_for_update()
        ).first()

    @staticmethod
    def _told(row: Booking, instrument: InstrumentRecord, verb: str, notice: Notification) -> str:
        when = local_range(row.starts_at, row.ends_at, instrument.timezone)
        if notice.status is NotificationStatus.SENDING or notice.sent_at is None:
            told = "is being sent to the requester now"
        else:
            local = notice.sent_at.astimezone(ZoneInfo(instrument.timezone))
            told = (
                f"was sent to the requester at {local:%H:%M} {local.tzname()} "
                f"on {local:%a} {local.day} {local:%b}"
            )
        instead = (
            "cancel the booking if it must not go ahead"
            if verb == "approval"
            else "the requester may book again"
        )
        return (
            f"booking {row.id} ({instrument.code} {when}) cannot be undone: the notice of its "
            f"{verb} {told}; {instead}"
        )

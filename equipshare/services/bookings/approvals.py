"""ApprovalsService: the bookings waiting for the actor's decision, oldest request first,
or soonest start first, a keyset page at a time with search.

Scope follows the approve right exactly (`permissions.staff_scope`): staff of a facility
(managers and technicians alike, as `BookingService.approve` allows) see its requests,
admins see every facility's, and anyone else, including a deactivated account, sees none.
A researcher gets an empty list rather than an error, so a header badge can always ask.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.models.credit import TechnicianProfile
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, TrainingLevel, TrainingStanding
from equipshare.domain.errors import NotFound
from equipshare.domain.records.pages import (
    ApprovalOrder,
    ApprovalsQuery,
    KeyValue,
    Page,
    PageAfter,
)
from equipshare.domain.records.scheduling.bookings import PendingRequestRow
from equipshare.domain.records.users.people import TrainingStatus
from equipshare.domain.rules.permissions import Action, Actor, Target, require, staff_scope
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.keyset import SortKey, bounded, order_of, page_of, words_match
from equipshare.services.plumbing.keyset import after as keyset_after
from equipshare.services.technicians.credit_names import staff_shown

MAX_LIMIT = 1000

Requester = aliased(User, name="requester")
Technician = aliased(User, name="technician")


@dataclass(frozen=True)
class Training:
    """One unrevoked training record, as the standing rules read it."""

    level: TrainingLevel
    trained_at: datetime
    expires_at: datetime | None

    def valid_at(self, instant: datetime) -> bool:
        return self.trained_at <= instant and (self.expires_at is None or self.expires_at > instant)


def _latest_expiry(records: Sequence[Training]) -> datetime | None:
    """The furthest expiry of `records`, None when one of them never expires."""
    if any(r.expires_at is None for r in records):
        return None
    return max(r.expires_at for r in records if r.expires_at is not None)


def training_standing(
    records: Iterable[Training], ends_at: datetime, now: datetime
) -> TrainingStatus:
    """Judge training at the booking's end, the instant the booking rule checks it."""
    records = list(records)
    independent = [r for r in records if r.level is TrainingLevel.INDEPENDENT]
    covering = [r for r in independent if r.valid_at(ends_at)]
    if covering:
        return TrainingStatus(TrainingStanding.TRAINED, _latest_expiry(covering))
    current = [r for r in independent if r.valid_at(now)]
    if current:
        return TrainingStatus(TrainingStanding.LAPSES, _latest_expiry(current))
    expired = [r for r in independent if r.expires_at is not None and r.expires_at <= now]
    if expired:
        return TrainingStatus(TrainingStanding.EXPIRED, _latest_expiry(expired))
    supervised = [r for r in records if r.level is TrainingLevel.SUPERVISED and r.valid_at(ends_at)]
    if supervised:
        return TrainingStatus(TrainingStanding.SUPERVISED, _latest_expiry(supervised))
    return TrainingStatus(TrainingStanding.NOT_TRAINED)


NOT_REQUIRED = TrainingStatus(TrainingStanding.NOT_REQUIRED)
WAITING = ApprovalsQuery()
#: What a search looks in: who asked, and for which instrument.
SEARCHED = (Requester.username, Requester.display_name, Instrument.code, Instrument.name)
#: Each order's keys; the partial indexes on pending bookings (migration 0017) hold them.
ORDERS = {
    ApprovalOrder.REQUESTED: (SortKey(Booking.created_at), SortKey(Booking.id)),
    ApprovalOrder.STARTS: (SortKey(Booking.starts_at), SortKey(Booking.id)),
}
ORDER_KEYS: dict[ApprovalOrder, Callable[[PendingRequestRow], tuple[KeyValue, ...]]] = {
    ApprovalOrder.REQUESTED: lambda row: (row.requested_at, row.booking_id),
    ApprovalOrder.STARTS: lambda row: (row.starts_at, row.booking_id),
}


class ApprovalsService:
    """Read-only view of pending bookings for the staff who may decide them."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context  # screens build the decision service from it
        self._db = context.database
        self._clock = context.clock

    def pending(
        self, actor_username: str, *, facility_code: str | None = None, limit: int = 200
    ) -> tuple[PendingRequestRow, ...]:
        """Pending bookings the actor may approve, oldest request first, in four queries.

        With `facility_code`, only that facility's, and refused (PermissionDenied) unless
        the actor may approve there.
        """
        limit = max(1, min(limit, MAX_LIMIT))
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            scope = staff_scope(actor, Action.APPROVE_BOOKING)
            if facility_code is not None:
                scope = _one_facility(session, actor, facility_code)
            if scope is not None and not scope:
                return ()
            statement = _requests().where(*_in_scope(scope))
            keys = ORDERS[ApprovalOrder.REQUESTED]
            return _rows(session, statement.order_by(*order_of(keys)).limit(limit), now, actor)

    def page(
        self,
        actor_username: str,
        query: ApprovalsQuery = WAITING,
        *,
        after: PageAfter | None = None,
        limit: int = 200,
    ) -> Page[PendingRequestRow]:
        """Up to `limit` pending requests the actor may decide, after `after`, in `query`'s
        order; every request is reached once by passing each page's `next_after` back.

        The first page also says how many requests match in all (one COUNT over the pending
        index), which with no search is what `pending_count` says.
        """
        limit = bounded(limit)
        now = self._clock.now()
        keys = ORDERS[query.order]
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            scope = staff_scope(actor, Action.APPROVE_BOOKING)
            if scope is not None and not scope:
                words_match(query.search, SEARCHED)  # a bad search is refused all the same
                return Page((), None, 0 if after is None else None)
            matching = [*_in_scope(scope), words_match(query.search, SEARCHED)]
            statement = _requests().where(*matching, keyset_after(keys, after))
            fetched = _rows(
                session, statement.order_by(*order_of(keys)).limit(limit + 1), now, actor
            )
            total = None
            if after is None:
                counting = (
                    select(func.count(Booking.id))
                    .join(Instrument, Booking.instrument_id == Instrument.id)
                    .join(Requester, Booking.user_id == Requester.id)
                    .where(*matching)
                )
                total = session.scalar(counting) or 0
        rows, resume = page_of(fetched, limit, ORDER_KEYS[query.order])
        return Page(rows, resume, total)

    def may_approve(self, actor_username: str) -> bool:
        """Whether the actor decides any facility's requests: the TUI offers the screen if so."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            return staff_scope(actor, Action.APPROVE_BOOKING) != frozenset()

    def pending_count(self, actor_username: str) -> int:
        """How many requests wait for the actor: one COUNT, for a header badge."""
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            scope = staff_scope(actor, Action.APPROVE_BOOKING)
            if scope is not None and not scope:
                return 0
            statement = select(func.count(Booking.id))
            if scope is not None:
                statement = statement.join(Instrument, Booking.instrument_id == Instrument.id)
            return session.scalar(statement.where(*_in_scope(scope))) or 0


def _requests() -> Select[*tuple[Any, ...]]:
    """A pending request with what its approver weighs; `_rows` reads it."""
    return (
        select(
            Booking.id,
            Booking.user_id,
            Booking.instrument_id,
            Instrument.code,
            Instrument.name,
            Instrument.requires_training,
            Facility.name,
            Facility.timezone,
            Facility.institution_id,
            Booking.starts_at,
            Booking.ends_at,
            Requester.username,
            Requester.display_name,
            Requester.institution_id,
            Institution.code,
            Institution.name,
            Booking.project_code,
            Booking.purpose,
            Technician.display_name,
            Booking.created_at,
            Booking.technician_id,
            Instrument.facility_id,
            TechnicianProfile.named,
        )
        .join(Instrument, Booking.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .join(Requester, Booking.user_id == Requester.id)
        .join(Institution, Requester.institution_id == Institution.id)
        .outerjoin(Technician, Booking.technician_id == Technician.id)
        .outerjoin(TechnicianProfile, TechnicianProfile.user_id == Booking.technician_id)
    )


def _rows(
    session: Session, statement: Select[*tuple[Any, ...]], now: datetime, viewer: Actor
) -> tuple[PendingRequestRow, ...]:
    """The requests `statement` (from `_requests`) finds, each with its training standing;
    an assisting technician who opted out of being named is named only as `staff_shown`
    allows the viewer."""
    rows = session.execute(statement).all()
    hidden = frozenset(row.technician_id for row in rows if row.named is False)
    needing = [(row.user_id, row.instrument_id) for row in rows if row.requires_training]
    trainings = _trainings(session, needing) if needing else {}
    return tuple(
        PendingRequestRow(
            booking_id=booking_id,
            instrument_code=code,
            instrument_name=name,
            facility_name=facility_name,
            timezone=timezone,
            starts_at=starts_at,
            ends_at=ends_at,
            requester_username=username,
            requester_name=display_name,
            requester_institution_code=institution_code,
            requester_institution_name=institution_name,
            cross_institution=user_institution_id != facility_institution_id,
            project_code=project_code,
            purpose=purpose,
            technician_name=staff_shown(
                technician_name, technician_id, facility_id, viewer, hidden
            ),
            requested_at=created_at,
            training=(
                training_standing(trainings.get((user_id, instrument_id), ()), ends_at, now)
                if requires_training
                else NOT_REQUIRED
            ),
        )
        for (
            booking_id,
            user_id,
            instrument_id,
            code,
            name,
            requires_training,
            facility_name,
            timezone,
            facility_institution_id,
            starts_at,
            ends_at,
            username,
            display_name,
            user_institution_id,
            institution_code,
            institution_name,
            project_code,
            purpose,
            technician_name,
            created_at,
            technician_id,
            facility_id,
            _named,
        ) in rows
    )


def _one_facility(session: Session, actor: Actor, code: str) -> frozenset[int]:
    """The facility with `code`, once the actor is found to decide its requests."""
    facility = session.execute(
        select(Facility.id, Facility.name, Facility.code).where(Facility.code == code.strip())
    ).one_or_none()
    if facility is None:
        raise NotFound(f"no facility with code {code.strip()!r}", "facility")
    require(actor, Action.APPROVE_BOOKING, Target(facility.id, facility.name, facility.code))
    return frozenset({facility.id})


def _in_scope(scope: frozenset[int] | None) -> list[ColumnElement[bool]]:
    """Pending bookings only, on instruments of the facilities in scope (None: all)."""
    conditions = [Booking.status == BookingStatus.PENDING]
    if scope is not None:
        conditions.append(Instrument.facility_id.in_(sorted(scope)))
    return conditions


def _trainings(
    session: Session, pairs: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], list[Training]]:
    """Unrevoked training records for the (user, instrument) pairs, in one query."""
    users = sorted({user for user, _ in pairs})
    instruments = sorted({instrument for _, instrument in pairs})
    wanted = set(pairs)
    found: dict[tuple[int, int], list[Training]] = defaultdict(list)
    for user_id, instrument_id, level, trained_at, expires_at in session.execute(
        select(
            TrainingRecord.user_id,
            TrainingRecord.instrument_id,
            TrainingRecord.level,
            TrainingRecord.trained_at,
            TrainingRecord.expires_at,
        ).where(
            TrainingRecord.user_id.in_(users),
            TrainingRecord.instrument_id.in_(instruments),
            TrainingRecord.revoked_at.is_(None),
        )
    ):
        if (user_id, instrument_id) in wanted:
            found[(user_id, instrument_id)].append(Training(level, trained_at, expires_at))
    return found

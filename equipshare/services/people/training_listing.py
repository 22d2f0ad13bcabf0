"""TrainingListing: the reading half of TrainingService: records of the instruments an
actor looks after, whole (the command line's lists) or a keyset page at a time with search
(the Training screen's), and a user's standing on one instrument.

Scope: staff see their facilities' records, admins every facility's; anyone else is refused
(PermissionDenied naming the right), so a screen can say why it offers no changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.pages import KeyValue, Page, PageAfter, TrainingQuery
from equipshare.domain.records.users.people import TrainingRecordView, UserTraining
from equipshare.domain.rules.permissions import Action, Actor, Target, require, staff_scope
from equipshare.services.people.training_queries import (
    Trainee,
    ViewSelect,
    active_clause,
    record_views,
    training_of,
    view_query,
)
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.keyset import SortKey, bounded, order_of, page_of, words_match
from equipshare.services.plumbing.keyset import after as keyset_after

# The most rows one whole listing returns; a national admin would otherwise get every record.
MAX_ROWS = 5000
#: What a search looks in: who was trained, and on which instrument.
SEARCHED = (Trainee.username, Trainee.display_name, Instrument.code, Instrument.name)
EVERY_RECORD = TrainingQuery()
#: Every record: by instrument, then user, newest training first; the id breaks ties.
BY_INSTRUMENT = (
    SortKey(Instrument.code),
    SortKey(Trainee.username),
    SortKey(TrainingRecord.trained_at, descending=True),
    SortKey(TrainingRecord.id),
)
#: Expiring records: soonest expiry first (on its index, migration 0017).
BY_EXPIRY = (
    SortKey(TrainingRecord.expires_at),
    SortKey(Instrument.code),
    SortKey(Trainee.username),
    SortKey(TrainingRecord.id),
)


def _looked_after(actor: Actor) -> frozenset[int] | None:
    """The facilities whose training the actor may list (None: all); refuse if none."""
    scope = staff_scope(actor, Action.RECORD_TRAINING)
    if scope is None or scope:
        return scope
    who = actor.user.username
    if not actor.user.active:
        raise PermissionDenied(
            f"{who} may not {Action.RECORD_TRAINING}: the account is deactivated"
        )
    raise PermissionDenied(
        f"{who} may not {Action.RECORD_TRAINING}: that needs a manager or technician of a "
        "facility, or an admin"
    )


class TrainingListing:
    """Read-only questions about training records; TrainingService adds the changes."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._zone = context.settings.organisation.timezone

    def today(self, timezone: str | None = None) -> date:
        """Today in `timezone` (the organisation's by default) by the service's clock: the
        day that typed words such as tomorrow or 16 Dec count from."""
        return self._clock.now().astimezone(ZoneInfo(timezone or self._zone)).date()

    def for_facility(
        self, actor_username: str, facility_id: int | None = None, include_inactive: bool = False
    ) -> list[TrainingRecordView]:
        """Records on the instruments the actor looks after, by instrument then user.

        Without `facility_id`: every facility the actor staffs (all of them for an admin).
        """
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            statement = self._scoped(session, actor, facility_id)
            if not include_inactive:
                statement = statement.where(active_clause(now))
            statement = statement.order_by(
                Instrument.code,
                Trainee.username,
                TrainingRecord.trained_at.desc(),
                TrainingRecord.id,
            ).limit(MAX_ROWS)
            return record_views(session, statement, now, actor)

    def expiring(self, actor_username: str, within_days: int = 30) -> list[TrainingRecordView]:
        """Active records that lapse within `within_days` of now, soonest first."""
        if within_days < 0:
            raise InputError("within_days: give zero or more days", "within_days")
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            statement = (
                self._scoped(session, actor, None)
                .where(*_expiring(now, within_days))
                .order_by(TrainingRecord.expires_at, Instrument.code, Trainee.username)
                .limit(MAX_ROWS)
            )
            return record_views(session, statement, now, actor)

    def listing(
        self,
        actor_username: str,
        *,
        instrument_code: str | None = None,
        username: str | None = None,
        expiring_within: int | None = None,
    ) -> list[TrainingRecordView]:
        """Records on the instruments the actor looks after, revoked and expired ones too.

        Narrowed to one instrument (refused unless the actor looks after it) or one user;
        with `expiring_within`, only active records lapsing within that many days, as
        `expiring` lists them.
        """
        if expiring_within is not None and expiring_within < 0:
            raise InputError("expiring within: give zero or more days", "expiring_within")
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            statement = self._scoped(session, actor, None)
            order = [Instrument.code, Trainee.username, TrainingRecord.trained_at.desc()]
            if instrument_code is not None:
                instrument = row_records.load_instrument(session, instrument_code.strip())
                require(actor, Action.RECORD_TRAINING, Target.of(instrument))
                statement = statement.where(Instrument.id == instrument.id)
            if username is not None:
                user = row_records.load_user(session, username.strip())
                statement = statement.where(TrainingRecord.user_id == user.id)
            if expiring_within is not None:
                statement = statement.where(*_expiring(now, expiring_within))
                order = [TrainingRecord.expires_at, Instrument.code, Trainee.username]
            statement = statement.order_by(*order, TrainingRecord.id).limit(MAX_ROWS)
            return record_views(session, statement, now, actor)

    def _scoped(self, session: Session, actor: Actor, facility_id: int | None) -> ViewSelect:
        statement = view_query()
        if facility_id is not None:
            facility = session.get(Facility, facility_id)
            if facility is None:
                raise NotFound(f"no facility {facility_id}", "facility")
            require(
                actor, Action.RECORD_TRAINING, Target(facility.id, facility.name, facility.code)
            )
            return statement.where(Facility.id == facility_id)
        scope = _looked_after(actor)
        return statement if scope is None else statement.where(Facility.id.in_(sorted(scope)))

    def status_for(self, username: str, instrument_code: str) -> UserTraining:
        """Whether `username` is trained on the instrument now, and until when."""
        with self._db.readonly() as session:
            user = row_records.load_user(session, username)
            instrument = row_records.load_instrument(session, instrument_code)
            return training_of(session, user, instrument, self._clock.now())

    def page(
        self,
        actor_username: str,
        query: TrainingQuery = EVERY_RECORD,
        *,
        after: PageAfter | None = None,
        limit: int = 200,
    ) -> Page[TrainingRecordView]:
        """Up to `limit` records the actor looks after, matching `query`, after `after`;
        every record is reached once by passing each page's `next_after` back.

        No total: counting every record of a national admin's scope costs a scan per search.
        """
        limit = bounded(limit)
        within = query.expiring_within
        if within is not None and within < 0:
            raise InputError("expiring within: give zero or more days", "expiring_within")
        now = self._clock.now()
        keys = BY_INSTRUMENT if within is None else BY_EXPIRY
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            statement = self._scoped(session, actor, None).where(
                words_match(query.search, SEARCHED)
            )
            if within is not None:
                statement = statement.where(*_expiring(now, within))
            statement = statement.where(keyset_after(keys, after))
            ordered = statement.order_by(*order_of(keys)).limit(limit + 1)
            fetched = record_views(session, ordered, now, actor)
        rows, resume = page_of(fetched, limit, _key_of if within is None else _expiry_key_of)
        return Page(rows, resume)


def _expiring(now: datetime, within_days: int) -> Sequence[ColumnElement[bool]]:
    """Active records lapsing within `within_days` of now."""
    return (
        TrainingRecord.revoked_at.is_(None),
        TrainingRecord.expires_at > now,
        TrainingRecord.expires_at <= now + timedelta(days=within_days),
    )


def _key_of(row: TrainingRecordView) -> tuple[KeyValue, ...]:
    return (row.instrument_code, row.username, row.trained_at, row.id)


def _expiry_key_of(row: TrainingRecordView) -> tuple[KeyValue, ...]:
    assert row.expires_at is not None  # the expiring list holds only records that expire
    return (row.expires_at, row.instrument_code, row.username, row.id)

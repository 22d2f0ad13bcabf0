"""The instrument catalogue: keyset pages with search and filters, and one instrument's record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, text, true

from equipshare.db.models.catalogue import Facility, Institution, Instrument
from equipshare.domain import policy_rules
from equipshare.domain.enums import AccessLevel, InstitutionSector, InstrumentStatus
from equipshare.domain.records.catalogue import (
    CatalogueFilters,
    CataloguePage,
    CatalogueQuery,
    CatalogueRow,
    FacilityChoice,
    InstrumentRecord,
    NextFreeSlot,
)
from equipshare.domain.records.people import UserRecord
from equipshare.domain.search_text import checked_search
from equipshare.domain.wording import count_words
from equipshare.services.availability import slots as availability_slots
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext

MAX_LIMIT = 1000
#: The most instruments one next-free-slot question may cover: it is for the rows on screen.
MAX_NEXT_FREE = 200
#: The first, cheap look for a next free slot; the whole window only if it finds none.
SOON = timedelta(days=2)
_S = TypeVar("_S", bound=Select)  # type: ignore[type-arg]
BOOKABLE = (InstrumentStatus.AVAILABLE, InstrumentStatus.LIMITED)
SEARCHED = (
    Instrument.code,
    Instrument.name,
    Instrument.category,
    Instrument.manufacturer,
    Instrument.model,
)


def accessible_to(user: UserRecord) -> ColumnElement[bool]:
    """policy_rules.may_access as SQL: own institution, or an access level open to the user."""
    levels = [AccessLevel.INDUSTRY]
    if user.institution_is_partner or user.institution_sector is InstitutionSector.ACADEMIC:
        levels.append(AccessLevel.EXTERNAL_ACADEMIC)
    if user.institution_is_partner:
        levels.append(AccessLevel.CONSORTIUM)
    return or_(
        Facility.institution_id == user.institution_id,
        Instrument.access_level.in_(levels),
    )


def _search_clause(text: str) -> ColumnElement[bool]:
    """Every word must appear (case-insensitively) in one of the searched columns."""
    clauses = []
    for word in text.lower().split():
        clauses.append(
            or_(*(func.lower(column).contains(word, autoescape=True) for column in SEARCHED))
        )
    return and_(*clauses) if clauses else true()


def _filtered(statement: _S, query: CatalogueQuery, user: UserRecord) -> _S:
    statement = statement.join(Instrument.facility).join(Facility.institution)
    if checked_search(query.search).strip():
        statement = statement.where(_search_clause(query.search))
    if query.institution_code:
        statement = statement.where(Institution.code == query.institution_code)
    if query.facility_code:
        statement = statement.where(Facility.code == query.facility_code)
    if query.category:
        statement = statement.where(Instrument.category == query.category)
    if query.access_level is not None:
        statement = statement.where(Instrument.access_level == query.access_level)
    if query.bookable_by_me:
        statement = statement.where(
            Instrument.status.in_(BOOKABLE) if user.active else false(), accessible_to(user)
        )
    return statement


class CatalogueService:
    """Read-only views of the catalogue for one acting user."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._context = context

    @property
    def context(self) -> ServiceContext:
        """What this service was built from, so a screen can build the services it opens."""
        return self._context

    def page(
        self,
        actor_username: str,
        query: CatalogueQuery,
        *,
        after: str | None = None,
        limit: int = 200,
    ) -> CataloguePage:
        """Up to `limit` rows with codes after `after`, in code order.

        No total: counting every match costs a scan of the catalogue, so it is `count`'s
        job, asked for separately (and off the keystroke path in the TUI).
        """
        limit = max(1, min(limit, MAX_LIMIT))
        with self._db.reads() as session:
            user = row_records.load_user(session, actor_username)
            statement = _filtered(
                select(
                    Instrument.code,
                    Instrument.name,
                    Instrument.category,
                    Institution.code,
                    Facility.name,
                    Instrument.status,
                    Instrument.access_level,
                ),
                query,
                user,
            )
            if after is not None:
                statement = statement.where(Instrument.code > after)
            if session.get_bind().dialect.name == "postgresql":
                # LIKE '%word%' on five columns has no statistics, so PostgreSQL guesses
                # that a longer word matches almost nothing and would sort the whole
                # table (~130 ms at 50,000 instruments) instead of walking the code index
                # until the page is full (~2-10 ms). Never sort here: the walk costs no more
                # than the scan even when the guess is right.
                session.execute(text("SET LOCAL enable_sort = off"))
            fetched = session.execute(statement.order_by(Instrument.code).limit(limit + 1)).all()
            rows = tuple(CatalogueRow(*row) for row in fetched[:limit])
        next_after = rows[-1].code if len(fetched) > limit else None
        return CataloguePage(rows=rows, next_after=next_after)

    def count(self, actor_username: str, query: CatalogueQuery) -> int:
        """How many instruments match `query`, on every page together."""
        with self._db.reads() as session:
            user = row_records.load_user(session, actor_username)
            counted = _filtered(select(func.count(Instrument.id)), query, user)
            return session.scalar(counted) or 0

    def instrument(self, actor_username: str, code: str) -> InstrumentRecord:
        """One instrument with its facility, institution and booking policy."""
        with self._db.reads() as session:
            row_records.load_user(session, actor_username)
            return row_records.load_instrument(session, code)

    def filters(self, actor_username: str) -> CatalogueFilters:
        """The institutions, facilities and categories that have instruments."""
        with self._db.reads() as session:
            row_records.load_user(session, actor_username)
            institutions = session.execute(
                select(Institution.code, Institution.name)
                .where(Institution.facilities.any(Facility.instruments.any()))
                .order_by(Institution.code)
            ).all()
            facilities = session.execute(
                select(Facility.code, Facility.name, Institution.code)
                .join(Facility.institution)
                .where(Facility.instruments.any())
                .order_by(Facility.code)
            ).all()
            categories = session.scalars(
                select(Instrument.category).distinct().order_by(Instrument.category)
            ).all()
        return CatalogueFilters(
            institutions=tuple((code, name) for code, name in institutions),
            facilities=tuple(FacilityChoice(*row) for row in facilities),
            categories=tuple(categories),
        )

    def next_free(
        self,
        actor_username: str,
        codes: Sequence[str],
        *,
        length: timedelta = timedelta(hours=1),
        days: int = 14,
    ) -> tuple[NextFreeSlot, ...]:
        """The first slot of about `length` each instrument offers the actor in the next `days`.

        One read for all the codes: the instruments, then one query per kind of occupancy
        for each distinct slot length. An instrument whose policy has no slot of `length`
        is searched with its nearest allowed length at or above it (its minimum, at least).
        Unknown codes are left out.
        """
        codes = list(dict.fromkeys(codes))[:MAX_NEXT_FREE]
        now = self._clock.now()
        with self._db.reads() as session:
            user = row_records.load_user(session, actor_username)
            rows = session.scalars(
                select(Instrument)
                .options(*row_records.INSTRUMENT_LOAD)
                .where(Instrument.code.in_(codes))
            ).all()
            instruments = {row.code: row_records.instrument_record(row) for row in rows}
            notes = {code: _refusal(user, i) for code, i in instruments.items()}
            by_length: dict[timedelta, list[InstrumentRecord]] = {}
            for code, instrument in instruments.items():
                if not notes[code]:
                    by_length.setdefault(_length_for(instrument, length), []).append(instrument)
            found: dict[str, NextFreeSlot] = {}
            for wanted, group in by_length.items():
                search = availability_slots.Search(
                    user, wanted, now, now, now + timedelta(days=days)
                )
                occupancy = availability_slots.load_occupancy(session, search, group)
                for instrument in group:
                    found[instrument.code] = _first_slot(instrument, search, occupancy, days)
        return tuple(
            found.get(code)
            or NextFreeSlot(code, instruments[code].timezone, None, None, notes[code])
            for code in codes
            if code in instruments
        )


def _refusal(user: UserRecord, instrument: InstrumentRecord) -> str:
    """Why `user` could book no slot at all on `instrument`, in a few words; "" if they could."""
    if not user.active:
        return "account deactivated"
    if not instrument.status.bookable:
        return instrument.status.value.replace("_", " ")
    if not policy_rules.may_access(user, instrument):
        return "not open to you"
    return ""


def _length_for(instrument: InstrumentRecord, wanted: timedelta) -> timedelta:
    """The allowed length nearest `wanted` from above: a whole number of slots, within limits."""
    policy = instrument.policy
    minutes = max(int(wanted.total_seconds() // 60), policy.min_minutes)
    minutes = -(-minutes // policy.slot_minutes) * policy.slot_minutes
    return timedelta(minutes=min(minutes, policy.max_minutes))


def _first_slot(
    instrument: InstrumentRecord,
    search: availability_slots.Search,
    occupancy: availability_slots.Occupancy,
    days: int,
) -> NextFreeSlot:
    """The earliest slot, looking at the next two days first: most instruments have one there,
    and opening hours over the whole window are the costly part."""
    policy = instrument.policy
    if policy.requires_training and not occupancy.trained.get(instrument.id):
        return NextFreeSlot(instrument.code, instrument.timezone, None, None, "training needed")
    if not search.fits_length(instrument):
        note = "no slot of that length"
        return NextFreeSlot(instrument.code, instrument.timezone, None, None, note)
    soon = replace(search, window_end=min(search.window_end, search.now + SOON))
    slots = availability_slots.free_slots(instrument, soon, occupancy, 1) or (
        availability_slots.free_slots(instrument, search, occupancy, 1)
    )
    if slots:
        slot = slots[0]
        return NextFreeSlot(instrument.code, instrument.timezone, slot.starts_at, slot.ends_at, "")
    note = f"none in {count_words(days, 'day')}"
    return NextFreeSlot(instrument.code, instrument.timezone, None, None, note)

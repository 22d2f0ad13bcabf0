"""The instrument catalogue: keyset pages with search and filters, and one instrument's record.

Pages, counts and filters are Core statements over db/start_tables.py: the terminal app
shows its first page before the ORM and the models are loaded (issue 22, start-up).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, text, true

from equipshare.db.start_tables import FACILITIES, INSTITUTIONS, INSTRUMENTS
from equipshare.domain.inputs.search_text import checked_search
from equipshare.domain.records.instruments.catalogue import (
    CatalogueFilters,
    CataloguePage,
    CatalogueQuery,
    CatalogueRow,
    FacilityChoice,
    InstrumentRecord,
    NextFreeSlot,
)
from equipshare.domain.records.users.people import UserRecord
from equipshare.services.plumbing import start_reads
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.first_page import BOOKABLE, open_levels

MAX_LIMIT = 1000
#: The most instruments one next-free-slot question may cover: it is for the rows on screen.
MAX_NEXT_FREE = 200
_S = TypeVar("_S", bound=Select)  # type: ignore[type-arg]
SEARCHED = (
    INSTRUMENTS.c.code,
    INSTRUMENTS.c.name,
    INSTRUMENTS.c.category,
    INSTRUMENTS.c.manufacturer,
    INSTRUMENTS.c.model,
)
_CATALOGUE = INSTRUMENTS.join(FACILITIES, FACILITIES.c.id == INSTRUMENTS.c.facility_id).join(
    INSTITUTIONS, INSTITUTIONS.c.id == FACILITIES.c.institution_id
)


def accessible_to(user: UserRecord) -> ColumnElement[bool]:
    """policy_rules.may_access as SQL: own institution, or an access level open to the user."""
    return or_(
        FACILITIES.c.institution_id == user.institution_id,
        INSTRUMENTS.c.access_level.in_(open_levels(user)),
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
    statement = statement.select_from(_CATALOGUE)
    if checked_search(query.search).strip():
        statement = statement.where(_search_clause(query.search))
    if query.institution_code:
        statement = statement.where(INSTITUTIONS.c.code == query.institution_code)
    if query.facility_code:
        statement = statement.where(FACILITIES.c.code == query.facility_code)
    if query.category:
        statement = statement.where(INSTRUMENTS.c.category == query.category)
    if query.access_level is not None:
        statement = statement.where(INSTRUMENTS.c.access_level == query.access_level)
    if query.bookable_by_me:
        statement = statement.where(
            INSTRUMENTS.c.status.in_(BOOKABLE) if user.active else false(), accessible_to(user)
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
        with self._db.reading() as conn:
            user = start_reads.load_user(conn, actor_username)
            statement = _filtered(
                select(
                    INSTRUMENTS.c.code,
                    INSTRUMENTS.c.name,
                    INSTRUMENTS.c.category,
                    INSTITUTIONS.c.code.label("institution_code"),
                    FACILITIES.c.name.label("facility_name"),
                    INSTRUMENTS.c.status,
                    INSTRUMENTS.c.access_level,
                ),
                query,
                user,
            )
            if after is not None:
                statement = statement.where(INSTRUMENTS.c.code > after)
            if conn.dialect.name == "postgresql":
                # LIKE '%word%' on five columns has no statistics, so PostgreSQL guesses
                # that a longer word matches almost nothing and would sort the whole
                # table (~130 ms at 50,000 instruments) instead of walking the code index
                # until the page is full (~2-10 ms). Never sort here: the walk costs no more
                # than the scan even when the guess is right.
                conn.execute(text("SET LOCAL enable_sort = off"))
            fetched = conn.execute(statement.order_by(INSTRUMENTS.c.code).limit(limit + 1)).all()
            rows = tuple(CatalogueRow(*row) for row in fetched[:limit])
        next_after = rows[-1].code if len(fetched) > limit else None
        return CataloguePage(rows=rows, next_after=next_after)

    def count(self, actor_username: str, query: CatalogueQuery) -> int:
        """How many instruments match `query`, on every page together."""
        with self._db.reading() as conn:
            user = start_reads.load_user(conn, actor_username)
            counted = _filtered(select(func.count(INSTRUMENTS.c.id)), query, user)
            return conn.scalar(counted) or 0

    def instrument(self, actor_username: str, code: str) -> InstrumentRecord:
        """One instrument with its facility, institution and booking policy."""
        from equipshare.services.plumbing import row_records

        with self._db.reads() as session:
            row_records.load_user(session, actor_username)
            return row_records.load_instrument(session, code)

    def filters(self, actor_username: str) -> CatalogueFilters:
        """The institutions, facilities and categories that have instruments."""
        equipped = exists().where(INSTRUMENTS.c.facility_id == FACILITIES.c.id)
        with self._db.reading() as conn:
            start_reads.load_user(conn, actor_username)
            institutions = conn.execute(
                select(INSTITUTIONS.c.code, INSTITUTIONS.c.name)
                .where(
                    exists()
                    .where(FACILITIES.c.institution_id == INSTITUTIONS.c.id, equipped)
                    .correlate(INSTITUTIONS)
                )
                .order_by(INSTITUTIONS.c.code)
            ).all()
            facilities = conn.execute(
                select(FACILITIES.c.code, FACILITIES.c.name, INSTITUTIONS.c.code)
                .select_from(
                    FACILITIES.join(INSTITUTIONS, INSTITUTIONS.c.id == FACILITIES.c.institution_id)
                )
                .where(equipped.correlate(FACILITIES))
                .order_by(FACILITIES.c.code)
            ).all()
            categories = conn.scalars(
                select(INSTRUMENTS.c.category).distinct().order_by(INSTRUMENTS.c.category)
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
        from equipshare.services.catalogue.next_free import next_free_slots

        codes = list(dict.fromkeys(codes))[:MAX_NEXT_FREE]
        now = self._clock.now()
        with self._db.reads() as session:
            return next_free_slots(session, actor_username, codes, now, length, days)

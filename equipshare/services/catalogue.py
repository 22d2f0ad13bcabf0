"""The instrument catalogue: keyset pages with search and filters, and one instrument's record."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true

from equipshare.db.models import Facility, Institution, Instrument
from equipshare.domain import AccessLevel, InstitutionSector, InstrumentStatus
from equipshare.records import (
    CatalogueFilters,
    CataloguePage,
    CatalogueQuery,
    CatalogueRow,
    FacilityChoice,
    InstrumentRecord,
    UserRecord,
)
from equipshare.services import directory
from equipshare.services.context import ServiceContext

MAX_LIMIT = 1000
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
    if query.search.strip():
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

    def page(
        self,
        actor_username: str,
        query: CatalogueQuery,
        *,
        after: str | None = None,
        limit: int = 200,
    ) -> CataloguePage:
        """Up to `limit` rows with codes after `after`, in code order; total on the first page."""
        limit = max(1, min(limit, MAX_LIMIT))
        with self._db.readonly() as session:
            user = directory.load_user(session, actor_username)
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
            fetched = session.execute(statement.order_by(Instrument.code).limit(limit + 1)).all()
            rows = tuple(CatalogueRow(*row) for row in fetched[:limit])
            total = None
            if after is None:
                counted = _filtered(select(func.count(Instrument.id)), query, user)
                total = session.scalar(counted) or 0
        next_after = rows[-1].code if len(fetched) > limit else None
        return CataloguePage(rows=rows, next_after=next_after, total=total)

    def instrument(self, actor_username: str, code: str) -> InstrumentRecord:
        """One instrument with its facility, institution and booking policy."""
        with self._db.readonly() as session:
            directory.load_user(session, actor_username)
            return directory.load_instrument(session, code)

    def filters(self, actor_username: str) -> CatalogueFilters:
        """The institutions, facilities and categories that have instruments."""
        with self._db.readonly() as session:
            directory.load_user(session, actor_username)
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

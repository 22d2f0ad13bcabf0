"""The catalogue's first page and the acting user as plain SQL on a driver connection, for a
launch of the terminal app before SQLAlchemy is imported (issue 22, start-up).

The same question as CatalogueService.page (services/catalogue/search.py) asks with Core:
the same filters, access rule, order and page size, so the rows are the same;
tests/services/plumbing/test_launch.py holds the two together on both engines. Anything it
cannot answer, the service answers instead.
"""

from __future__ import annotations

from equipshare.db.drivers import DriverConnection
from equipshare.domain.enums import AccessLevel, InstitutionSector, InstrumentStatus, Role
from equipshare.domain.inputs.search_text import checked_search
from equipshare.domain.records.instruments.catalogue_rows import (
    CataloguePage,
    CatalogueQuery,
    CatalogueRow,
)
from equipshare.domain.records.users.people import UserRecord

#: The searched columns, in search.py's order.
SEARCHED = ("i.code", "i.name", "i.category", "i.manufacturer", "i.model")
BOOKABLE = (InstrumentStatus.AVAILABLE, InstrumentStatus.LIMITED)
_USER = (
    "SELECT u.id, u.username, u.display_name, u.email, u.role, u.active, t.id, t.code, t.name,"
    " t.is_partner, t.sector FROM users u JOIN institutions t ON t.id = u.institution_id"
    " WHERE u.username = ?"
)
_PAGE = (
    "SELECT i.code, i.name, i.category, t.code, f.name, i.status, i.access_level"
    " FROM instruments i JOIN facilities f ON f.id = i.facility_id"
    " JOIN institutions t ON t.id = f.institution_id"
)


def open_levels(user: UserRecord) -> list[AccessLevel]:
    """The access levels open to `user` beyond their own institution (policy_rules.may_access)."""
    levels = [AccessLevel.INDUSTRY]
    if user.institution_is_partner or user.institution_sector is InstitutionSector.ACADEMIC:
        levels.append(AccessLevel.EXTERNAL_ACADEMIC)
    if user.institution_is_partner:
        levels.append(AccessLevel.CONSORTIUM)
    return levels


def like_escaped(word: str) -> str:
    """`word` for LIKE ... ESCAPE '/', as SQLAlchemy's contains(autoescape=True) sends it."""
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


def find_user(conn: DriverConnection, username: str) -> UserRecord | None:
    """The user called `username`, or None."""
    checked_search(username, "user")
    found = conn.rows(_USER, (username,))
    if not found:
        return None
    uid, name, shown, email, role, active, tid, tcode, tname, partner, sector = found[0]
    return UserRecord(
        id=uid,
        username=name,
        display_name=shown,
        email=email,
        role=Role(role),
        active=bool(active),
        institution_id=tid,
        institution_code=tcode,
        institution_name=tname,
        institution_is_partner=bool(partner),
        institution_sector=InstitutionSector(sector),
    )


def first_page(
    conn: DriverConnection, user: UserRecord, query: CatalogueQuery, limit: int
) -> CataloguePage:
    """The first `limit` rows `query` shows `user`, in code order, as CatalogueService.page."""
    where: list[str] = []
    parameters: list[object] = []
    if checked_search(query.search).strip():
        for word in query.search.lower().split():
            pattern = f"%{like_escaped(word)}%"
            where.append("(" + " OR ".join(f"lower({c}) LIKE ? ESCAPE '/'" for c in SEARCHED) + ")")
            parameters += [pattern] * len(SEARCHED)
    for clause, value in (
        ("t.code = ?", query.institution_code),
        ("f.code = ?", query.facility_code),
        ("i.category = ?", query.category),
    ):
        if value:
            where.append(clause)
            parameters.append(value)
    if query.access_level is not None:
        where.append("i.access_level = ?")
        parameters.append(query.access_level.value)
    if query.bookable_by_me:
        if user.active:
            where.append(f"i.status IN ({', '.join('?' for _ in BOOKABLE)})")
            parameters += [status.value for status in BOOKABLE]
        else:
            where.append("1 = 0")
        levels = open_levels(user)
        marks = ", ".join("?" for _ in levels)
        where.append(f"(f.institution_id = ? OR i.access_level IN ({marks}))")
        parameters += [user.institution_id, *(level.value for level in levels)]
    sql = _PAGE + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY i.code LIMIT ?"
    if conn.backend == "postgresql":
        conn.run("SET LOCAL enable_sort = off")  # see CatalogueService.page
    fetched = conn.rows(sql, [*parameters, limit + 1])
    rows = tuple(
        CatalogueRow(code, name, category, institution, facility, InstrumentStatus(status),
                     AccessLevel(access))
        for code, name, category, institution, facility, status, access in fetched[:limit]
    )  # fmt: skip
    return CataloguePage(rows=rows, next_after=rows[-1].code if len(fetched) > limit else None)

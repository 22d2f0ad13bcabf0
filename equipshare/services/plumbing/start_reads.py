"""The acting user, read with Core over db/start_tables.py: no ORM, no models.

What a launch reads before its first frame (who is at the keyboard, whom they may act as,
the catalogue's first page) goes through here, so the ORM loads after the frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, select

from equipshare.db import direct
from equipshare.db.start_tables import FACILITY_STAFF, INSTITUTIONS, USERS
from equipshare.domain.enums import StaffRole
from equipshare.domain.errors import NotFound
from equipshare.domain.inputs.search_text import checked_search
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Actor

_USER_COLUMNS = (
    USERS.c.id,
    USERS.c.username,
    USERS.c.display_name,
    USERS.c.email,
    USERS.c.role,
    USERS.c.active,
    INSTITUTIONS.c.id.label("institution_id"),
    INSTITUTIONS.c.code.label("institution_code"),
    INSTITUTIONS.c.name.label("institution_name"),
    INSTITUTIONS.c.is_partner,
    INSTITUTIONS.c.sector,
)
_USERS_JOIN = USERS.join(INSTITUTIONS, INSTITUTIONS.c.id == USERS.c.institution_id)
_USER_BY_NAME = (
    select(*_USER_COLUMNS).select_from(_USERS_JOIN).where(USERS.c.username == bindparam("username"))
)
_USER_BY_ID = (
    select(*_USER_COLUMNS).select_from(_USERS_JOIN).where(USERS.c.id == bindparam("user_id"))
)
# The user with each facility they staff: one row a facility, or one with NULL.
_ACTOR_BY_NAME = (
    select(*_USER_COLUMNS, FACILITY_STAFF.c.facility_id, FACILITY_STAFF.c.role.label("staff_role"))
    .select_from(_USERS_JOIN.outerjoin(FACILITY_STAFF, FACILITY_STAFF.c.user_id == USERS.c.id))
    .where(USERS.c.username == bindparam("username"))
)


def user_of(row: Row[*tuple[Any, ...]] | Any) -> UserRecord:
    """A user record from a row of the user columns (these statements', row_records')."""
    return UserRecord(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        email=row.email,
        role=row.role,
        active=row.active,
        institution_id=row.institution_id,
        institution_code=row.institution_code,
        institution_name=row.institution_name,
        institution_is_partner=row.is_partner,
        institution_sector=row.sector,
    )


def load_user(conn: Connection, username: str) -> UserRecord:
    """The user called `username`, or NotFound."""
    checked_search(username, "user")  # a NUL cannot even be sent to PostgreSQL
    row = conn.execute(_USER_BY_NAME, {"username": username}).first()
    if row is None:
        raise NotFound(f"no user called {username!r}", "user")
    return user_of(row)


def user_by_id(conn: Connection, user_id: int) -> UserRecord:
    """The user with id `user_id` (the caller knows it exists)."""
    return user_of(conn.execute(_USER_BY_ID, {"user_id": user_id}).one())


def load_actor(conn: Connection, username: str) -> Actor:
    """The acting user and the facilities they staff; unknown users may do nothing."""
    return actor_of(direct.execute(conn, *actor_query(username)).all(), username)


def actor_query(username: str) -> tuple[Select[Any], dict[str, Any]]:
    """The statement and parameters `load_actor` runs, for a caller that sends it along
    with other reads (`actor_of` then reads its rows)."""
    checked_search(username, "user")
    return _ACTOR_BY_NAME, {"username": username}


def actor_of(rows: Sequence[Any], username: str) -> Actor:
    """The actor from the rows of `actor_query`."""
    if not rows:
        raise NotFound(f"no user called {username!r}", "user")
    staffed = frozenset(row.facility_id for row in rows if row.facility_id is not None)
    managed = frozenset(
        row.facility_id for row in rows if row.staff_role == StaffRole.MANAGER.value
    )
    return Actor(user=user_of(rows[0]), staff_facility_ids=staffed, managed_facility_ids=managed)

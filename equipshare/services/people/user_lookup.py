"""UserLookupService: the usernames starting with what was typed, for fields that complete.

Decisions worth knowing:
- Who may be found follows who may act on whom. Admins and facility staff record training
  and book on behalf of anyone, so they find every active user; admins may ask for
  deactivated ones too (to reactivate them). Anyone else finds themselves and facility
  staff, whose names the instrument pages already show as contacts and the booking form
  asks for as the assisting technician. A deactivated actor finds nobody.
- `team_of` narrows the search to one instrument's facility team (the booking form's
  technician), for everyone.
- A username starting with the text comes before a display name starting with it; each in
  lower-cased byte order. Case never matters; each part reads one range of an index
  (migration 0009) and stops after `limit`, so a keystroke costs the same at any scale.
- Plain usernames come back: a completing field needs nothing else.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select, true
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import FacilityStaff, User
from equipshare.domain.errors import PermissionDenied
from equipshare.domain.inputs.search_text import checked_search
from equipshare.domain.rules.permissions import Actor
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.prefix import prefix_key, starts_with

#: The most usernames one lookup returns: it fills a suggestion, not a page.
MAX_LIMIT = 50


def _visible(actor: Actor, include_inactive: bool) -> ColumnElement[bool]:
    """Which users the actor may find (see the module's docstring)."""
    if not actor.user.active:
        raise PermissionDenied(
            f"{actor.user.username} may not look up users: the account is deactivated", "user"
        )
    active = true() if include_inactive and actor.user.is_admin else User.active.is_(True)
    if actor.user.is_admin or actor.staff_facility_ids:
        return active
    is_staff = exists().where(FacilityStaff.user_id == User.id)
    return active & ((User.id == actor.id) | is_staff)


def _team_of(session: Session, code: str) -> ColumnElement[bool]:
    """Users on the facility team of the instrument `code` (NotFound if there is none)."""
    facility_id = row_records.load_instrument(session, code.strip()).facility_id
    return exists().where(
        FacilityStaff.user_id == User.id, FacilityStaff.facility_id == facility_id
    )


class UserLookupService:
    """Prefix lookups of users for completing fields; read-only."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database

    def usernames(
        self,
        actor_username: str,
        text: str,
        *,
        limit: int = 10,
        team_of: str | None = None,
        include_inactive: bool = False,
    ) -> tuple[str, ...]:
        """Up to `limit` usernames whose username, then display name, starts with `text`."""
        text = checked_search(text, "username").strip()
        if team_of:
            checked_search(team_of, "instrument")
        limit = max(1, min(limit, MAX_LIMIT))
        if not text:
            return ()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            visible = _visible(actor, include_inactive)
            if team_of:
                visible = visible & _team_of(session, team_of)
            found: list[str] = []
            for column, ties in ((User.username, ()), (User.display_name, (User.username,))):
                query = (
                    select(User.username)
                    .where(starts_with(session, column, text), visible)
                    .order_by(prefix_key(session, column), *ties)
                    .limit(limit)
                )
                for username in session.scalars(query):
                    if username not in found:
                        found.append(username)
            return tuple(found[:limit])

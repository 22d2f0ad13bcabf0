"""Who is at the keyboard: resolving the caller and whom they may act as."""

from __future__ import annotations

from equipshare.domain.errors import NotFound, PermissionDenied
from equipshare.domain.records.users.accounts import Standing
from equipshare.services.plumbing import start_reads
from equipshare.services.plumbing.context import ServiceContext


class IdentityService:
    """Read-only checks on the caller's identity, so front ends never touch the database."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database

    def acting_username(self, caller: str, as_user: str | None, *, hint: str = "") -> str:
        """The username to act as: `caller`, or `as_user` when `caller` is an admin.

        `hint` is added to the refusal for an unknown caller, to say how to name oneself.
        """
        with self._db.reading() as conn:  # Core: a launch asks this before its first frame
            try:
                user = start_reads.load_user(conn, caller)
            except NotFound:
                raise NotFound(f"no user called {caller!r}{hint}", "user") from None
            if as_user is None or as_user == caller:
                return user.username
            if not (user.is_admin and user.active):
                raise PermissionDenied(
                    f"only admins may act --as another user (you are {caller})", "user"
                )
            return start_reads.load_user(conn, as_user).username

    def standing(self, username: str) -> Standing:
        """Whether the user is an active admin, staffs any facility, or manages one."""
        with self._db.reading() as conn:
            actor = start_reads.load_actor(conn, username)
            active = actor.user.active
            return Standing(
                admin=active and actor.user.is_admin,
                staff=active and bool(actor.staff_facility_ids),
                manager=active and bool(actor.managed_facility_ids),
            )

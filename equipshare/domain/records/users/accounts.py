"""Frozen records of one-by-one account changes: an added or edited user, a reactivation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from equipshare.domain.enums import Role

if TYPE_CHECKING:  # named in annotations only; a launch reads Standing, not the user list
    from equipshare.domain.records.operations.admin import UserListRow


@dataclass(frozen=True)
class AccountEdit:
    """A user as saved, and the fields the call changed (none: nothing was written)."""

    user: UserListRow
    changed: tuple[str, ...]


@dataclass(frozen=True)
class UserQuery:
    """Which users a page holds; the filters combine, none means everyone.

    `search`: every word must appear (any case) in the username, the name or the email.
    `active`: True for active accounts only, False for deactivated ones, None for both.
    """

    search: str = ""
    institution_code: str | None = None
    role: Role | None = None
    active: bool | None = None


@dataclass(frozen=True)
class UserPage:
    """Users in username order; `next_after` is the username to pass for the next page."""

    rows: tuple[UserListRow, ...]
    next_after: str | None


@dataclass(frozen=True)
class ReactivationReport:
    """Who `equipshare users reactivate` reactivated, and who already was active."""

    dry_run: bool
    reactivated: tuple[str, ...]
    already_active: tuple[str, ...]


@dataclass(frozen=True)
class Standing:
    """What the acting user may administer: which screens a front end offers them.

    Only an offer: every service call still checks its own permission.
    """

    admin: bool
    staff: bool
    manager: bool

"""Frozen records of one-by-one account changes: an added or edited user, a reactivation."""

from __future__ import annotations

from dataclasses import dataclass

from equipshare.domain.records.admin import UserListRow


@dataclass(frozen=True)
class AccountEdit:
    """A user as saved, and the fields the call changed (none: nothing was written)."""

    user: UserListRow
    changed: tuple[str, ...]


@dataclass(frozen=True)
class ReactivationReport:
    """Who `equipshare users reactivate` reactivated, and who already was active."""

    dry_run: bool
    reactivated: tuple[str, ...]
    already_active: tuple[str, ...]

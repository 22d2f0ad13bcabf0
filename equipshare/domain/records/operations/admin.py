"""Frozen records the catalogue and people admin services return: imports, exports, user lists.

Kept apart from records.py so the admin commands' shapes live together; the TUI uses none
of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from equipshare.domain.enums import AccessLevel, ImportAction, InstrumentStatus, Role, UniquipType


@dataclass(frozen=True)
class BadRow:
    """A row that cannot be used as it stands, and why, in words fit for the person who typed it."""

    line: int
    problem: str


@dataclass(frozen=True)
class RowOutcome:
    """What an import did (or in a dry run would do) with one good row of the file."""

    line: int
    action: ImportAction  # created, updated or unchanged
    key: str  # the row's key in the file: uniquip ID, username, or user/instrument/date
    record: str  # what it became: instrument code, username, training record id
    detail: str = ""


@dataclass(frozen=True)
class SheetImportReport:
    """One import of a spreadsheet: each good row's outcome, the bad rows skipped, and notes."""

    source: str
    dry_run: bool
    outcomes: tuple[RowOutcome, ...]
    skipped: tuple[BadRow, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. "created facility WAR-CHEM", "ignored column Notes"

    def count(self, action: ImportAction) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action is action)

    @property
    def changed(self) -> bool:
        return any(o.action is not ImportAction.UNCHANGED for o in self.outcomes)


@dataclass(frozen=True)
class CatalogueEntry:
    """One instrument as exported: its uniquip cells plus equipshare's own fields."""

    code: str
    institution_code: str
    facility_code: str
    facility_name: str
    category: str
    status: InstrumentStatus
    access_level: AccessLevel
    uniquip_id: str  # the uniquip ID: the stored one, else the code
    uniquip_type: UniquipType
    name: str
    description: str
    technique: str | None
    location: str | None
    contact_name: str | None
    contact_telephone: str | None
    contact_url: str | None
    contact_email: str | None
    secondary_contact_name: str | None
    secondary_contact_telephone: str | None
    secondary_contact_url: str | None
    secondary_contact_email: str | None
    photo_url: str | None
    department: str | None
    site_location: str | None
    building: str | None
    service_level: str | None
    web_address: str | None


@dataclass(frozen=True)
class UserListRow:
    """A user as an admin sees them in `equipshare users list`."""

    username: str
    name: str
    email: str | None
    institution_code: str
    role: Role
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class DeactivationReport:
    """Who `equipshare users deactivate` deactivated, and who already was."""

    dry_run: bool
    deactivated: tuple[str, ...]
    already_inactive: tuple[str, ...]

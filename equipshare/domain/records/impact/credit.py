"""Frozen records of credit for technical work: how a technician is named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from equipshare.domain.enums import StaffRole

#: How an opted-out technician appears in every acknowledgement, report and export.
UNNAMED_STAFF = "technical staff of the facility"


@dataclass(frozen=True)
class TechnicianProfileRecord:
    """A technician as acknowledgements credit them (a default when they keep no profile)."""

    user_id: int
    username: str
    display_name: str
    credit_name: str  # "" = the display name
    orcid: str | None
    job_title: str
    expertise: str
    named: bool

    @property
    def printed_name(self) -> str:
        """The name an acknowledgement prints, or the unnamed wording if they opted out."""
        if not self.named:
            return UNNAMED_STAFF
        return self.credit_name or self.display_name


@dataclass(frozen=True)
class StaffPost:
    """One facility a person works at, and as what."""

    facility_code: str
    facility_name: str
    role: StaffRole


@dataclass(frozen=True)
class TechnicianProfileView:
    """A staff member's profile as one viewer sees it, with whether that viewer may edit it."""

    profile: TechnicianProfileRecord
    active: bool
    posts: tuple[StaffPost, ...]
    updated_at: datetime | None  # None: never edited (the defaults)
    updated_by: str | None
    editable: bool


@dataclass(frozen=True)
class TechnicianProfileEdit:
    """A profile after an edit, and the fields that changed (none: nothing was written)."""

    view: TechnicianProfileView
    changed: tuple[str, ...]

"""Frozen records of credit for technical work: how a technician is named."""

from __future__ import annotations

from dataclasses import dataclass

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

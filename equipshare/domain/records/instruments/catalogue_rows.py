"""Frozen records of what a catalogue page shows: the query, its rows, the filters offered,
and the next free slot beside a row.

Kept apart from records/catalogue.py (instruments, policies, detail) because the terminal
app's first screen needs only these: a frozen dataclass costs about a millisecond to
create, and a launch should not pay for records it does not show (issue 22, start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from equipshare.domain.enums import AccessLevel, InstrumentStatus


@dataclass(frozen=True)
class CatalogueQuery:
    """What the catalogue is asked to show: free text and filters, all optional."""

    search: str = ""
    institution_code: str | None = None
    facility_code: str | None = None
    category: str | None = None
    access_level: AccessLevel | None = None
    bookable_by_me: bool = False

    def describe(self) -> str:
        """The active filters in words, for a status line; empty when none are set."""
        parts = []
        if self.search.strip():
            parts.append(f'"{self.search.strip()}"')
        if self.institution_code:
            parts.append(f"institution {self.institution_code}")
        if self.facility_code:
            parts.append(f"facility {self.facility_code}")
        if self.category:
            parts.append(f"category {self.category}")
        if self.access_level is not None:
            parts.append(f"access {self.access_level.value.replace('_', ' ')}")
        if self.bookable_by_me:
            parts.append("bookable by me")
        return ", ".join(parts)


@dataclass(frozen=True)
class CatalogueRow:
    """One line of the catalogue table."""

    code: str
    name: str
    category: str
    institution_code: str
    facility_name: str
    status: InstrumentStatus
    access_level: AccessLevel


@dataclass(frozen=True)
class CataloguePage:
    """One keyset page of the catalogue; `next_after` is None on the last page.

    It carries no total: CatalogueService.count answers that, as a question of its own.
    """

    rows: tuple[CatalogueRow, ...]
    next_after: str | None


@dataclass(frozen=True)
class FacilityChoice:
    """A facility as a filter option."""

    code: str
    name: str
    institution_code: str


@dataclass(frozen=True)
class CatalogueFilters:
    """The values the catalogue's filter widgets offer."""

    institutions: tuple[tuple[str, str], ...]  # (code, name)
    facilities: tuple[FacilityChoice, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class NextFreeSlot:
    """The first slot a viewer could book on an instrument soon, or in words why there is none."""

    instrument_code: str
    timezone: str
    starts_at: datetime | None
    ends_at: datetime | None
    note: str  # "" when a slot was found, else e.g. "training needed", "none in 14 days"

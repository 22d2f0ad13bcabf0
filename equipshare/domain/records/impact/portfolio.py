"""Frozen records of research outputs and of a technician's portfolio of recorded work.

Durations are whole minutes, as in the impact reports. A portfolio shown to anyone but the
technician themself names an opted-out technician only as `UNNAMED_STAFF`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from equipshare.domain.records.impact.reports import ReportPeriod


@dataclass(frozen=True)
class OutputBooking:
    """One completed booking an output used: what a researcher picks, and what it credits."""

    booking_id: int
    instrument_code: str
    instrument_name: str
    facility_code: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    project_code: str | None


@dataclass(frozen=True)
class OutputRecord:
    """A paper, dataset or other output recorded by a researcher.

    `bookings` are the completed bookings it counts: those chosen, or every completed
    booking of its researcher under `project_code`.
    """

    id: int
    username: str
    researcher_name: str
    institution_code: str
    doi: str
    title: str
    year: int
    project_code: str | None
    created_at: datetime
    bookings: tuple[OutputBooking, ...]

    @property
    def doi_url(self) -> str:
        """The DOI as a resolver link (printed only; equipshare never fetches it)."""
        return f"https://doi.org/{self.doi}"

    @property
    def facility_codes(self) -> tuple[str, ...]:
        return tuple(sorted({b.facility_code for b in self.bookings}))


@dataclass(frozen=True)
class PortfolioInstrument:
    """A technician's work on one instrument in the period."""

    instrument_code: str
    instrument_name: str
    facility_code: str
    assisted_sessions: int
    assisted_minutes: int
    training_records: int
    people_trained: int
    renewals: int
    downtimes_handled: int
    downtime_minutes: int
    looked_after: bool


@dataclass(frozen=True)
class PortfolioInstitution:
    """Assisted sessions for the users of one institution (the users' own, not the host)."""

    institution_code: str
    institution_name: str
    assisted_sessions: int
    assisted_minutes: int
    people: int


@dataclass(frozen=True)
class PortfolioOutput:
    """An output whose acknowledgement credits the technician, and for what."""

    output_id: int
    doi: str
    title: str
    year: int
    institution_code: str
    assisted: bool
    trained: bool

    @property
    def credited_for(self) -> str:
        """'assisted sessions', 'training' or both, as a table cell."""
        parts = [("assisted sessions", self.assisted), ("training", self.trained)]
        return " and ".join(word for word, credited in parts if credited)


@dataclass(frozen=True)
class Portfolio:
    """A technician's recorded work over a period, for a promotion panel or an appraisal.

    `name` is what the viewer may see: the printed credit name, or the unnamed wording
    when the technician opted out and the viewer is someone else (then `username` and
    `orcid` are empty too).
    """

    period: ReportPeriod
    username: str
    name: str
    orcid: str | None
    job_title: str
    institution_code: str
    facility_codes: tuple[str, ...]
    named: bool
    instruments: tuple[PortfolioInstrument, ...]
    institutions: tuple[PortfolioInstitution, ...]
    outputs: tuple[PortfolioOutput, ...]
    people_trained: int
    renewals: int

    @property
    def assisted_sessions(self) -> int:
        return sum(row.assisted_sessions for row in self.instruments)

    @property
    def assisted_minutes(self) -> int:
        return sum(row.assisted_minutes for row in self.instruments)

    @property
    def training_records(self) -> int:
        return sum(row.training_records for row in self.instruments)

    @property
    def downtimes_handled(self) -> int:
        return sum(row.downtimes_handled for row in self.instruments)

    @property
    def downtime_minutes(self) -> int:
        return sum(row.downtime_minutes for row in self.instruments)

    @property
    def instruments_looked_after(self) -> int:
        return sum(1 for row in self.instruments if row.looked_after)


@dataclass(frozen=True)
class PortfolioSubject:
    """Someone whose portfolio the viewer may open: `name` as the viewer may see it
    (`named` False: the unnamed words, for someone who opted out)."""

    username: str
    name: str
    named: bool

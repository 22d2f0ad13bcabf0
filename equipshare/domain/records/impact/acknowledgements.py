"""Frozen records of an acknowledgement: the facilities, instruments and technicians that a
researcher's (or a project's) completed bookings owe thanks to.

Durations are whole minutes, so a test can add them up exactly. A technician who opted out
is carried only as UNNAMED_STAFF: no name, username, ORCID iD or title reaches a record a
front end sees, so no format can print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class CreditRole(StrEnum):
    """CRediT (casrai.org/credit) roles the work earns: the contributor roles a publisher's
    form asks for."""

    INVESTIGATION = "Investigation"  # ran the measurements: assisted sessions
    RESOURCES = "Resources"  # gave access: the facility and its instruments
    SUPERVISION = "Supervision"  # trained the researcher on the instrument


class SubjectKind(StrEnum):
    """Whose work an acknowledgement covers: one researcher's, or one project code's."""

    USER = "user"
    PROJECT = "project"


@dataclass(frozen=True)
class AcknowledgementPeriod:
    """Local days first_day..last_day (either open: since ever / up to now) in `timezone`,
    and the UTC instants bounding the bookings' starts (None where open)."""

    first_day: date | None
    last_day: date | None
    timezone: str
    starts_at: datetime | None
    ends_at: datetime | None

    def words(self) -> str:
        """'2026-01-01 to 2026-03-31', 'from 2026-01-01', 'to 2026-03-31' or 'all time'."""
        if self.first_day and self.last_day:
            return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"
        if self.first_day:
            return f"from {self.first_day.isoformat()}"
        if self.last_day:
            return f"to {self.last_day.isoformat()}"
        return "all time"


@dataclass(frozen=True)
class InstrumentUse:
    """One instrument's completed sessions in the acknowledgement (a Resources credit)."""

    code: str
    name: str
    technique: str  # the instrument's category: XPS, SEM...
    manufacturer: str
    model: str
    sessions: int
    minutes: int
    assisted_sessions: int
    assisted_minutes: int


@dataclass(frozen=True)
class TechnicianActivity:
    """What one technician did for one technique: assisted sessions (Investigation, with
    their minutes) or training (Supervision: `sessions` training records, no minutes)."""

    role: CreditRole
    technique: str
    sessions: int
    minutes: int


@dataclass(frozen=True)
class TechnicianCredit:
    """A technician as the acknowledgement credits them: by the name their profile allows.

    `named` False: `name` is UNNAMED_STAFF, and `orcid` and `job_title` are empty. Several
    opted-out technicians of one facility are one credit, so none can be told apart.
    """

    name: str
    named: bool
    orcid: str | None
    job_title: str
    activities: tuple[TechnicianActivity, ...]

    @property
    def roles(self) -> tuple[CreditRole, ...]:
        """The CRediT roles earned, in the order Investigation, Supervision."""
        have = {activity.role for activity in self.activities}
        return tuple(role for role in CreditRole if role in have)

    @property
    def assisted_minutes(self) -> int:
        return sum(a.minutes for a in self.activities if a.role is CreditRole.INVESTIGATION)


@dataclass(frozen=True)
class FacilityAcknowledgement:
    """One facility's part: where it is, what was used there, who helped, and its wording."""

    code: str
    name: str
    institution_code: str
    institution_name: str
    template: str  # the facility's own wording, or the default
    template_is_default: bool
    instruments: tuple[InstrumentUse, ...]
    technicians: tuple[TechnicianCredit, ...]

    @property
    def sessions(self) -> int:
        return sum(i.sessions for i in self.instruments)

    @property
    def minutes(self) -> int:
        return sum(i.minutes for i in self.instruments)

    @property
    def techniques(self) -> tuple[str, ...]:
        """The techniques used here, in the order of the instruments (most hours first)."""
        return tuple(dict.fromkeys(i.technique for i in self.instruments))


@dataclass(frozen=True)
class Acknowledgement:
    """Everything a paper's acknowledgement says about the subject's completed bookings."""

    subject_kind: SubjectKind
    subject: str  # the researcher's username, or the project code
    period: AcknowledgementPeriod
    facilities: tuple[FacilityAcknowledgement, ...]

    @property
    def sessions(self) -> int:
        return sum(f.sessions for f in self.facilities)

    @property
    def minutes(self) -> int:
        return sum(f.minutes for f in self.facilities)

    @property
    def empty(self) -> bool:
        return not self.facilities


@dataclass(frozen=True)
class CreditedTechnician:
    """For other services, inside their transaction: a technician a set of bookings
    credits, by user id (never shown), with the facility and the roles earned there."""

    user_id: int
    facility_id: int
    roles: frozenset[CreditRole]
    named: bool


@dataclass(frozen=True)
class AcknowledgementWording:
    """A facility's acknowledgement template, as managers see and set it."""

    facility_code: str
    facility_name: str
    template: str
    is_default: bool

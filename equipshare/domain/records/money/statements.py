"""Frozen records of a monthly recharge statement: what each institution owes each host.

Amounts are integer pence. A statement nests payer/host pair -> project code -> instrument
-> booking line, and every total is the sum of the level below, so it adds up exactly.
Once a month is issued its statement is stored and never changes; a later change to one
of its bookings is billed as an adjustment line (`adjusts_month`) on the next open month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from equipshare.domain.enums import BookingStatus, UserClass


@dataclass(frozen=True)
class StatementLine:
    """One billed booking: what was charged for, at which frozen rates, and why."""

    booking_id: int
    payer_code: str
    host_code: str
    project_code: str | None
    instrument_code: str
    facility_code: str
    username: str
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    user_class: UserClass | None
    minutes: int
    hourly_rate_pence: int | None
    technician_minutes: int
    technician_rate_pence: int | None
    instrument_pence: int
    technician_pence: int
    note: str
    #: For an adjustment line: the issued month whose billing of the booking it corrects.
    adjusts_month: date | None = None

    @property
    def total_pence(self) -> int:
        return self.instrument_pence + self.technician_pence


@dataclass(frozen=True)
class InstrumentTotal:
    instrument_code: str
    lines: tuple[StatementLine, ...]
    total_pence: int


@dataclass(frozen=True)
class ProjectTotal:
    project_code: str | None
    instruments: tuple[InstrumentTotal, ...]
    total_pence: int


@dataclass(frozen=True)
class PairTotal:
    """What `payer_code`'s users owe `host_code` for the month."""

    payer_code: str
    host_code: str
    projects: tuple[ProjectTotal, ...]
    total_pence: int


@dataclass(frozen=True)
class Statement:
    """One month's recharges, nested and totalled; `lines` flattens them in order."""

    month: date
    timezone: str
    institution_code: str | None
    pairs: tuple[PairTotal, ...]
    total_pence: int
    #: When and by whom the month was issued; None while the month is open.
    issued_at: datetime | None = None
    issued_by: str | None = None

    @property
    def lines(self) -> tuple[StatementLine, ...]:
        return tuple(
            line
            for pair in self.pairs
            for project in pair.projects
            for instrument in project.instruments
            for line in instrument.lines
        )


@dataclass(frozen=True)
class StatementMonth:
    """A month on the list of statements: issued (frozen, with its stored total) or open."""

    month: date
    issued_at: datetime | None
    issued_by: str | None
    lines: int | None
    total_pence: int | None

    @property
    def issued(self) -> bool:
        return self.issued_at is not None


@dataclass(frozen=True)
class IssueReport:
    """What `issue` did: issued the month now, or found it issued already (`already`)."""

    dry_run: bool
    already: bool
    statement: Statement

"""Frozen records of the impact reports: utilisation, sharing, technicians' work and demand.

Durations are whole minutes (integers add up exactly); `hours` properties are for people.
Every report covers local days `first_day`..`last_day` in the reporting zone and counts a
booking in the period its start falls in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo


def hours(minutes: int) -> Decimal:
    """Minutes as hours to two places, for tables and CSV."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole` to one place; None when `whole` is zero."""
    if whole <= 0:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ReportPeriod:
    """Local days first_day..last_day (inclusive) and the UTC instants that bound them.

    `to_date`: the last day is today and `ends_at` the minute the report was made, so
    nothing still to come is counted.
    """

    first_day: date
    last_day: date
    timezone: str
    starts_at: datetime
    ends_at: datetime
    to_date: bool = False

    def bounds(self) -> tuple[str, str]:
        """Its first and last day as ISO dates, or as local '2026-03-05 14:00' where it was
        given to start or end at a time: what a title or a JSON document says it covers."""
        zone = ZoneInfo(self.timezone)
        start = self.starts_at.astimezone(zone)
        end = self.ends_at.astimezone(zone)
        first = self.first_day.isoformat()
        if (start.hour, start.minute) != (0, 0) or start.date() != self.first_day:
            first = f"{start:%Y-%m-%d %H:%M}"
        last = self.last_day.isoformat()
        if not self.to_date and end.date() == self.last_day:  # ends inside its last day
            last = f"{end:%Y-%m-%d %H:%M}"
        return first, last

    def words(self) -> str:
        """'1 Aug 2026 to 6 Dec 2026, to date', for headings and titles."""
        days = f"{self.first_day:%-d %b %Y} to {self.last_day:%-d %b %Y}"
        return f"{days}, to date" if self.to_date else days


@dataclass(frozen=True)
class ReportFilter:
    """Narrow a report to one institution and/or one facility (by code)."""

    institution_code: str | None = None
    facility_code: str | None = None


class UtilisationLevel(StrEnum):
    """What one utilisation row stands for."""

    INSTRUMENT = "instrument"
    FACILITY = "facility"
    INSTITUTION = "institution"


class UtilisationRow(NamedTuple):
    """Use of one instrument, facility or institution in the period.

    Booked counts confirmed, completed and no-show bookings; used is checked-in time, or
    the booked time of a completed booking nobody checked in to. Shared is the booked part
    by users of other institutions.

    A named tuple, not a frozen dataclass like the other records: a national report per
    instrument is 50,000 of them, and a tuple is made (and freed) in C from the database's
    row, a third of a dataclass's time (45 -> 12 ms at scale 1).
    """

    level: UtilisationLevel
    code: str
    name: str
    institution_code: str
    booked_minutes: int
    used_minutes: int
    opening_minutes: int
    downtime_minutes: int
    bookings: int
    cancellations: int
    no_shows: int
    shared_minutes: int
    shared_bookings: int

    @property
    def utilisation_percent(self) -> Decimal | None:
        return percent(self.booked_minutes, self.opening_minutes)


@dataclass(frozen=True)
class UtilisationReport:
    period: ReportPeriod
    level: UtilisationLevel
    rows: tuple[UtilisationRow, ...]


@dataclass(frozen=True)
class SharingCell:
    """Bookings on `host_code`'s instruments by users of `user_code`."""

    host_code: str
    user_code: str
    minutes: int
    bookings: int


@dataclass(frozen=True)
class SharingMonth:
    """Cross-institution use starting in one local month."""

    month: date
    minutes: int
    bookings: int


@dataclass(frozen=True)
class SharingReport:
    """The host x user institution matrix, and cross-institution use by month; and the
    technician side: assisted time by the staff's institution x the users' institution
    (`technician_cells`, whose `host_code` is the staff member's own institution and
    `bookings` the sessions), with its cross-institution part by month."""

    period: ReportPeriod
    institutions: tuple[str, ...]
    cells: tuple[SharingCell, ...]
    months: tuple[SharingMonth, ...]
    technician_cells: tuple[SharingCell, ...] = ()
    technician_months: tuple[SharingMonth, ...] = ()

    @property
    def cross_institution_minutes(self) -> int:
        return sum(c.minutes for c in self.cells if c.host_code != c.user_code)

    @property
    def cross_institution_technician_minutes(self) -> int:
        """Technician time one institution's staff gave to other institutions' researchers."""
        return sum(c.minutes for c in self.technician_cells if c.host_code != c.user_code)


@dataclass(frozen=True)
class TechnicianRow:
    """The recorded work of one technician in the period."""

    user_id: int
    username: str
    display_name: str
    institution_code: str
    assisted_sessions: int
    assisted_minutes: int
    training_sessions: int
    people_trained: int
    instruments_trained_on: int
    downtimes_handled: int
    downtime_minutes: int
    instruments_looked_after: int


@dataclass(frozen=True)
class TechniciansReport:
    """The rows, and how many different people they trained (a row counts its own)."""

    period: ReportPeriod
    rows: tuple[TechnicianRow, ...]
    people_trained: int = 0


@dataclass(frozen=True)
class DemandRow:
    """Pressure on one instrument: people waiting, requests refused, requests made."""

    instrument_code: str
    instrument_name: str
    institution_code: str
    waitlist_entries: int
    refused: int
    requests: int


@dataclass(frozen=True)
class DemandReport:
    """The most wanted instruments, and when people ask to book (local hour and weekday)."""

    period: ReportPeriod
    instruments: tuple[DemandRow, ...]
    by_hour: tuple[int, ...]  # 24 counts, local hour of the requested start
    by_weekday: tuple[int, ...]  # 7 counts, Monday first

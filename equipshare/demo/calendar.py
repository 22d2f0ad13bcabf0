"""The demo's time span and the in-memory records its builders share before rows are written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from equipshare.demo.catalogue import InstitutionSpec, InstrumentKind
from equipshare.domain.enums import (
    AccessLevel,
    ChargeBasis,
    InstrumentStatus,
    TrainingLevel,
    UserClass,
)

LONDON = ZoneInfo("Europe/London")
SPAN_WEEKS = 8
Row = dict[str, Any]
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class DemoCalendar:
    """The sixteen weeks the demo fills: eight either side of Monday 00:00 (London) this week."""

    now: datetime
    monday: date  # local date of the anchor Monday
    seed: int

    @classmethod
    def around(cls, now: datetime, seed: int) -> DemoCalendar:
        """The demo as of the start of `now`'s London day, so a seed gives the same data all
        day: bookings that end later today are still to come, as before a check-out."""
        today = now.astimezone(LONDON).date()
        return cls(now=cls.at(today, 0), monday=today - timedelta(days=today.weekday()), seed=seed)

    @staticmethod
    def at(day: date, minute: int) -> datetime:
        """The UTC instant of local wall-clock `minute` after midnight on `day` in London."""
        wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=LONDON)
        return wall.astimezone(UTC)

    @property
    def anchor(self) -> datetime:
        return self.at(self.monday, 0)

    @property
    def first_day(self) -> date:
        return self.monday - timedelta(weeks=SPAN_WEEKS)

    @property
    def start(self) -> datetime:
        return self.at(self.first_day, 0)

    @property
    def end(self) -> datetime:
        return self.at(self.monday + timedelta(weeks=SPAN_WEEKS), 0)

    def days(self) -> list[date]:
        first = self.first_day
        return [first + timedelta(days=n) for n in range(14 * SPAN_WEEKS)]

    def uid(self, kind: str, number: int) -> str:
        """A stable iCalendar UID: the same seed and week give the same one, others differ."""
        return f"{kind}-{number}.{self.seed}.{self.monday.toordinal()}@demo.equipshare"


@dataclass(frozen=True)
class Person:
    """A researcher who books instruments, with the grant codes they charge to."""

    id: int
    institution: InstitutionSpec
    projects: tuple[str, ...]


@dataclass(frozen=True)
class Training:
    """One training record, as the booking planner needs it."""

    user: Person
    level: TrainingLevel
    trained_at: datetime
    expires_at: datetime | None

    def covers(self, start: datetime, end: datetime) -> bool:
        # As the booking rule: the training must still hold at the end (expiry after it).
        return self.trained_at <= start and (self.expires_at is None or end < self.expires_at)


@dataclass(frozen=True)
class ChargingPolicy:
    """What a facility charges for, what a late cancellation costs and whether users check in."""

    charge_basis: ChargeBasis = ChargeBasis.BOOKED
    free_cancellation_hours: int = 24
    late_cancellation_percent: int = 50
    requires_check_in: bool = False


@dataclass(frozen=True)
class PlannedFacility:
    """A facility and the staff ids the planners draw approvers, trainers and assistants from."""

    id: int
    code: str
    institution: InstitutionSpec
    manager: int
    technicians: tuple[int, ...]
    policy: ChargingPolicy = ChargingPolicy()


# One price in whole pence from a date on: (valid_from, hourly, technician hourly).
PricePoint = tuple[date, int, int]


@dataclass
class PlannedInstrument:
    """An instrument's policy and the people allowed on it, before any row is written."""

    id: int
    facility: PlannedFacility
    kind: InstrumentKind
    access: AccessLevel
    hours: tuple[int, int] | None
    requires_approval: bool
    requires_project_code: bool
    weekly_quota: int | None
    min_notice: int
    max_days_ahead: int
    insiders: list[Person]  # active researchers of its own institution
    outsiders: list[Person]  # active researchers elsewhere whom the access level admits
    status: InstrumentStatus = InstrumentStatus.AVAILABLE
    trained: list[Training] = field(default_factory=list)
    downtimes: list[Interval] = field(default_factory=list)
    prices: dict[UserClass, list[PricePoint]] = field(default_factory=dict)  # by valid_from


def subtract(windows: list[Interval], blocked: list[Interval]) -> list[Interval]:
    """The parts of `windows` that no `blocked` interval touches."""
    result: list[Interval] = []
    for window in windows:
        pieces = [window]
        for b_start, b_end in blocked:
            kept: list[Interval] = []
            for start, end in pieces:
                if b_end <= start or b_start >= end:
                    kept.append((start, end))
                    continue
                if start < b_start:
                    kept.append((start, b_start))
                if b_end < end:
                    kept.append((b_end, end))
            pieces = kept
        result.extend(pieces)
    return result

"""Frozen records of rate cards and facility charging policies, as the rates services give."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum

from equipshare.domain.enums import ChargeBasis, UserClass


class CardState(StrEnum):
    """Where a rate card stands today: superseded, the one bookings now get, or yet to come."""

    PAST = "past"
    IN_FORCE = "in force"
    FUTURE = "future"


class Outcome(StrEnum):
    """What a write did; a second identical run is `unchanged` and writes nothing."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RateCardRecord:
    """An instrument's hourly prices for one user class, from a date on (pounds, 2 places)."""

    instrument_code: str
    user_class: UserClass
    valid_from: date
    hourly_rate: Decimal
    technician_hourly_rate: Decimal
    currency: str
    state: CardState


@dataclass(frozen=True)
class RateChange:
    """The card as it stands after `set` (or would, on a dry run) and what the write did."""

    card: RateCardRecord
    outcome: Outcome
    dry_run: bool


@dataclass(frozen=True)
class FacilityPolicyRecord:
    """How a facility charges: for booked or actual time, and what cancelling late costs."""

    facility_code: str
    facility_name: str
    charge_basis: ChargeBasis
    free_cancellation_hours: int
    late_cancellation_percent: int
    requires_check_in: bool

    def settings(self) -> dict[str, object]:
        """The policy's own fields (not the facility's names), by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("facility_code", "facility_name")
        }


@dataclass(frozen=True)
class PolicyChange:
    """A facility's policy before and after a change (after = what it would be, if dry)."""

    before: FacilityPolicyRecord
    after: FacilityPolicyRecord
    dry_run: bool

    @property
    def changed(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each setting that differs."""
        old, new = self.before.settings(), self.after.settings()
        return [(name, old[name], new[name]) for name in old if old[name] != new[name]]


@dataclass(frozen=True)
class ChargingPolicy:
    """What a facility charges for, when cancelling starts to cost, and whether users check in.

    `basis` BOOKED bills the booked time, ACTUAL the time from check-in to check-out.
    Cancelling within `free_cancellation_hours` of the start costs
    `late_cancellation_percent` of the price; with `requires_check_in`, a session nobody
    checked in to becomes a no-show (which pays in full).
    """

    basis: ChargeBasis
    free_cancellation_hours: int
    late_cancellation_percent: int
    requires_check_in: bool

"""Frozen charging records: a facility's charging policy, as the booking services read it."""

from __future__ import annotations

from dataclasses import dataclass

from equipshare.domain import ChargeBasis


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

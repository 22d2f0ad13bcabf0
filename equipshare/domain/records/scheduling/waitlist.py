"""Frozen records of the waitlist: a user's place in line for a taken range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from equipshare.domain.enums import WaitlistStatus


@dataclass(frozen=True)
class WaitlistEntryRecord:
    """One user waiting for one range of one instrument, and where they stand."""

    id: int
    username: str
    instrument_code: str
    instrument_name: str
    timezone: str  # the facility's zone, for showing the range
    starts_at: datetime
    ends_at: datetime
    status: WaitlistStatus
    joined_at: datetime
    #: 1 for the first in line for an overlapping range; 0 once no longer in line.
    position: int
    #: While the range is held for this user: when the hold ends (they book before then).
    held_until: datetime | None = None

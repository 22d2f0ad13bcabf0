"""What stands in an imported event's way, as the import reports it: the active bookings and
downtime it overlaps (here before, or placed by an earlier event of the same file) and the
ranges held off the waitlist for someone else (import_waitlist). An event never
overwrites any of them; it is reported as a conflict naming each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from equipshare.domain.enums import ImportAction
from equipshare.domain.records.scheduling.calendar import ImportOutcome
from equipshare.domain.rules.policy_rules import describe_range, describe_time
from equipshare.ical.importer import ImportedEvent
from equipshare.services.calendar.import_state import Row
from equipshare.services.calendar.import_terms import outcome_of
from equipshare.services.calendar.import_waitlist import Entry


def conflict_outcome(
    event: ImportedEvent,
    bookings: Sequence[Row],
    downtimes: Sequence[Row],
    holds: Sequence[Entry],
    timezone: str,
) -> ImportOutcome | None:
    """A CONFLICT naming what overlaps the event; None when nothing does."""
    if not bookings and not downtimes and not holds:
        return None
    here = [row.id for row in bookings if row.made_key is None]
    down = [row.id for row in downtimes if row.made_key is None]
    keys = [row.made_key for row in (*bookings, *downtimes) if row.made_key is not None]
    named = [f"booking {i}" for i in here] + [f"downtime {i}" for i in down]
    named += [f"{k} from this file" for k in keys]
    named += [
        f"a range held off the waitlist for another user until "
        f"{describe_time(hold.hold_expires_at, timezone)} (waitlist entry {hold.id})"
        for hold in holds
        if hold.hold_expires_at is not None
    ]
    when = describe_range(event.starts_at, event.ends_at, timezone)
    outcome = outcome_of(ImportAction.CONFLICT, event, None, f"{when} overlaps {', '.join(named)}")
    return replace(
        outcome,
        conflicting_booking_ids=tuple(i for i in here if i is not None),
        conflicting_downtime_ids=tuple(i for i in down if i is not None),
        conflicting_keys=tuple(keys),
    )

"""Frozen records of the audit trail as people read it: who changed what, when, and how."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class HistoryQuery:
    """Which events to read; the filters combine (all must hold), none means every event.

    `entity` is TYPE:KEY: booking:123, downtime:7, instrument:CODE, facility:CODE,
    user:USERNAME or technician_profile:USERNAME (other types, by id, for admins).
    `actor` is whose actions to read; `instrument` reads an instrument's own events with
    its bookings' and downtimes'. A `since` date is local midnight in the zone of the
    facility the filter names, or the organisation's.
    """

    entity: str | None = None
    actor: str | None = None
    instrument: str | None = None
    since: date | datetime | None = None


@dataclass(frozen=True)
class FieldChange:
    """One field's stored value before and after (JSON values: text, numbers, flags, None).

    For a field that holds an id (`user_id`, `instrument_id`...), `before_name` and
    `after_name` are what that id names as people do (a username, an instrument's code),
    where the row still exists.
    """

    field: str
    before: Any
    after: Any
    before_name: str | None = None
    after_name: str | None = None


@dataclass(frozen=True)
class HistoryEvent:
    """One audit event; `occurred_at` is UTC, `timezone` the zone to show it in.

    `entity` names what changed as people do (booking:123, instrument:WAR-XPS-01);
    `instrument_code` is the instrument a booking or downtime is on. `actor` is None
    for changes made by the system itself.
    """

    id: int
    occurred_at: datetime
    timezone: str
    actor: str | None
    action: str
    entity_type: str
    entity_id: str
    entity: str
    instrument_code: str | None
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class HistoryPage:
    """Newest first; `next_before` is the id to pass for the next (older) page, or None."""

    events: tuple[HistoryEvent, ...]
    next_before: int | None


_ABSENT = object()


def changes_between(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[FieldChange, ...]:
    """The fields an event changed, as (field, before, after).

    A creation lists every field it set (before None), a deletion every field it held.
    Some writers store only what they changed in `after` (a status, say) but a whole
    snapshot in `before`: a field absent from `after` did not change.
    """
    if after is None:
        return tuple(FieldChange(k, v, None) for k, v in (before or {}).items())
    if before is None:
        return tuple(FieldChange(k, None, v) for k, v in after.items())
    return tuple(
        FieldChange(k, None if before.get(k, _ABSENT) is _ABSENT else before[k], v)
        for k, v in after.items()
        if before.get(k, _ABSENT) != v
    )

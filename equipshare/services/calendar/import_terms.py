"""How an imported event is named and reported: its row's `ical_uid`, a downtime reason
guessed from its title, and the outcome an import reports for it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from equipshare.domain.enums import DowntimeReason, ImportAction
from equipshare.domain.records.scheduling.calendar import ImportOutcome
from equipshare.ical.importer import ImportedEvent

UID_LIMIT = 255  # bookings.ical_uid and downtimes.ical_uid are String(255)
_DOWNTIME_WORDS = (
    ("calibrat", DowntimeReason.CALIBRATION),
    ("engineer", DowntimeReason.ENGINEER_VISIT),
    ("repair", DowntimeReason.REPAIR),
    ("fault", DowntimeReason.REPAIR),
    ("maint", DowntimeReason.MAINTENANCE),
    ("servic", DowntimeReason.MAINTENANCE),
)


def import_uid(instrument_code: str, key: str) -> str:
    """The `ical_uid` an imported event's row carries (hashed if the source UID is huge)."""
    uid = f"import:{instrument_code}:{key}"
    if len(uid) <= UID_LIMIT:
        return uid
    return f"import:{instrument_code}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def downtime_reason(summary: str) -> DowntimeReason:
    """A downtime reason guessed from the event's title; "other" when nothing fits."""
    lowered = summary.lower()
    return next(
        (reason for word, reason in _DOWNTIME_WORDS if word in lowered), DowntimeReason.OTHER
    )


def length_words(span: timedelta) -> str:
    """'15 days', '14 days 2 hours 30 minutes': how long an event lasts, in words."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    parts = ((days, "day"), (rest // 60, "hour"), (rest % 60, "minute"))
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n) or "0 minutes"


def outcome_of(
    action: ImportAction, event: ImportedEvent, record_id: int | None, reason: str = ""
) -> ImportOutcome:
    return ImportOutcome(
        action=action,
        key=event.key,
        summary=event.summary,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        record_id=record_id,
        reason=reason,
        line=event.line,
    )

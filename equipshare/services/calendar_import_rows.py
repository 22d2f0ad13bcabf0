"""Writing one imported event as a booking or downtime row, inside the import's transaction.

Each row made by an import carries `import:<instrument code>:<source key>` in its
`ical_uid`, which is unique, so a re-import finds it again: updated when the event
changed, left alone when not. Nothing here overwrites a row the import did not make.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from equipshare.charging import FREE, FrozenRates
from equipshare.db.models import Booking, Downtime, User
from equipshare.domain import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    CalendarEventStatus,
    DowntimeReason,
    ImportAction,
)
from equipshare.ical.importer import ImportedEvent
from equipshare.permissions import Actor
from equipshare.records import ImportOutcome, InstrumentRecord, UserRecord
from equipshare.services import directory, pricing
from equipshare.services.audit import booking_snapshot, record_audit
from equipshare.services.bookings import translating_overlaps
from equipshare.services.downtime import downtime_snapshot
from equipshare.services.policy_rules import describe_range

UID_LIMIT = 255  # bookings.ical_uid and downtimes.ical_uid are String(255)
_CHUNK = 500
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


@dataclass
class ImportRun:
    """One import's state inside its transaction: the rows it has made so far."""

    session: Session
    actor: Actor
    instrument: InstrumentRecord
    now: datetime

    def __post_init__(self) -> None:
        self._made: dict[int, str] = {}  # booking id -> source key, for in-file conflicts
        self._made_downtime: dict[int, str] = {}
        self._rates: dict[tuple[int, datetime], FrozenRates] = {}

    # -- bookings -----------------------------------------------------------------------

    def owners_by_email(self, events: Sequence[ImportedEvent]) -> dict[str, int]:
        emails = sorted({e for event in events for e in event.emails})
        found: dict[str, int] = {}
        for chunk in _chunks(emails):
            rows = self.session.execute(
                select(func.lower(User.email), User.id)
                .where(func.lower(User.email).in_(chunk), User.active.is_(True))
                .order_by(User.id)
            ).all()
            for email, user_id in rows:
                found.setdefault(email, user_id)
        return found

    def booking(
        self, event: ImportedEvent, owners: dict[str, int], fallback: UserRecord | None
    ) -> ImportOutcome:
        uid = import_uid(self.instrument.code, event.key)
        row = self.session.scalars(select(Booking).where(Booking.ical_uid == uid)).one_or_none()
        if event.status is CalendarEventStatus.CANCELLED:
            return self._cancel_booking(event, row)
        if row is not None and not row.status.holds_slot:
            return _outcome(
                ImportAction.SKIPPED,
                event,
                row.id,
                f"booking {row.id} is {row.status.value} here; an import does not revive it",
            )
        matched = next((owners[e] for e in event.emails if e in owners), None)
        user_id = matched or (fallback.id if fallback else None) or (row.user_id if row else None)
        if user_id is None:
            emails = ", ".join(event.emails) or "none"
            return _outcome(
                ImportAction.SKIPPED,
                event,
                None,
                f"no user has its organiser or attendee emails ({emails}); pass --owner",
            )
        status = BookingStatus.CONFIRMED
        # TENTATIVE waits for approval here, unless staff have confirmed it already.
        confirmed_here = row is not None and row.status is BookingStatus.CONFIRMED
        if event.status is CalendarEventStatus.TENTATIVE and not confirmed_here:
            status = BookingStatus.PENDING
        wanted = (event.starts_at, event.ends_at, user_id, status, event.summary)
        if row is not None and wanted == (
            row.starts_at,
            row.ends_at,
            row.user_id,
            row.status,
            row.purpose,
        ):
            return _outcome(ImportAction.UNCHANGED, event, row.id)
        conflict = self._conflict(event, row.id if row else None, with_downtime=True)
        if conflict is not None:
            return conflict
        before = booking_snapshot(row) if row is not None else None
        if row is None:
            row = Booking(
                instrument_id=self.instrument.id,
                created_by_id=self.actor.id,
                ical_uid=uid,
                sequence=0,
                created_at=self.now,
            )
            self.session.add(row)
        else:
            row.sequence += 1
        new_owner = before is None or row.user_id != user_id
        row.starts_at, row.ends_at, row.user_id, row.status, row.purpose = wanted
        row.updated_at = self.now
        if new_owner:  # the price is frozen for whoever holds the booking, as of its creation
            pricing.freeze(row, self._rates_for(user_id, row.created_at))
        else:
            pricing.apply_charge(row, pricing.booked_charge(row))
        with translating_overlaps(self.instrument.code):
            self.session.flush()
        self._made[row.id] = event.key
        self._audit("booking.import", "booking", row.id, before, booking_snapshot(row), event)
        return _outcome(
            ImportAction.CREATED if before is None else ImportAction.UPDATED, event, row.id
        )

    def _cancel_booking(self, event: ImportedEvent, row: Booking | None) -> ImportOutcome:
        if row is None:
            return _outcome(ImportAction.SKIPPED, event, None, "cancelled in the calendar")
        if not row.status.holds_slot:
            return _outcome(ImportAction.UNCHANGED, event, row.id)
        before = booking_snapshot(row)
        row.status = BookingStatus.CANCELLED
        row.status_reason = "cancelled in the imported calendar"
        row.cancelled_at = self.now
        pricing.apply_charge(row, FREE)  # the source calendar cancelled it, not the user here
        row.sequence += 1
        row.updated_at = self.now
        self.session.flush()
        self._audit("booking.import", "booking", row.id, before, booking_snapshot(row), event)
        return _outcome(ImportAction.UPDATED, event, row.id, "cancelled in the calendar")

    def _rates_for(self, user_id: int, booked_at: datetime) -> FrozenRates:
        """Rates by owner and booking time, looked up once per run (imports are large)."""
        key = (user_id, booked_at)
        if key not in self._rates:
            user = directory.user_by_id(self.session, user_id)
            self._rates[key] = pricing.rates_for(self.session, user, self.instrument, booked_at)
        return self._rates[key]

    # -- downtime -----------------------------------------------------------------------

    def downtime(self, event: ImportedEvent) -> ImportOutcome:
        uid = import_uid(self.instrument.code, event.key)
        row = self.session.scalars(select(Downtime).where(Downtime.ical_uid == uid)).one_or_none()
        if event.status is CalendarEventStatus.CANCELLED:
            if row is None:
                return _outcome(ImportAction.SKIPPED, event, None, "cancelled in the calendar")
            self._audit("downtime.import", "downtime", row.id, downtime_snapshot(row), None, event)
            self.session.delete(row)
            self.session.flush()
            return _outcome(
                ImportAction.UPDATED, event, row.id, "removed: cancelled in the calendar"
            )
        description = (
            event.summary if not event.description else f"{event.summary}\n{event.description}"
        )
        reason = downtime_reason(event.summary)
        wanted = (event.starts_at, event.ends_at, reason, description)
        if row is not None and wanted == (row.starts_at, row.ends_at, row.reason, row.description):
            return _outcome(ImportAction.UNCHANGED, event, row.id)
        conflict = self._conflict(event, None, with_downtime=False)
        if conflict is not None:
            return conflict
        before = downtime_snapshot(row) if row is not None else None
        if row is None:
            row = Downtime(
                instrument_id=self.instrument.id,
                created_by_id=self.actor.id,
                ical_uid=uid,
                sequence=0,
                created_at=self.now,
            )
            self.session.add(row)
        else:
            row.sequence += 1
        row.starts_at, row.ends_at, row.reason, row.description = wanted
        row.updated_at = self.now
        self.session.flush()
        self._made_downtime[row.id] = event.key
        self._audit("downtime.import", "downtime", row.id, before, downtime_snapshot(row), event)
        return _outcome(
            ImportAction.CREATED if before is None else ImportAction.UPDATED, event, row.id
        )

    # -- shared -------------------------------------------------------------------------

    def _conflict(
        self, event: ImportedEvent, own_booking: int | None, *, with_downtime: bool
    ) -> ImportOutcome | None:
        """A CONFLICT outcome naming what overlaps the event, or None when it is free."""
        start, end = event.starts_at, event.ends_at
        bookings = self.session.scalars(
            select(Booking.id)
            .where(
                Booking.instrument_id == self.instrument.id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.starts_at < end,
                Booking.ends_at > start,
                Booking.id != (own_booking or -1),
            )
            .order_by(Booking.starts_at, Booking.id)
        ).all()
        downtimes = (
            self.session.scalars(
                select(Downtime.id)
                .where(
                    Downtime.instrument_id == self.instrument.id,
                    Downtime.starts_at < end,
                    Downtime.ends_at > start,
                )
                .order_by(Downtime.starts_at, Downtime.id)
            ).all()
            if with_downtime
            else []
        )
        if not bookings and not downtimes:
            return None
        here = [i for i in bookings if i not in self._made]
        down = [i for i in downtimes if i not in self._made_downtime]
        keys = [self._made[i] for i in bookings if i in self._made]
        keys += [self._made_downtime[i] for i in downtimes if i in self._made_downtime]
        named = [f"booking {i}" for i in here] + [f"downtime {i}" for i in down]
        named += [f"{k} from this file" for k in keys]
        when = describe_range(start, end, self.instrument.timezone)
        return replace(
            _outcome(ImportAction.CONFLICT, event, None, f"{when} overlaps {', '.join(named)}"),
            conflicting_booking_ids=tuple(here),
            conflicting_downtime_ids=tuple(down),
            conflicting_keys=tuple(keys),
        )

    def _audit(
        self,
        action: str,
        entity: str,
        entity_id: int,
        before: dict[str, object] | None,
        after: dict[str, object] | None,
        event: ImportedEvent,
    ) -> None:
        source = {"import_key": event.key, "import_sequence": event.sequence}
        record_audit(
            self.session,
            actor_id=self.actor.id,
            action=action,
            entity_type=entity,
            entity_id=entity_id,
            at=self.now,
            before=before,
            after=(after or {}) | source,
        )


def _outcome(
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


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]

"""What an import run has decided so far, and how it records each decision: the rows it
makes and changes, the updates and audit events queued for the end, and the outcomes in
file order. import_rows.ImportRun decides the events; this holds what it decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from equipshare.domain.enums import ImportAction
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.calendar import ImportOutcome
from equipshare.domain.rules.permissions import Actor
from equipshare.ical.importer import ImportedEvent
from equipshare.services.bookings.holds import Waitlist
from equipshare.services.calendar.import_conflicts import conflict_outcome
from equipshare.services.calendar.import_pricing import ImportPricing
from equipshare.services.calendar.import_rules import ImportRules
from equipshare.services.calendar.import_state import Row, SlotIndex
from equipshare.services.calendar.import_terms import outcome_of
from equipshare.services.calendar.import_waitlist import ImportWaitlist
from equipshare.services.calendar.import_write import update_values


@dataclass
class QueuedAudit:
    """One audit event the run writes at the end, once its row has an id."""

    action: str
    entity: str
    row: Row
    before: dict[str, Any] | None
    after: dict[str, Any]


@dataclass
class ImportDecisions:
    """An import run's state inside its transaction, and how it records each decision: the
    rows it makes and changes, their audit events and the outcomes (ImportRun decides)."""

    session: Session
    actor: Actor
    instrument: InstrumentRecord
    now: datetime
    #: Offers what the run frees and keeps the holds (bookings/holds.py).
    waitlist: Waitlist
    #: Staff waved rules 4, 5 and approval through explicitly (`--override-policy`).
    override: bool = False

    def __post_init__(self) -> None:
        self._rules = ImportRules(self.session, self.instrument, self.now, self.override)
        self._line = ImportWaitlist(
            self.session, self.instrument, self.waitlist, self.now, self.actor.id
        )
        self._pricing = ImportPricing(self.session, self.instrument)
        self._rows: dict[str, Row] = {}  # by ical_uid: found, or made by this run
        self._bookings = SlotIndex()  # the instrument's active bookings, as decided so far
        self._downtimes = SlotIndex()
        self._decided: list[tuple[ImportOutcome, Row | None]] = []  # Row: id known at the end
        self._new: list[Row] = []
        self._updates: list[dict[str, Any]] = []
        self._made_and_gone: list[tuple[bool, Row]] = []  # downtime inserts and deletes
        self._audits: list[QueuedAudit] = []
        self._as_downtime = False
        self._owners: dict[str, int] = {}  # active users by lower-cased email

    def _made(self, uid: str, values: dict[str, Any]) -> Row:
        """A row this run inserts at the end; its id comes from the insert."""
        values |= {
            "created_by_id": self.actor.id,
            "ical_uid": uid,
            "sequence": 0,
            "created_at": self.now,
        }
        row = Row(None, (1, len(self._new)), values)
        self._new.append(row)
        self._made_and_gone.append((True, row))
        self._rows[uid] = row
        return row

    def _changed(self, row: Row, columns: Sequence[str]) -> None:
        """Queue the update of a row that was there before (a new row is inserted as it ends)."""
        if not row.new:
            self._updates.append(update_values(row, columns))

    def _audit(
        self,
        action: str,
        entity: str,
        row: Row,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        event: ImportedEvent,
    ) -> None:
        """Queue the audit event of a change; it names the source event it came from."""
        source = {"import_key": event.key, "import_sequence": event.sequence}
        self._audits.append(QueuedAudit(action, entity, row, before, after | source))

    def _conflict(
        self, event: ImportedEvent, own: Row | None, *, with_downtime: bool, owner_id: int | None
    ) -> bool:
        """Decide a CONFLICT naming what overlaps the event; False when it is free.

        A booking's event (`with_downtime`) also meets downtime and the ranges held off
        the waitlist for anyone but its owner; a downtime's ends the holds it meets.
        """
        start, end = event.starts_at, event.ends_at
        bookings = self._bookings.overlapping(start, end, own)
        downtimes = self._downtimes.overlapping(start, end, None) if with_downtime else []
        holds = self._line.holds(start, end, except_for=owner_id) if with_downtime else []
        outcome = conflict_outcome(event, bookings, downtimes, holds, self.instrument.timezone)
        if outcome is None:
            return False
        self._decided.append((outcome, None))
        return True

    def _decide(
        self,
        action: ImportAction,
        event: ImportedEvent,
        row: Row | None,
        reason: str = "",
        *,
        overridden: tuple[str, ...] = (),
        rule: str | None = None,
    ) -> None:
        """Record an outcome; `row`'s id is filled in at the end (a new row has none yet)."""
        known = row is None or row.id is not None
        record_id = row.id if row is not None else None
        outcome = outcome_of(action, event, record_id, reason)
        if overridden or rule:
            outcome = replace(outcome, overridden=overridden, rule=rule)
        self._decided.append((outcome, None if known else row))

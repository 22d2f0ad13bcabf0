"""Deciding each imported event's fate in memory, then writing them all in a few statements.

Each row made by an import carries `import:<instrument code>:<source key>` in its
`ical_uid`, which is unique, so a re-import finds it again: updated when the event
changed, left alone when not. Nothing here overwrites a row the import did not make.

An `ImportRun` reads what it decides against once (calendar_import_state), decides the
events in file order exactly as if each were written before the next was read (a later
event that overlaps an earlier one is a conflict with it "from this file"), and `finish`
writes the lot (calendar_import_write) with the same rows and audit events, in the same
order, as writing them one by one would. What it has decided is kept, and each decision
recorded, by its base (import_decisions.ImportDecisions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from equipshare.domain.enums import (
    LONGEST_BOOKING_MINUTES,
    BookingStatus,
    CalendarEventStatus,
    ImportAction,
)
from equipshare.domain.money.charging import FREE
from equipshare.domain.records.instruments.schedule import reason_text
from equipshare.domain.records.scheduling.calendar import ImportOutcome
from equipshare.domain.records.users.people import UserRecord
from equipshare.ical.importer import ImportedEvent
from equipshare.services.calendar.import_decisions import ImportDecisions
from equipshare.services.calendar.import_rules import Holder
from equipshare.services.calendar.import_state import (
    Row,
    active_bookings,
    downtimes,
    owners_by_email,
    rows_by_uid,
)
from equipshare.services.calendar.import_terms import (
    downtime_reason,
    import_uid,
    length_words,
)
from equipshare.services.calendar.import_write import (
    BOOKING_UPDATED,
    DOWNTIME_UPDATED,
    write_bookings,
    write_downtimes,
)
from equipshare.services.plumbing.audit import (
    DOWNTIME_AUDIT_FIELDS,
    audit_values,
    booking_values_snapshot,
    insert_audits,
)

# import_uid and downtime_reason live in import_terms; they are named here too, where the
# import's callers and tests have always found them.
__all__ = ["ImportRun", "downtime_reason", "import_uid", "record_audit"]

LONGEST_BOOKING = timedelta(minutes=LONGEST_BOOKING_MINUTES)


def record_audit(audits: list[dict[str, Any]], **fields: Any) -> None:
    """Queue one audit event (`audit_values`' fields) for the run's one bulk insert."""
    audits.append(audit_values(**fields))


class ImportRun(ImportDecisions):
    """One import's state inside its transaction: what it read, decided and will write."""

    def load(self, events: Sequence[ImportedEvent], *, as_downtime: bool) -> None:
        """Read the rows the events' UIDs name and what lies in the file's window."""
        code, instrument_id = self.instrument.code, self.instrument.id
        self._as_downtime = as_downtime
        uids = [import_uid(code, event.key) for event in events]
        self._rows = rows_by_uid(self.session, uids, downtime=as_downtime)
        if not as_downtime:
            self._owners = owners_by_email(self.session, events)
        if not events:
            return
        start = min(event.starts_at for event in events)
        end = max(event.ends_at for event in events)
        found = [(row.values["starts_at"], row.values["ends_at"]) for row in self._rows.values()]
        self._line.load([(start, end), *found])  # what the events take, and what they free
        known = () if as_downtime else self._rows.values()
        self._bookings = active_bookings(self.session, instrument_id, start, end, known)
        if not as_downtime:
            self._downtimes = downtimes(self.session, instrument_id, start, end)
            self._rules.load(start, end)

    def finish(self) -> list[ImportOutcome]:
        """Write every change decided, then the audit trail; the outcomes in file order."""
        if self._as_downtime:
            write_downtimes(self.session, self._updates, self._made_and_gone)
        else:
            write_bookings(self.session, self.instrument.code, self._updates, self._new)
        audits: list[dict[str, Any]] = []
        for audit in self._audits:
            record_audit(
                audits,
                actor_id=self.actor.id,
                action=audit.action,
                entity_type=audit.entity,
                entity_id=audit.row.id,
                at=self.now,
                before=audit.before,
                after=audit.after,
            )
        insert_audits(self.session, audits)
        self._line.settle()
        return [
            outcome if row is None else replace(outcome, record_id=row.id)
            for outcome, row in self._decided
        ]

    # -- bookings -----------------------------------------------------------------------

    def booking(self, event: ImportedEvent, fallback: UserRecord | None) -> None:
        """Decide one event as a booking, owned by whoever its emails name, else `fallback`."""
        uid = import_uid(self.instrument.code, event.key)
        row = self._rows.get(uid)
        if event.status is CalendarEventStatus.CANCELLED:
            return self._cancel_booking(event, row)
        if event.ends_at - event.starts_at > LONGEST_BOOKING:
            length = length_words(event.ends_at - event.starts_at)
            limit = length_words(LONGEST_BOOKING)
            reason = f"lasts {length}; no booking may last more than {limit}"
            return self._decide(ImportAction.SKIPPED, event, row, reason)
        values = row.values if row is not None else {}
        if row is not None and not values["status"].holds_slot:
            reason = (
                f"booking {row.id} is {values['status'].value} here; an import does not revive it"
            )
            return self._decide(ImportAction.SKIPPED, event, row, reason)
        matched = next((self._owners[e] for e in event.emails if e in self._owners), None)
        user_id = matched or (fallback.id if fallback else None) or values.get("user_id")
        if user_id is None:
            emails = ", ".join(event.emails) or "none"
            reason = f"no user has its organiser or attendee emails ({emails}); pass --owner"
            return self._decide(ImportAction.SKIPPED, event, None, reason)
        owner = self._rules.owner(user_id)
        status, approval_waved = self._rules.status(
            event, row.values if row is not None else None, owner
        )
        wanted = (event.starts_at, event.ends_at, user_id, status, event.summary)
        if row is not None and wanted == (
            values["starts_at"],
            values["ends_at"],
            values["user_id"],
            values["status"],
            values["purpose"],
        ):
            return self._decide(ImportAction.UNCHANGED, event, row)
        verdict = self._rules.judge(
            owner,
            event.starts_at,
            event.ends_at,
            project_code=values.get("project_code"),
            assisted=values.get("technician_id") is not None,
            holder=_holder(row) if row is not None else None,
        )
        if verdict.refusal is not None:  # reported with its rule; a row it names stays as it was
            refusal = verdict.refusal
            return self._decide(
                ImportAction.REFUSED, event, row, refusal.message, rule=refusal.rule
            )
        if self._conflict(event, row, with_downtime=True, owner_id=user_id):
            return None
        overridden = verdict.overridden
        if approval_waved:
            overridden += (f"{owner.username} from {owner.institution_name} needs approval",)
        before = booking_values_snapshot(values) if row is not None else None
        if row is not None and (values["starts_at"], values["ends_at"]) != wanted[:2]:
            self._line.freed(values["starts_at"], values["ends_at"])
        if row is None:
            row = self._made(
                uid,
                {"instrument_id": self.instrument.id, "decided_by_id": None, "decided_at": None},
            )
            values = row.values
        else:
            values["sequence"] += 1
        if approval_waved:  # the importer's own, explicit decision, as an approval writes it
            values["decided_by_id"], values["decided_at"] = self.actor.id, self.now
        elif status is BookingStatus.PENDING:
            values["decided_by_id"], values["decided_at"] = None, None
        new_owner = before is None or values["user_id"] != user_id
        for name, value in zip(_WANTED, wanted, strict=True):
            values[name] = value
        values["updated_at"] = self.now
        self._pricing.price(values, user_id, event.starts_at, event.ends_at, new_owner=new_owner)
        self._bookings.discard(row)
        if values["instrument_id"] == self.instrument.id:
            self._bookings.add(row, event.starts_at, event.ends_at)
            self._rules.held(_holder(row), user_id, event.starts_at, event.ends_at)
            self._line.booked(user_id, event.starts_at, event.ends_at)
        row.made_key = event.key
        self._changed(row, BOOKING_UPDATED)
        after = booking_values_snapshot(values) | (
            {"overridden": list(overridden)} if overridden else {}
        )
        self._audit("booking.import", "booking", row, before, after, event)
        action = ImportAction.CREATED if before is None else ImportAction.UPDATED
        return self._decide(action, event, row, overridden=overridden)

    def _cancel_booking(self, event: ImportedEvent, row: Row | None) -> None:
        if row is None:
            return self._decide(ImportAction.SKIPPED, event, None, "cancelled in the calendar")
        values = row.values
        if not values["status"].holds_slot:
            return self._decide(ImportAction.UNCHANGED, event, row)
        before = booking_values_snapshot(values)
        self._line.freed(values["starts_at"], values["ends_at"])
        values["status"] = BookingStatus.CANCELLED
        values["status_reason"] = "cancelled in the imported calendar"
        values["cancelled_at"] = self.now
        # The source calendar cancelled it, not the user here: no fee.
        values["instrument_charge_pence"] = FREE.instrument_pence
        values["technician_charge_pence"] = FREE.technician_pence
        values["sequence"] += 1
        values["updated_at"] = self.now
        self._bookings.discard(row)
        self._rules.released(_holder(row))
        self._changed(row, BOOKING_UPDATED)
        after = booking_values_snapshot(values)
        self._audit("booking.import", "booking", row, before, after, event)
        return self._decide(ImportAction.UPDATED, event, row, "cancelled in the calendar")

    # -- downtime -----------------------------------------------------------------------

    def downtime(self, event: ImportedEvent) -> None:
        uid = import_uid(self.instrument.code, event.key)
        row = self._rows.get(uid)
        if event.status is CalendarEventStatus.CANCELLED:
            if row is None:
                return self._decide(ImportAction.SKIPPED, event, None, "cancelled in the calendar")
            self._audit("downtime.import", "downtime", row, _downtime_snapshot(row), {}, event)
            self._line.freed(row.values["starts_at"], row.values["ends_at"])
            self._made_and_gone.append((False, row))
            del self._rows[uid]
            reason = "removed: cancelled in the calendar"
            return self._decide(ImportAction.UPDATED, event, row, reason)
        description = (
            event.summary if not event.description else f"{event.summary}\n{event.description}"
        )
        wanted = (event.starts_at, event.ends_at, downtime_reason(event.summary), description)
        if row is not None and wanted == tuple(row.values[name] for name in _DOWNTIME_WANTED):
            return self._decide(ImportAction.UNCHANGED, event, row)
        if self._conflict(event, None, with_downtime=False, owner_id=None):
            return None
        before = _downtime_snapshot(row) if row is not None else None
        if row is None:
            row = self._made(uid, {"instrument_id": self.instrument.id})
        else:
            self._line.freed(row.values["starts_at"], row.values["ends_at"])
            row.values["sequence"] += 1
        for name, value in zip(_DOWNTIME_WANTED, wanted, strict=True):
            row.values[name] = value
        row.values["updated_at"] = self.now
        row.made_key = event.key
        self._changed(row, DOWNTIME_UPDATED)
        self._audit("downtime.import", "downtime", row, before, _downtime_snapshot(row), event)
        why = reason_text(row.values["reason"], row.values["description"])
        ended = self._line.downtime(event.starts_at, event.ends_at, why)
        reason = ", ".join(f"ends the hold of waitlist entry {entry.id}" for entry in ended)
        action = ImportAction.CREATED if before is None else ImportAction.UPDATED
        return self._decide(action, event, row, reason)


_WANTED = ("starts_at", "ends_at", "user_id", "status", "purpose")


def _holder(row: Row) -> Holder:
    """How the quota ledger knows a booking: its id, or the run's row until it has one."""
    return row.id if row.id is not None else row


_DOWNTIME_WANTED = ("starts_at", "ends_at", "reason", "description")


def _downtime_snapshot(row: Row) -> dict[str, Any]:
    """The audited fields of a downtime row (as the downtime service snapshots it)."""
    return {name: row.values[name] for name in DOWNTIME_AUDIT_FIELDS}

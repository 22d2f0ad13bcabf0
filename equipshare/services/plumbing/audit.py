"""Audit trail: every change writes who, what, before and after, in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from equipshare.db.base import json_safe
from equipshare.db.models.audit import AuditEvent
from equipshare.services.plumbing.prebuilt import AUDIT_EVENTS, run_later


def audit_values(
    *,
    actor_id: int | None,
    action: str,
    entity_type: str,
    entity_id: int | str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The column values of one audit event."""
    return {
        "occurred_at": at,
        "actor_id": actor_id,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "before": json_safe(before) if before is not None else None,
        "after": json_safe(after) if after is not None else None,
    }


def record_audit(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity_type: str,
    entity_id: int | str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to the session, written at its next flush."""
    values = audit_values(
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        at=at,
        before=before,
        after=after,
    )
    session.add(AuditEvent(**values))


# Inline: no RETURNING of the new id, which nobody reads, so on PostgreSQL `run_later`
# can queue it with the next round trip (a RETURNING is a round trip of its own).
_INSERT = insert(AUDIT_EVENTS).inline()


def insert_audit(session: Session, values: dict[str, Any]) -> None:
    """Write an audit event (from `audit_values`) now, with a prebuilt Core insert."""
    run_later(session, _INSERT, values)


def insert_audits(session: Session, audits: list[dict[str, Any]]) -> None:
    """Write audit events (each from `audit_values`), in order, in one executemany."""
    if audits:
        session.connection().execute(_INSERT, audits)


# The audited fields of a downtime, for before/after.
DOWNTIME_AUDIT_FIELDS = ("instrument_id", "starts_at", "ends_at", "reason", "description")


BOOKING_AUDIT_FIELDS = (
    "instrument_id",
    "user_id",
    "technician_id",
    "starts_at",
    "ends_at",
    "status",
    "purpose",
    "project_code",
    "status_reason",
    "sequence",
    "instrument_charge_pence",
    "technician_charge_pence",
)


def booking_snapshot(row: Any) -> dict[str, Any]:
    """The audited fields of a booking row, for before/after."""
    return {name: getattr(row, name) for name in BOOKING_AUDIT_FIELDS}


def booking_values_snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """The audited fields of a booking's column values (absent ones are NULL)."""
    return {name: values.get(name) for name in BOOKING_AUDIT_FIELDS}

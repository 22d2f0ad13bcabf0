"""HistoryService: the audit trail, newest first, filtered and paged in the database.

Who reads what (decided per filter):
- Admins read everything.
- A facility's staff read the history of its instruments, bookings, downtimes, the
  facility and its staff (Action.VIEW_HISTORY on the facility); anyone reads the
  history of their own bookings (VIEW_HISTORY is an owner action too).
- `--entity` names one thing, so reading one the actor may not see is refused (exit 1)
  rather than answered with nothing; a user account's history is for admins.
- `--user` and `--instrument`, and no filter, answer with what the actor may see:
  staff get their facilities' part, a researcher the events on their own bookings,
  anyone else nothing.
A deactivated account reads nothing and is told so.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, select
from sqlalchemy.orm import Session

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.inputs.search_text import checked_search
from equipshare.domain.records.operations.history import (
    FieldChange,
    HistoryEvent,
    HistoryPage,
    HistoryQuery,
    changes_between,
)
from equipshare.domain.rules.permissions import Action, Actor, Target, require
from equipshare.domain.time.timeparse import wall_clock
from equipshare.services.history import statements as sql
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext

MAX_LIMIT = 1000
_ENTITY = re.compile(r"^([a-z_]+):(.+)$")
_KINDS = (
    "booking:ID, downtime:ID, instrument:CODE, facility:CODE, user:USERNAME or "
    "technician_profile:USERNAME"
)


class HistoryService:
    """Reads the audit trail for the people entitled to it."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._organisation_zone = context.settings.organisation.timezone

    def page(
        self,
        actor_username: str,
        query: HistoryQuery,
        *,
        before: int | None = None,
        limit: int = 50,
    ) -> HistoryPage:
        """Up to `limit` events older than event `before` (None: the newest), newest first."""
        if limit < 1:
            raise InputError(f"--limit: {limit} is not a positive number", "limit")
        limit = min(limit, MAX_LIMIT)
        for field, text in (("--entity", query.entity), ("--instrument", query.instrument),
                            ("--user", query.actor)):  # fmt: skip
            if text is not None:
                checked_search(text, field)
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            if not actor.user.active:
                raise PermissionDenied(
                    f"{actor_username} may not {Action.VIEW_HISTORY}: the account is deactivated"
                )
            conditions: list[ColumnElement[bool]] = []
            zone = self._organisation_zone
            if query.entity is not None:
                condition, zone = self._entity(session, actor, query.entity)
                conditions.append(condition)
            if query.instrument is not None:
                instrument = row_records.load_instrument(session, query.instrument.strip())
                conditions.append(sql.on_instrument(instrument.id))
                zone = instrument.timezone
            if query.actor is not None:
                conditions.append(
                    AuditEvent.actor_id == row_records.load_user(session, query.actor.strip()).id
                )
            if query.since is not None:
                conditions.append(AuditEvent.occurred_at >= _instant(query.since, zone))
            if before is not None:
                at = session.scalar(select(AuditEvent.occurred_at).where(AuditEvent.id == before))
                if at is None:
                    raise InputError(f"--before: no audit event {before}", "before")
                conditions.append(sql.older_than(at, before))
            visible = sql.visible_to(actor)
            if visible is not None:
                conditions.append(visible)
            statement = sql.page_of(sql.TRAIL.where(*conditions), limit)
            rows = session.execute(statement).all()
            events = _named(session, [self._event(row) for row in rows[:limit]])
        return HistoryPage(events, events[-1].id if len(rows) > limit else None)

    def _entity(
        self, session: Session, actor: Actor, entity: str
    ) -> tuple[ColumnElement[bool], str]:
        """The condition for one named entity and the zone it keeps; refused if not visible."""
        match = _ENTITY.match(entity.strip())
        if match is None:
            raise InputError(f"--entity: {entity!r} is not one of {_KINDS}", "entity")
        kind, key = match.group(1), match.group(2).strip()
        if kind in ("booking", "downtime"):
            return self._booking_or_downtime(session, actor, kind, key)
        if kind == "instrument":
            instrument = row_records.load_instrument(session, key)
            require(actor, Action.VIEW_HISTORY, Target.of(instrument))
            return sql.about("instrument", instrument.id), instrument.timezone
        if kind == "facility":
            facility = session.scalar(select(Facility).where(Facility.code == key.upper()))
            if facility is None:
                raise NotFound(f"no facility with code {key.upper()!r}", "entity")
            require(actor, Action.VIEW_HISTORY, Target(facility.id, facility.name, facility.code))
            return sql.about_facility(facility.id), facility.timezone
        _require_admin(actor, f"{kind}:{key}")
        if kind in ("user", "technician_profile"):
            return sql.about(kind, row_records.load_user(session, key).id), self._organisation_zone
        return sql.about(kind, key), self._organisation_zone

    def _booking_or_downtime(
        self, session: Session, actor: Actor, kind: str, key: str
    ) -> tuple[ColumnElement[bool], str]:
        if not key.isdigit():
            raise InputError(f"--entity: {kind} {key!r} is not a number", "entity")
        model = Booking if kind == "booking" else Downtime
        owner = Booking.user_id if kind == "booking" else None
        found = session.execute(
            select(owner if owner is not None else model.id, Instrument.code, Facility)
            .join(Instrument, Instrument.id == model.instrument_id)
            .join(Facility, Facility.id == Instrument.facility_id)
            .where(model.id == int(key))
        ).first()
        if found is None:
            # Purged rows keep their events; only an admin may read what no row vouches for.
            if not actor.user.is_admin:
                raise NotFound(f"no {kind} {key}", "entity")
            return sql.about(kind, key), self._organisation_zone
        facility: Facility = found[2]
        owner_id = found[0] if owner is not None else None
        require(actor, Action.VIEW_HISTORY, Target(facility.id, facility.name, found[1], owner_id))
        return sql.about(kind, key), facility.timezone

    def _event(self, row: Row[Any]) -> HistoryEvent:
        return HistoryEvent(
            id=row.id,
            occurred_at=row.occurred_at,
            timezone=row.timezone or self._organisation_zone,
            actor=row.actor,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            entity=_entity_name(row),
            instrument_code=row.instrument_code
            if row.entity_type in ("booking", "downtime")
            else None,
            changes=changes_between(row.before, row.after),
        )


#: Fields that hold the id of a user, an instrument, a facility or an institution.
_PEOPLE = (
    "user_id", "technician_id", "decided_by_id", "created_by_id", "checked_in_by_id",
    "trainer_id", "contact_technician_id", "staff_id", "actor_id",
)  # fmt: skip
_REFERS = {
    **dict.fromkeys(_PEOPLE, "user"),
    "instrument_id": "instrument",
    "facility_id": "facility",
    "institution_id": "institution",
}
#: How each kind is named, as the rest of the trail names it: a username, a code.
_NAMES: dict[str, tuple[Any, Any]] = {
    "user": (User.id, User.username),
    "instrument": (Instrument.id, Instrument.code),
    "facility": (Facility.id, Facility.code),
    "institution": (Institution.id, Institution.code),
}


def _named(session: Session, events: list[HistoryEvent]) -> tuple[HistoryEvent, ...]:
    """The events with each id their changes hold named, one query per kind of row."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        for change in event.changes:
            kind = _REFERS.get(change.field)
            if kind is not None:
                ids = wanted.setdefault(kind, set())
                ids.update(v for v in (change.before, change.after) if _is_id(v))
    names: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        key, name = _NAMES[kind]
        if ids:
            found = session.execute(select(key, name).where(key.in_(sorted(ids))))
            names.update(((kind, row_id), text) for row_id, text in found)
    if not names:
        return tuple(events)

    def named(change: FieldChange) -> FieldChange:
        kind = _REFERS.get(change.field)
        if kind is None:
            return change
        before = names.get((kind, change.before)) if _is_id(change.before) else None
        after = names.get((kind, change.after)) if _is_id(change.after) else None
        return replace(change, before_name=before, after_name=after)

    return tuple(replace(event, changes=tuple(named(c) for c in event.changes)) for event in events)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _entity_name(row: Row[Any]) -> str:
    """booking:123, instrument:CODE, facility:CODE, user:NAME, technician_profile:NAME: as
    the --entity filter reads."""
    named = {
        "instrument": row.instrument_code,
        "facility": row.facility_code,
        "user": row.entity_username,
        "technician_profile": row.entity_username,
    }.get(row.entity_type)
    return f"{row.entity_type}:{named or row.entity_id}"


def _require_admin(actor: Actor, entity: str) -> None:
    if not actor.user.is_admin:
        raise PermissionDenied(
            f"{actor.user.username} may not {Action.VIEW_HISTORY} of {entity}: that needs an admin",
            "entity",
        )


def _instant(since: date | datetime, zone: str) -> datetime:
    """A date is local midnight in `zone`; a time without an offset is read there too."""
    where = ZoneInfo(zone)
    if not isinstance(since, datetime):
        return datetime.combine(since, time(), tzinfo=where)
    if since.tzinfo is None or since.utcoffset() is None:
        return wall_clock(since, "--since", where)
    return since

"""The audit trail's SQL: each event joined to what it is about, and who may read which.

Audit events name their entity by type and id as text (`entity_id`); every writer uses
the row's id (facility staff use FACILITY_ID:USER_ID). An event is joined to its booking,
downtime, instrument, facility or user only for its own type, so the text is cast to a
number only where it is one. The filters compare `entity_id` with text, so they use the
(entity_type, entity_id) index instead of joining every event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Facility, Instrument, User
from equipshare.domain.rules.permissions import Action, Actor, staff_scope

# The entity types whose events belong to one facility, for its staff to read.
FACILITY_KINDS = ("booking", "downtime", "instrument", "facility")
STAFF_KIND = "facility_staff"

ActingUser = aliased(User, name="acting_user")
EntityUser = aliased(User, name="entity_user")
EventBooking = aliased(Booking, name="event_booking")
EventDowntime = aliased(Downtime, name="event_downtime")
EventInstrument = aliased(Instrument, name="event_instrument")
EventFacility = aliased(Facility, name="event_facility")


def _number_of(kind: str) -> ColumnElement[int]:
    """The event's entity id as a number for events about `kind`, NULL for the rest."""
    return case((AuditEvent.entity_type == kind, cast(AuditEvent.entity_id, Integer)))


TRAIL = (
    select(
        AuditEvent.id,
        AuditEvent.occurred_at,
        ActingUser.username.label("actor"),
        AuditEvent.action,
        AuditEvent.entity_type,
        AuditEvent.entity_id,
        AuditEvent.before,
        AuditEvent.after,
        EventInstrument.code.label("instrument_code"),
        EventFacility.code.label("facility_code"),
        EventFacility.timezone.label("timezone"),
        EntityUser.username.label("entity_username"),
    )
    .select_from(AuditEvent)
    .outerjoin(ActingUser, ActingUser.id == AuditEvent.actor_id)
    .outerjoin(EventBooking, EventBooking.id == _number_of("booking"))
    .outerjoin(EventDowntime, EventDowntime.id == _number_of("downtime"))
    .outerjoin(
        EventInstrument,
        EventInstrument.id
        == func.coalesce(
            EventBooking.instrument_id, EventDowntime.instrument_id, _number_of("instrument")
        ),
    )
    .outerjoin(
        EventFacility,
        EventFacility.id == func.coalesce(EventInstrument.facility_id, _number_of("facility")),
    )
    .outerjoin(  # a profile's events are keyed by its owner's user id
        EntityUser,
        EntityUser.id == func.coalesce(_number_of("user"), _number_of("technician_profile")),
    )
)


def about(kind: str, key: int | str) -> ColumnElement[bool]:
    """Events about one entity."""
    return and_(AuditEvent.entity_type == kind, AuditEvent.entity_id == str(key))


def about_facility(facility_id: int) -> ColumnElement[bool]:
    """Events about a facility and about its staff."""
    return or_(
        about("facility", facility_id),
        and_(
            AuditEvent.entity_type == STAFF_KIND,
            AuditEvent.entity_id.like(f"{facility_id}:%"),
        ),
    )


def on_instrument(instrument_id: int) -> ColumnElement[bool]:
    """Events about an instrument, its bookings and its downtimes."""
    bookings = select(cast(Booking.id, String)).where(Booking.instrument_id == instrument_id)
    downtimes = select(cast(Downtime.id, String)).where(Downtime.instrument_id == instrument_id)
    return or_(
        about("instrument", instrument_id),
        and_(AuditEvent.entity_type == "booking", AuditEvent.entity_id.in_(bookings)),
        and_(AuditEvent.entity_type == "downtime", AuditEvent.entity_id.in_(downtimes)),
    )


def visible_to(actor: Actor) -> ColumnElement[bool] | None:
    """What `actor` may read (None: everything, for admins).

    A facility's staff read the history of its instruments, bookings, downtimes, the
    facility itself and its staff; anyone reads the history of their own bookings.
    """
    scope = staff_scope(actor, Action.VIEW_HISTORY)
    if scope is None:
        return None
    parts: list[ColumnElement[bool]] = [
        and_(AuditEvent.entity_type == "booking", EventBooking.user_id == actor.id)
    ]
    if scope:
        parts.append(
            and_(AuditEvent.entity_type.in_(FACILITY_KINDS), EventFacility.id.in_(sorted(scope)))
        )
        parts.append(
            and_(
                AuditEvent.entity_type == STAFF_KIND,
                or_(*(AuditEvent.entity_id.like(f"{f}:%") for f in sorted(scope))),
            )
        )
    return or_(*parts)


def older_than(occurred_at: datetime, event_id: int) -> ColumnElement[bool]:
    """Events after (older than) the one at (`occurred_at`, `event_id`) in newest-first order."""
    return or_(
        AuditEvent.occurred_at < occurred_at,
        and_(AuditEvent.occurred_at == occurred_at, AuditEvent.id < event_id),
    )


def page_of(statement: Select[tuple[object, ...]], limit: int) -> Select[tuple[object, ...]]:
    """Newest first, one row more than `limit` to tell whether another page follows."""
    return statement.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit + 1)

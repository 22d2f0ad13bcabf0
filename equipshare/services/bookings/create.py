"""Creating one booking inside the caller's transaction: rights, rules, price, row, trail.

The hot path of the whole system, so it writes with prebuilt Core inserts (the booking,
its audit event, and in the service the outbox messages announcing it) and builds the
returned record from the values it wrote and the records it holds, instead of going
through the ORM unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import ConflictError, PermissionDenied, RefusedError
from equipshare.domain.money.charging import FrozenRates
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.bookings import BookingRecord, BookingRequest
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Action, Actor, Target, allowed, require
from equipshare.domain.rules.policy_rules import as_utc, needs_approval
from equipshare.services.bookings.checks import check_all, lock_rows
from equipshare.services.bookings.conflicts import Conflicts
from equipshare.services.bookings.proposal import Proposal
from equipshare.services.charging import pricing
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import audit_values, booking_values_snapshot, insert_audit
from equipshare.services.plumbing.prebuilt import BOOKINGS, run

_INSERT = insert(BOOKINGS)


@contextmanager
def translating_overlaps(instrument_code: str) -> Iterator[None]:
    """Turn PostgreSQL's exclusion-constraint violation into the same conflict error."""
    try:
        yield
    except IntegrityError as exc:
        if "ex_bookings_no_overlap" in str(exc.orig):
            raise ConflictError(
                f"{instrument_code} was booked for an overlapping time a moment ago"
            ) from None
        raise


def initial_status(actor: Actor, user: UserRecord, instrument: InstrumentRecord) -> BookingStatus:
    """Rule 7; staff who could approve the booking need not wait for themselves."""
    if allowed(actor, Action.APPROVE_BOOKING, Target.of(instrument)):
        return BookingStatus.CONFIRMED
    return BookingStatus.PENDING if needs_approval(user, instrument) else BookingStatus.CONFIRMED


def _owner(session: Session, actor: Actor, request: BookingRequest, target: Target) -> UserRecord:
    """Who the booking is for: the actor, or someone they may book for."""
    if not request.on_behalf_of or request.on_behalf_of == actor.user.username:
        return actor.user
    require(actor, Action.BOOK_ON_BEHALF, target)
    user = row_records.load_user(session, request.on_behalf_of)
    if not user.active:
        raise PermissionDenied(
            f"{user.username}'s account is deactivated; nobody may book for them", "user"
        )
    return user


def create_booking(
    session: Session,
    actor: Actor,
    instrument: InstrumentRecord,
    request: BookingRequest,
    override_policy: bool,
    now: datetime,
    *,
    series_id: int | None = None,
    instrument_locked: bool = False,
    actor_rates: FrozenRates | None = None,
    conflicts: Conflicts | None = None,
) -> BookingRecord:
    """Check every rule and write the booking and its audit event; the caller announces it.

    `instrument_locked`: the caller loaded the instrument with its row lock, so only the
    technician's remains to take. `actor_rates`: the actor's rates on the instrument as of
    `now`, read already (the waitlist's probe reads them), used if the booking is theirs;
    `conflicts`: rule 6's first read, read along with the probe (`check_all`'s `ahead`).
    """
    target = Target.of(instrument)
    user = _owner(session, actor, request, target)
    require(actor, Action.BOOK, target)
    if override_policy:
        require(actor, Action.OVERRIDE_POLICY, target)
        if user.id == actor.id:
            raise RefusedError("policy overrides are only for booking on behalf of someone", "user")
    technician = (
        row_records.load_user(session, request.technician_username)
        if request.technician_username
        else None
    )
    lock_rows(
        session, None if instrument_locked else instrument.id, technician.id if technician else None
    )
    start = as_utc(request.starts_at, "start")
    end = as_utc(request.ends_at, "end")
    proposal = Proposal(user, instrument, start, end, request.project_code, technician)
    overridden = check_all(session, proposal, now, override_policy=override_policy, ahead=conflicts)
    status = initial_status(actor, user, instrument)
    if actor_rates is not None and user.id == actor.id:
        rates = actor_rates
    else:
        rates = pricing.rates_for(session, user, instrument, now)
    charge = pricing.charge_for(start, end, rates, technician is not None)
    values: dict[str, Any] = {
        "instrument_id": instrument.id,
        "user_id": user.id,
        "created_by_id": actor.id,
        "technician_id": technician.id if technician else None,
        "series_id": series_id,
        "recurrence_start": start if series_id else None,
        "starts_at": start,
        "ends_at": end,
        "status": status,
        "purpose": request.purpose,
        "project_code": request.project_code or None,
        "ical_uid": f"{uuid.uuid4()}@equipshare",
        "sequence": 0,
        "created_at": now,
        "updated_at": now,
        "user_class": rates.user_class,
        "hourly_rate_pence": rates.hourly_rate_pence,
        "technician_rate_pence": rates.technician_rate_pence,
        "instrument_charge_pence": charge.instrument_pence,
        "technician_charge_pence": charge.technician_pence,
    }
    with translating_overlaps(instrument.code):
        key = run(session, _INSERT, values).inserted_primary_key
    assert key is not None  # a single-row insert always reports its key
    booking_id = int(key.id)
    after = booking_values_snapshot(values) | ({"overridden": overridden} if overridden else {})
    audit = audit_values(
        actor_id=actor.id,
        action="booking.override" if overridden else "booking.create",
        entity_type="booking",
        entity_id=booking_id,
        at=now,
        after=after,
    )
    insert_audit(session, audit)
    return row_records.booking_record_of({"id": booking_id, **values}, instrument.code, user)

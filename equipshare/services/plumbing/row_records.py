"""Turning rows into records: users, actors, instruments and bookings, loaded in one place."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload

from equipshare.db import direct, rollups
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, FacilityStaff, Instrument, User
from equipshare.domain.enums import StaffRole
from equipshare.domain.errors import NotFound, PermissionDenied
from equipshare.domain.inputs.search_text import checked_search
from equipshare.domain.records.instruments.catalogue import (
    BookingPolicy,
    InstrumentRecord,
    OpeningInterval,
)
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Actor
from equipshare.services.plumbing import start_reads
from equipshare.services.plumbing.prebuilt import (
    FACILITIES,
    FACILITY_STAFF,
    INSTITUTIONS,
    INSTRUMENT_DESCRIPTION,
    INSTRUMENTS,
    OPENING_HOURS,
    connection_of,
    run,
)


def user_record(user: User) -> UserRecord:
    inst = user.institution
    return UserRecord(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        active=user.active,
        institution_id=inst.id,
        institution_code=inst.code,
        institution_name=inst.name,
        institution_is_partner=inst.is_partner,
        institution_sector=inst.sector,
    )


def load_user(session: Session, username: str) -> UserRecord:
    return start_reads.load_user(connection_of(session), username)


def user_by_id(session: Session, user_id: int) -> UserRecord:
    return start_reads.user_by_id(connection_of(session), user_id)


def load_actor(session: Session, username: str) -> Actor:
    """The acting user and the facilities they staff; unknown users may do nothing."""
    return start_reads.load_actor(connection_of(session), username)


def instrument_record(row: Instrument) -> InstrumentRecord:
    facility = row.facility
    policy = BookingPolicy(
        slot_minutes=row.slot_minutes,
        min_minutes=row.min_minutes,
        max_minutes=row.max_minutes,
        min_notice_minutes=row.min_notice_minutes,
        max_days_ahead=row.max_days_ahead,
        requires_approval=row.requires_approval,
        requires_training=row.requires_training,
        requires_project_code=row.requires_project_code,
        allow_overnight=row.allow_overnight,
        weekly_quota_minutes=row.weekly_quota_minutes,
        opening_hours=tuple(
            OpeningInterval(h.weekday, h.opens_minute, h.closes_minute) for h in row.opening_hours
        ),
    )
    return InstrumentRecord(
        id=row.id,
        code=row.code,
        name=row.name,
        category=row.category,
        manufacturer=row.manufacturer,
        model=row.model,
        status=row.status,
        access_level=row.access_level,
        building=row.building,
        room=row.room,
        facility_id=facility.id,
        facility_name=facility.name,
        institution_id=facility.institution.id,
        institution_code=facility.institution.code,
        institution_name=facility.institution.name,
        timezone=facility.timezone,
        contact_technician_id=row.contact_technician_id,
        policy=policy,
        status_reason=row.status_reason,
    )


INSTRUMENT_LOAD = (
    joinedload(Instrument.facility).joinedload(Facility.institution),
    selectinload(Instrument.opening_hours),
)


# The instrument, its facility and institution in one row per opening interval (or one
# row with none), in the order the ORM relationship gives them.
_INSTRUMENT = (
    select(
        *INSTRUMENT_DESCRIPTION,
        FACILITIES.c.id.label("facility_id"),
        FACILITIES.c.name.label("facility_name"),
        INSTITUTIONS.c.id.label("institution_id"),
        INSTITUTIONS.c.code.label("institution_code"),
        INSTITUTIONS.c.name.label("institution_name"),
        FACILITIES.c.timezone,
        INSTRUMENTS.c.contact_technician_id,
        INSTRUMENTS.c.slot_minutes,
        INSTRUMENTS.c.min_minutes,
        INSTRUMENTS.c.max_minutes,
        INSTRUMENTS.c.min_notice_minutes,
        INSTRUMENTS.c.max_days_ahead,
        INSTRUMENTS.c.requires_approval,
        INSTRUMENTS.c.requires_training,
        INSTRUMENTS.c.requires_project_code,
        INSTRUMENTS.c.allow_overnight,
        INSTRUMENTS.c.weekly_quota_minutes,
        OPENING_HOURS.c.weekday,
        OPENING_HOURS.c.opens_minute,
        OPENING_HOURS.c.closes_minute,
    )
    .select_from(
        INSTRUMENTS.join(FACILITIES, FACILITIES.c.id == INSTRUMENTS.c.facility_id)
        .join(INSTITUTIONS, INSTITUTIONS.c.id == FACILITIES.c.institution_id)
        .outerjoin(OPENING_HOURS, OPENING_HOURS.c.instrument_id == INSTRUMENTS.c.id)
    )
    .where(INSTRUMENTS.c.code == bindparam("code"))
    .order_by(OPENING_HOURS.c.weekday, OPENING_HOURS.c.opens_minute, OPENING_HOURS.c.id)
)


def _instrument_of(rows: Sequence[Row[Any]]) -> InstrumentRecord:
    r = rows[0]
    policy = BookingPolicy(
        slot_minutes=r.slot_minutes,
        min_minutes=r.min_minutes,
        max_minutes=r.max_minutes,
        min_notice_minutes=r.min_notice_minutes,
        max_days_ahead=r.max_days_ahead,
        requires_approval=r.requires_approval,
        requires_training=r.requires_training,
        requires_project_code=r.requires_project_code,
        allow_overnight=r.allow_overnight,
        weekly_quota_minutes=r.weekly_quota_minutes,
        opening_hours=tuple(
            OpeningInterval(h.weekday, h.opens_minute, h.closes_minute)
            for h in rows
            if h.weekday is not None
        ),
    )
    return InstrumentRecord(
        id=r.id,
        code=r.code,
        name=r.name,
        category=r.category,
        manufacturer=r.manufacturer,
        model=r.model,
        status=r.status,
        access_level=r.access_level,
        building=r.building,
        room=r.room,
        facility_id=r.facility_id,
        facility_name=r.facility_name,
        institution_id=r.institution_id,
        institution_code=r.institution_code,
        institution_name=r.institution_name,
        timezone=r.timezone,
        contact_technician_id=r.contact_technician_id,
        policy=policy,
        status_reason=r.status_reason,
    )


_INSTRUMENT_LOCKED = _INSTRUMENT.with_for_update(of=INSTRUMENTS)


def load_instrument(session: Session, code: str, *, lock: bool = False) -> InstrumentRecord:
    """The instrument with `code`; `lock` also takes its row lock, as `lock_rows` would."""
    statement = _INSTRUMENT_LOCKED if lock else _INSTRUMENT
    checked_search(code, "instrument")
    rows = run(session, statement, {"code": code}).all()
    return _instrument_found(session, rows, code, lock)


def load_actor_and_instrument(
    session: Session, username: str, code: str
) -> tuple[Actor, InstrumentRecord]:
    """`load_actor` and `load_instrument(lock=True)` in one round trip (PostgreSQL), for
    the booking path: the two reads need nothing of each other."""
    conn = connection_of(session)
    actor = start_reads.actor_query(username)
    checked_search(code, "instrument")
    people, instruments = direct.together(conn, actor, (_INSTRUMENT_LOCKED, {"code": code}))
    return start_reads.actor_of(people.all(), username), _instrument_found(
        session, instruments.all(), code, True
    )


def _instrument_found(
    session: Session, rows: Sequence[Any], code: str, locked: bool
) -> InstrumentRecord:
    if not rows:
        raise NotFound(f"no instrument with code {code!r}", "instrument")
    instrument = _instrument_of(rows)
    if locked:  # the roll-up upkeep at commit needs neither the lock nor the zone again
        rollups.note_locked(connection_of(session), instrument.id, instrument.timezone)
    return instrument


# BookingRecord's fields that are a booking row's own columns (the rest name its
# instrument and user).
_BOOKING_COLUMNS = tuple(
    f.name
    for f in dataclasses.fields(BookingRecord)
    if f.name not in ("instrument_code", "username", "user_institution_code")
)


def booking_record_of(
    columns: Mapping[str, Any], instrument_code: str, user: UserRecord
) -> BookingRecord:
    """A booking's record from its column values; a column not given is empty (None)."""
    values: dict[str, Any] = {name: columns.get(name) for name in _BOOKING_COLUMNS}
    return BookingRecord(
        instrument_code=instrument_code,
        username=user.username,
        user_institution_code=user.institution_code,
        **values,
    )


def booking_record(
    row: Booking, *, instrument_code: str | None = None, user: UserRecord | None = None
) -> BookingRecord:
    """The record of `row`; pass what the caller already holds to spare lazy loads."""
    columns: dict[str, Any] = {name: getattr(row, name) for name in _BOOKING_COLUMNS}
    return BookingRecord(
        instrument_code=instrument_code or row.instrument.code,
        username=user.username if user else row.user.username,
        user_institution_code=user.institution_code if user else row.user.institution.code,
        **columns,
    )


BOOKING_LOAD = (
    joinedload(Booking.instrument),
    joinedload(Booking.user).joinedload(User.institution),
)


def load_booking(session: Session, booking_id: int) -> Booking:
    row = session.scalars(
        select(Booking).options(*BOOKING_LOAD).where(Booking.id == booking_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no booking {booking_id}", "booking")
    return row


_FACILITY_STAFF = select(FACILITY_STAFF.c.user_id, FACILITY_STAFF.c.role).where(
    FACILITY_STAFF.c.facility_id == bindparam("facility_id")
)


def facility_approvers(session: Session, facility_id: int) -> list[int]:
    """Managers of the facility, or its technicians when it has no manager."""
    rows = run(session, _FACILITY_STAFF, {"facility_id": facility_id}).all()
    managers = [u for u, role in rows if role is StaffRole.MANAGER]
    return managers or [u for u, _ in rows]


def facility_technicians(session: Session, facility_id: int) -> list[User]:
    """The active technicians of a facility, by name: who can assist or be contacted."""
    return list(
        session.scalars(
            select(User)
            .join(FacilityStaff, FacilityStaff.user_id == User.id)
            .where(
                FacilityStaff.facility_id == facility_id,
                FacilityStaff.role == StaffRole.TECHNICIAN,
                User.active.is_(True),
            )
            .order_by(User.display_name)
        )
    )


def require_admin(session: Session, username: str, doing: str) -> Actor:
    """The acting admin; PermissionDenied (exit 1) for anyone else."""
    actor = load_actor(session, username)
    if not (actor.user.is_admin and actor.user.active):
        raise PermissionDenied(f"{username} may not {doing}: that needs an admin", "user")
    return actor

"""Turning rows into records: users, actors, instruments and bookings, loaded in one place."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from equipshare.db.models import (
    Booking,
    Facility,
    FacilityStaff,
    Instrument,
    User,
)
from equipshare.domain import StaffRole
from equipshare.errors import NotFound
from equipshare.permissions import Actor
from equipshare.records import (
    BookingPolicy,
    BookingRecord,
    InstrumentRecord,
    OpeningInterval,
    UserRecord,
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
    user = session.scalars(
        select(User).options(joinedload(User.institution)).where(User.username == username)
    ).one_or_none()
    if user is None:
        raise NotFound(f"no user called {username!r}", "user")
    return user_record(user)


def user_by_id(session: Session, user_id: int) -> UserRecord:
    user = session.scalars(
        select(User).options(joinedload(User.institution)).where(User.id == user_id)
    ).one()
    return user_record(user)


def load_actor(session: Session, username: str) -> Actor:
    """The acting user and the facilities they staff; unknown users may do nothing."""
    user = load_user(session, username)
    facilities = session.scalars(
        select(FacilityStaff.facility_id).where(FacilityStaff.user_id == user.id)
    ).all()
    return Actor(user=user, staff_facility_ids=frozenset(facilities))


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
    )


INSTRUMENT_LOAD = (
    joinedload(Instrument.facility).joinedload(Facility.institution),
    selectinload(Instrument.opening_hours),
)


def load_instrument(session: Session, code: str) -> InstrumentRecord:
    row = session.scalars(
        select(Instrument).options(*INSTRUMENT_LOAD).where(Instrument.code == code)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no instrument with code {code!r}", "instrument")
    return instrument_record(row)


def booking_record(
    row: Booking, *, instrument_code: str | None = None, user: UserRecord | None = None
) -> BookingRecord:
    """The record of `row`; pass what the caller already holds to spare lazy loads."""
    return BookingRecord(
        id=row.id,
        instrument_id=row.instrument_id,
        instrument_code=instrument_code or row.instrument.code,
        user_id=row.user_id,
        username=user.username if user else row.user.username,
        user_institution_code=user.institution_code if user else row.user.institution.code,
        created_by_id=row.created_by_id,
        technician_id=row.technician_id,
        series_id=row.series_id,
        recurrence_start=row.recurrence_start,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=row.status,
        purpose=row.purpose,
        project_code=row.project_code,
        status_reason=row.status_reason,
        ical_uid=row.ical_uid,
        sequence=row.sequence,
        created_at=row.created_at,
        updated_at=row.updated_at,
        user_class=row.user_class,
        hourly_rate_pence=row.hourly_rate_pence,
        technician_rate_pence=row.technician_rate_pence,
        instrument_charge_pence=row.instrument_charge_pence,
        technician_charge_pence=row.technician_charge_pence,
        cancelled_at=row.cancelled_at,
        checked_in_at=row.checked_in_at,
        checked_out_at=row.checked_out_at,
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


def facility_approvers(session: Session, facility_id: int) -> list[int]:
    """Managers of the facility, or its technicians when it has no manager."""
    rows = session.execute(
        select(FacilityStaff.user_id, FacilityStaff.role).where(
            FacilityStaff.facility_id == facility_id
        )
    ).all()
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

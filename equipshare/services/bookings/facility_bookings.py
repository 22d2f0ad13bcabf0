"""FacilityBookingsService: every booking on a facility's instruments, for its staff.

Scope follows the staff right to see anyone's booking there (`permissions.staff_scope`
of VIEW_BOOKING): the facility's managers and technicians, and admins. Anyone else is
refused, naming the right, since the list shows who booked and why.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.scheduling.bookings import FacilityBookingRow
from equipshare.domain.rules.permissions import Action, staff_scope
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.technicians.credit_names import opted_out, staff_shown

MAX_LIMIT = 1000

Booker = aliased(User, name="booker")
Technician = aliased(User, name="technician")


class FacilityBookingsService:
    """Read-only lists of the bookings on one facility's instruments."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def list(
        self,
        actor_username: str,
        facility_code: str,
        *,
        upcoming: bool,
        instrument_code: str | None = None,
        limit: int = 200,
    ) -> tuple[FacilityBookingRow, ...]:
        """Upcoming (not yet ended, soonest first) or past (ended, latest first) bookings.

        Every status is listed, cancelled and rejected too, as the status column says.
        """
        limit = max(1, min(limit, MAX_LIMIT))
        now = self._clock.now()
        with self._db.readonly() as session:
            actor = row_records.load_actor(session, actor_username)
            facility = session.execute(
                select(Facility.id, Facility.name).where(Facility.code == facility_code.strip())
            ).one_or_none()
            if facility is None:
                raise NotFound(f"no facility with code {facility_code.strip()!r}", "facility")
            scope = staff_scope(actor, Action.VIEW_BOOKING)
            if scope is not None and facility.id not in scope:
                who = actor.user.username
                if not actor.user.active:
                    raise PermissionDenied(
                        f"{who} may not see the bookings of {facility.name}: "
                        "the account is deactivated"
                    )
                raise PermissionDenied(
                    f"{who} may not see the bookings of {facility.name}: that needs a "
                    f"manager or technician of {facility.name}, or an admin",
                    "facility",
                )
            statement = (
                select(
                    Booking.id,
                    Instrument.code,
                    Instrument.name,
                    Facility.timezone,
                    Booking.starts_at,
                    Booking.ends_at,
                    Booking.status,
                    Booker.username,
                    Institution.code.label("institution_code"),
                    Booking.purpose,
                    Booking.project_code,
                    Technician.username.label("technician"),
                    Technician.id.label("technician_id"),
                    Booking.checked_in_at,
                    Booking.checked_out_at,
                    Booking.hourly_rate_pence,
                    (Booking.instrument_charge_pence + Booking.technician_charge_pence).label(
                        "charge"
                    ),
                )
                .join(Instrument, Booking.instrument_id == Instrument.id)
                .join(Facility, Instrument.facility_id == Facility.id)
                .join(Booker, Booking.user_id == Booker.id)
                .join(Institution, Booker.institution_id == Institution.id)
                .outerjoin(Technician, Booking.technician_id == Technician.id)
                .where(Facility.id == facility.id)
            )
            if instrument_code is not None:
                instrument = row_records.load_instrument(session, instrument_code.strip())
                if instrument.facility_id != facility.id:
                    raise InputError(
                        f"instrument: {instrument.code} is not an instrument of {facility.name}",
                        "instrument",
                    )
                statement = statement.where(Booking.instrument_id == instrument.id)
            if upcoming:
                statement = statement.where(Booking.ends_at > now).order_by(
                    Booking.starts_at, Booking.id
                )
            else:
                statement = statement.where(Booking.ends_at <= now).order_by(
                    Booking.starts_at.desc(), Booking.id.desc()
                )
            rows = session.execute(statement.limit(limit)).all()
            hidden = opted_out(session)
        return tuple(
            FacilityBookingRow(
                booking_id=row.id,
                instrument_code=row.code,
                instrument_name=row.name,
                facility_name=facility.name,
                timezone=row.timezone,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                status=row.status,
                username=row.username,
                user_institution_code=row.institution_code,
                purpose=row.purpose,
                project_code=row.project_code,
                technician_username=staff_shown(
                    row.technician, row.technician_id, facility.id, actor, hidden
                ),
                checked_in_at=row.checked_in_at,
                checked_out_at=row.checked_out_at,
                charge_pence=None if row.hourly_rate_pence is None else row.charge,
            )
            for row in rows
        )

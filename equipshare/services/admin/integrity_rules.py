"""`equipshare check`'s booking-rule invariants: access and approval, as every path keeps them.

Every path that writes bookings (the form, the CLI, series, moves, the calendar import)
holds a booking to the same rules, or carries an override by someone allowed to make
it. Two of those rules leave a mark `check` can read back in one query each:

- access (rule 2) yields to no override, so an active booking whose owner's institution
  the instrument's access level refuses is always a problem;
- approval (rule 7): a confirmed booking that needs approval must have been decided by
  someone (`decided_by_id`: an approval, or an import's explicit, audited override), or
  been made by someone who may approve it (the facility's staff or an admin, whose own
  bookings need not wait for themselves). A calendar import's rows are made by staff, so
  for them only a decision counts: the import confirms what needs approval only with
  `--override`, which writes the importer's decision.

Like the other invariants these judge by today's settings, so a booking left behind by a
tightened access level or a new approval rule is reported too, as the catalogue's
policy-change preview reports it.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, exists, not_, or_, select
from sqlalchemy.orm import aliased

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, FacilityStaff, Institution, Instrument, User
from equipshare.domain.enums import (
    ACTIVE_BOOKING_STATUSES,
    AccessLevel,
    BookingStatus,
    InstitutionSector,
    Role,
)
from equipshare.domain.records.operations.maintenance import IntegrityProblem

CHECKS = ("booking without access", "unapproved booking")
IMPORTED = "import:%"  # the ical_uid prefix a calendar import gives its rows
_ACTIVE = [status.value for status in ACTIVE_BOOKING_STATUSES]


def bookings_without_access(conn: Connection) -> list[IntegrityProblem]:
    """Active bookings whose owner's institution the instrument's access level refuses."""
    owner = aliased(User)
    home = aliased(Institution)
    level = Instrument.access_level
    refused = or_(
        level == AccessLevel.INSTITUTION.value,
        and_(level == AccessLevel.CONSORTIUM.value, home.is_partner.is_(False)),
        and_(
            level == AccessLevel.EXTERNAL_ACADEMIC.value,
            home.is_partner.is_(False),
            home.sector != InstitutionSector.ACADEMIC.value,
        ),
    )
    rows = conn.execute(
        select(Booking.id, Booking.status, owner.id, Instrument.code, home.code, level)
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .join(owner, owner.id == Booking.user_id)
        .join(home, home.id == owner.institution_id)
        .where(Booking.status.in_(_ACTIVE), home.id != Facility.institution_id, refused)
        .order_by(Booking.id)
    ).all()
    return [
        IntegrityProblem(
            "booking without access",
            f"booking {booking}, user {user}",
            f"{_value(status)} booking {booking} on {code} belongs to user {user} "
            f"of {institution}, which its access level ({_value(access)}) does not admit",
        )
        for booking, status, user, code, institution, access in rows
    ]


def unapproved_bookings(conn: Connection) -> list[IntegrityProblem]:
    """Confirmed bookings that need approval, were never decided, and whose maker could not
    approve them (or, for an import's rows, were confirmed without an explicit override)."""
    owner = aliased(User)
    maker = aliased(User)
    may_approve = or_(
        maker.role == Role.ADMIN.value,
        exists().where(
            FacilityStaff.user_id == Booking.created_by_id,
            FacilityStaff.facility_id == Instrument.facility_id,
        ),
    )
    rows = conn.execute(
        select(Booking.id, owner.id, Instrument.code)
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .join(owner, owner.id == Booking.user_id)
        .outerjoin(maker, maker.id == Booking.created_by_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED.value,
            Booking.decided_by_id.is_(None),
            or_(
                Instrument.requires_approval.is_(True),
                owner.institution_id != Facility.institution_id,
            ),
            or_(Booking.ical_uid.like(IMPORTED), not_(may_approve)),
        )
        .order_by(Booking.id)
    ).all()
    return [
        IntegrityProblem(
            "unapproved booking",
            f"booking {booking}, user {user}",
            f"confirmed booking {booking} on {code} for user {user} needs approval, and "
            "nobody who may approve it approved or made it",
        )
        for booking, user, code in rows
    ]


def _value(access: object) -> str:
    return str(getattr(access, "value", access)).replace("_", " ")

"""The national dataset obeys the rules `equipshare check` reads back, and arrives with its
booking roll-ups filled: a benchmark over bookings nobody could have made measures the wrong
thing, and a report benchmark over an empty roll-up measures nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.generate import QUICK_SCALE, generate
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, FacilityStaff, Institution, Instrument, User
from equipshare.db.models.rollups import BookingRollup
from equipshare.domain.enums import InstitutionSector
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.plumbing.context import ServiceContext


def test_a_quick_dataset_passes_check_with_its_roll_ups_filled(
    context: ServiceContext, database_url: str
) -> None:
    generated = generate(database_url, QUICK_SCALE, say=lambda _: None)

    report = IntegrityService(context).check()

    assert [(p.check, p.ids) for p in report.problems] == []
    assert generated.counts["booking_rollups"] > 0
    with context.database.readonly() as session:
        rollups = session.scalar(select(func.count()).select_from(BookingRollup))
        assert rollups == generated.counts["booking_rollups"]
        # The rules were met by the data, not dodged by leaving it out: industry and other
        # universities' users book (so needed approval and access), trained users book
        # training-only instruments, and every technician is on some facility's staff.
        owner_home = Institution.id == User.institution_id
        cross = (
            select(Institution.sector, func.count(), func.count(Booking.decided_by_id))
            .join(User, User.id == Booking.user_id)
            .join(Institution, owner_home)
            .join(Instrument, Instrument.id == Booking.instrument_id)
            .join(Facility, Facility.id == Instrument.facility_id)
            .where(Facility.institution_id != User.institution_id, Booking.status == "confirmed")
            .group_by(Institution.sector)
        )
        by_sector = {sector: (n, decided) for sector, n, decided in session.execute(cross)}
        assert set(by_sector) == {InstitutionSector.ACADEMIC, InstitutionSector.INDUSTRY}
        assert all(n == decided > 0 for n, decided in by_sector.values())
        trained_only = select(func.count()).select_from(Booking).join(Instrument)
        assert (session.scalar(trained_only.where(Instrument.requires_training.is_(True))) or 0) > 0
        unstaffed = select(func.count()).where(
            User.role == "technician", ~User.id.in_(select(FacilityStaff.user_id))
        )
        assert session.scalar(unstaffed) == 0

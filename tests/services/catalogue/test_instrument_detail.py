"""InstrumentDetailService: rates by user class, training in words, private coming bookings.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT in London); see tests/support/world.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.charging import RateCard
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import DowntimeReason, TrainingLevel, UserClass
from equipshare.domain.errors import NotFound
from equipshare.domain.records.instruments.catalogue import InstrumentDetail
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.timewords import local_range
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.catalogue.detail import InstrumentDetailService, training_words
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"


def words(detail: InstrumentDetail) -> str:
    return training_words(detail.training, detail.instrument.timezone, detail.training_contact)


def add_rates(context: ServiceContext, world: World) -> None:
    """XPS prices: internal changed last August and changes again next August."""
    cards = [
        (UserClass.INTERNAL, date(2024, 8, 1), "40.00", "70.00"),
        (UserClass.INTERNAL, date(2025, 8, 1), "50.00", "75.00"),
        (UserClass.INTERNAL, date(2026, 8, 1), "60.00", "80.00"),
        (UserClass.PARTNER, date(2025, 8, 1), "67.50", "75.00"),
        (UserClass.EXTERNAL_ACADEMIC, date(2025, 8, 1), "100.00", "90.00"),
    ]
    with context.database.sessions.begin() as session:
        session.add_all(
            RateCard(
                instrument_id=world.instruments[XPS],
                user_class=user_class,
                valid_from=valid_from,
                hourly_rate=Decimal(hourly),
                technician_hourly_rate=Decimal(technician),
                currency="GBP",
            )
            for user_class, valid_from, hourly, technician in cards
        )


@pytest.mark.parametrize(
    ("user", "user_class", "hourly", "technician"),
    [
        ("alice", UserClass.INTERNAL, "50.00", "75.00"),  # the card in force, not next year's
        ("bob", UserClass.PARTNER, "67.50", "75.00"),
        ("carol", UserClass.EXTERNAL_ACADEMIC, "100.00", "90.00"),
        ("dave", UserClass.INDUSTRY, None, None),  # no industry card: no rate set
    ],
)
def test_rate_is_the_current_card_for_the_viewers_user_class(
    context: ServiceContext,
    world: World,
    user: str,
    user_class: UserClass,
    hourly: str | None,
    technician: str | None,
) -> None:
    add_rates(context, world)
    detail = InstrumentDetailService(context).detail(user, XPS)
    assert detail.user_class is user_class
    if hourly is None:
        assert detail.rate is None
        return
    assert detail.rate is not None
    assert detail.rate.user_class is user_class
    assert detail.rate.hourly_rate == Decimal(hourly)
    assert detail.rate.technician_hourly_rate == Decimal(technician or "")
    assert isinstance(detail.rate.hourly_rate, Decimal)
    assert detail.rate.currency == "GBP"


def test_training_status_in_words(context: ServiceContext, world: World) -> None:
    service = InstrumentDetailService(context)
    # alice's independent training runs to 2028-01-01 00:00 UTC, midnight ending 31 Dec 2027.
    assert words(service.detail("alice", XPS)) == "trained until 31 Dec 2027"
    # No facility email in the world: the first technician is the one to ask.
    assert words(service.detail("erin", XPS)) == "training required: contact tech@example.ac.uk"
    assert words(service.detail("erin", "WAR-MEG-01")) == "no training needed"

    with context.database.sessions.begin() as session:
        session.execute(
            update(Facility)
            .where(Facility.id == world.facilities["WAR-PRP"])
            .values(email="prp@warwick.example")
        )
        session.add_all(
            [
                TrainingRecord(
                    user_id=world.users["erin"],
                    instrument_id=world.instruments[XPS],
                    level=TrainingLevel.INDEPENDENT,
                    trained_at=datetime(2025, 3, 1, tzinfo=UTC),
                    expires_at=datetime(2026, 3, 1, tzinfo=UTC),
                ),
                TrainingRecord(
                    user_id=world.users["dave"],
                    instrument_id=world.instruments[XPS],
                    level=TrainingLevel.SUPERVISED,
                    trained_at=datetime(2026, 3, 1, tzinfo=UTC),
                ),
            ]
        )
    assert words(service.detail("erin", XPS)) == (
        "training expired on 28 Feb 2026: contact prp@warwick.example to renew it"
    )
    assert words(service.detail("dave", XPS)) == (
        "supervised use only: contact prp@warwick.example for independent training"
    )
    assert words(service.detail("bob", "AST-SEM-01")) == "no training needed"


def test_other_peoples_bookings_show_only_their_institution(
    context: ServiceContext, world: World
) -> None:
    with context.database.sessions.begin() as session:
        session.add(
            TrainingRecord(
                user_id=world.users["erin"],
                instrument_id=world.instruments[XPS],
                level=TrainingLevel.INDEPENDENT,
                trained_at=datetime(2026, 3, 1, tzinfo=UTC),
            )
        )
    bookings = BookingService(context)
    bookings.book("alice", BookingRequest(XPS, london(2026, 3, 16, 11), london(2026, 3, 16, 12)))
    bookings.book("bob", BookingRequest(XPS, london(2026, 3, 16, 13), london(2026, 3, 16, 14)))
    bookings.book("erin", BookingRequest(XPS, london(2026, 3, 17, 9), london(2026, 3, 17, 10)))
    service = InstrumentDetailService(context)

    def labels(viewer: str) -> list[str]:
        return [b.label for b in service.detail(viewer, XPS).upcoming]

    # A colleague from the same university is as anonymous as anyone else.
    assert labels("alice") == [
        "you",
        "Booked (Aston University)",
        "Booked (University of Warwick)",
    ]
    assert labels("bob") == [
        "Booked (University of Warwick)",
        "you",
        "Booked (University of Warwick)",
    ]
    # A technician of another facility is no wiser than anyone else.
    assert labels("otherstaff")[0] == "Booked (University of Warwick)"
    named = ["Alice (University of Warwick)", "Bob (Aston University)"]
    assert labels("tech")[:2] == named  # staff of the facility see who
    assert labels("root")[:2] == named  # and so does an admin
    upcoming = service.detail("alice", XPS).upcoming
    # bob's booking is cross-institution, so it waits for approval.
    assert [(b.mine, b.pending) for b in upcoming] == [(True, False), (False, True), (False, False)]
    assert local_range(upcoming[0].starts_at, upcoming[0].ends_at, "Europe/London") == (
        "Mon 16 Mar 2026 11:00-12:00 GMT"
    )


def test_contacts_downtime_and_description(context: ServiceContext, world: World) -> None:
    with context.database.sessions.begin() as session:
        session.execute(
            update(Instrument)
            .where(Instrument.id == world.instruments[XPS])
            .values(
                description="  Kratos Axis Supra.  ",
                location="Room P5.21, Physics",
                contact_technician_id=world.users["tech2"],
                contact_name="Tech Two",
                contact_email="TECH2@example.ac.uk",
                secondary_contact_name="Front desk",
                secondary_contact_email="desk@example.ac.uk",
                secondary_contact_telephone="024 7652 0000",
            )
        )
    DowntimeService(context).schedule(
        "tech",
        XPS,
        london(2026, 3, 20, 9),
        london(2026, 3, 20, 17),
        DowntimeReason.CALIBRATION,
        "annual",
    )
    detail = InstrumentDetailService(context).detail("bob", XPS)
    assert detail.description == "Kratos Axis Supra."
    assert detail.location == "Room P5.21, Physics"
    # The contact technician first, the same person's uniquip entry folded in, then the rest.
    assert [(p.name, p.email, p.role) for p in detail.contacts] == [
        ("Tech2", "tech2@example.ac.uk", "contact technician"),
        ("Front desk", "desk@example.ac.uk", "secondary contact"),
        ("Tech", "tech@example.ac.uk", "technician"),
    ]
    assert detail.contacts[1].telephone == "024 7652 0000"
    assert detail.next_downtime is not None
    assert detail.next_downtime.reason is DowntimeReason.CALIBRATION
    assert detail.next_downtime.starts_at == london(2026, 3, 20, 9)
    assert InstrumentDetailService(context).detail("bob", "WAR-MEG-01").next_downtime is None


def test_unknown_instrument_or_user_is_not_found(context: ServiceContext, world: World) -> None:
    service = InstrumentDetailService(context)
    with pytest.raises(NotFound):
        service.detail("alice", "NOPE-01")
    with pytest.raises(NotFound):
        service.detail("nobody", XPS)

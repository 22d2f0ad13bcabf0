"""InstrumentDetailService: what one viewer needs to know about an instrument, in one read.

Decisions worth knowing:
- The user class for prices is the viewer's relation to the instrument's institution:
  internal, then consortium partner, then industry (a commercial organisation), else
  external academic. The rate card in force is the latest one valid on the facility's
  local date.
- Other people's bookings read "Booked (Institution)" unless the viewer staffs the
  instrument's facility or is an admin, who see the booker's name.
- Training is judged now, as the booking rule judges it (independent, unrevoked,
  unexpired); supervised-only training does not let a user book alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.models.charging import RateCard
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import (
    ACTIVE_BOOKING_STATUSES,
    LONGEST_BOOKING,
    BookingStatus,
    TrainingLevel,
    TrainingStanding,
    UserClass,
)
from equipshare.domain.errors import NotFound
from equipshare.domain.money.charging import user_class_of
from equipshare.domain.records.instruments.catalogue import (
    ContactPerson,
    DowntimeRecord,
    InstrumentDetail,
    InstrumentRecord,
    RateQuote,
    UpcomingBooking,
)
from equipshare.domain.records.users.people import TrainingStatus, UserRecord
from equipshare.domain.rules.permissions import Actor, sees_who_booked
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext

#: How many coming bookings the screen lists.
UPCOMING = 5
#: How many people the contacts section names.
MAX_CONTACTS = 4


def day_words(instant: datetime, timezone: str) -> str:
    """'3 Mar 2027': the last local day an expiry at `instant` still covers."""
    day = (instant - timedelta(microseconds=1)).astimezone(ZoneInfo(timezone)).date()
    return f"{day.day} {day:%b %Y}"


def training_words(training: TrainingStatus, timezone: str, contact: str) -> str:
    """'trained until 3 Mar 2027', 'training required: contact x@y', 'no training needed'..."""
    ask = f"contact {contact}" if contact else "contact the facility"
    standing = training.standing
    if standing is TrainingStanding.NOT_REQUIRED:
        return "no training needed"
    if standing is TrainingStanding.TRAINED:
        if training.until is None:
            return "trained, with no expiry"
        return f"trained until {day_words(training.until, timezone)}"
    if standing is TrainingStanding.EXPIRED and training.until is not None:
        return f"training expired on {day_words(training.until, timezone)}: {ask} to renew it"
    if standing is TrainingStanding.SUPERVISED:
        return f"supervised use only: {ask} for independent training"
    return f"training required: {ask}"


def booking_label(actor: Actor, instrument: InstrumentRecord, owner: User, institution: str) -> str:
    """'you'; the booker's name for facility staff and admins; else only the institution."""
    if owner.id == actor.id:
        return "you"
    if sees_who_booked(actor, instrument.facility_id):
        return f"{owner.display_name} ({institution})"
    return f"Booked ({institution})"


def training_status(
    session: Session, user: UserRecord, instrument: InstrumentRecord, now: datetime
) -> TrainingStatus:
    """Where `user` stands on `instrument` now; `until` is the deciding record's expiry."""
    if not instrument.policy.requires_training:
        return TrainingStatus(TrainingStanding.NOT_REQUIRED)
    rows = session.execute(
        select(TrainingRecord.level, TrainingRecord.expires_at).where(
            TrainingRecord.user_id == user.id,
            TrainingRecord.instrument_id == instrument.id,
            TrainingRecord.revoked_at.is_(None),
            TrainingRecord.trained_at <= now,
        )
    ).all()
    current = [(level, expires) for level, expires in rows if expires is None or expires > now]
    independent = [expires for level, expires in current if level is TrainingLevel.INDEPENDENT]
    if independent:
        until = None if None in independent else max(e for e in independent if e is not None)
        return TrainingStatus(TrainingStanding.TRAINED, until)
    if current:
        return TrainingStatus(TrainingStanding.SUPERVISED)
    lapsed = [
        expires
        for level, expires in rows
        if level is TrainingLevel.INDEPENDENT and expires is not None
    ]
    if lapsed:
        return TrainingStatus(TrainingStanding.EXPIRED, max(lapsed))
    return TrainingStatus(TrainingStanding.NOT_TRAINED)


def current_rate(
    session: Session, instrument: InstrumentRecord, user_class: UserClass, now: datetime
) -> RateQuote | None:
    """The latest rate card for the class that is valid on the facility's local date."""
    today = now.astimezone(ZoneInfo(instrument.timezone)).date()
    card = session.scalars(
        select(RateCard)
        .where(
            RateCard.instrument_id == instrument.id,
            RateCard.user_class == user_class,
            RateCard.valid_from <= today,
        )
        .order_by(RateCard.valid_from.desc())
        .limit(1)
    ).first()
    if card is None:
        return None
    return RateQuote(
        user_class=user_class,
        hourly_rate=card.hourly_rate,
        technician_hourly_rate=card.technician_hourly_rate,
        currency=card.currency,
        valid_from=card.valid_from,
    )


def contacts_of(
    session: Session, row: Instrument, technicians: Sequence[User]
) -> tuple[ContactPerson, ...]:
    """The contact technician, the published uniquip contacts, then the facility's technicians."""
    people: list[ContactPerson] = []
    contact = session.get(User, row.contact_technician_id) if row.contact_technician_id else None
    if contact is not None and contact.active:
        people.append(
            ContactPerson(contact.display_name, contact.email, None, "contact technician")
        )
    for name, email, telephone, role in (
        (row.contact_name, row.contact_email, row.contact_telephone, "contact"),
        (
            row.secondary_contact_name,
            row.secondary_contact_email,
            row.secondary_contact_telephone,
            "secondary contact",
        ),
    ):
        if name or email:
            people.append(ContactPerson(name or email or "", email, telephone, role))
    people += [ContactPerson(t.display_name, t.email, None, "technician") for t in technicians]
    unique: list[ContactPerson] = []
    for person in people:
        key = (person.email or person.name).lower()
        if all((seen.email or seen.name).lower() != key for seen in unique):
            unique.append(person)
    return tuple(unique[:MAX_CONTACTS])


class InstrumentDetailService:
    """Read-only: one instrument as the instrument screen shows it to one viewer."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def detail(self, actor_username: str, code: str) -> InstrumentDetail:
        """Facts, contacts, the viewer's rate and training, coming bookings and downtime."""
        now = self._clock.now()
        with self._db.reads() as session:
            actor = row_records.load_actor(session, actor_username)
            row = session.scalars(
                select(Instrument)
                .options(*row_records.INSTRUMENT_LOAD)
                .where(Instrument.code == code)
            ).one_or_none()
            if row is None:
                raise NotFound(f"no instrument with code {code!r}", "instrument")
            instrument = row_records.instrument_record(row)
            technicians = row_records.facility_technicians(session, instrument.facility_id)
            contacts = contacts_of(session, row, technicians)
            user_class = user_class_of(actor.user, instrument)
            facility: Facility = row.facility
            return InstrumentDetail(
                instrument=instrument,
                description=row.description.strip(),
                location=row.location
                or ", ".join(p for p in (row.room, row.building, row.site_location) if p),
                web_address=row.web_address or facility.web_address,
                contacts=contacts,
                user_class=user_class,
                rate=current_rate(session, instrument, user_class, now),
                training=training_status(session, actor.user, instrument, now),
                training_contact=facility.email or next((p.email for p in contacts if p.email), ""),
                upcoming=self._upcoming(session, actor, instrument, now),
                next_downtime=self._next_downtime(session, instrument, now),
                now=now,
            )

    @staticmethod
    def _upcoming(
        session: Session, actor: Actor, instrument: InstrumentRecord, now: datetime
    ) -> tuple[UpcomingBooking, ...]:
        rows = session.execute(
            select(Booking, User, Institution.name)
            .join(User, Booking.user_id == User.id)
            .join(Institution, User.institution_id == Institution.id)
            .where(
                Booking.instrument_id == instrument.id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.ends_at > now,
                Booking.starts_at > now - LONGEST_BOOKING,  # reads only what could be on
            )
            .order_by(Booking.starts_at)
            .limit(UPCOMING)
        ).all()
        return tuple(
            UpcomingBooking(
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                label=booking_label(actor, instrument, owner, institution),
                mine=owner.id == actor.id,
                pending=booking.status is BookingStatus.PENDING,
            )
            for booking, owner, institution in rows
        )

    @staticmethod
    def _next_downtime(
        session: Session, instrument: InstrumentRecord, now: datetime
    ) -> DowntimeRecord | None:
        row = session.scalars(
            select(Downtime)
            .where(Downtime.instrument_id == instrument.id, Downtime.ends_at > now)
            .order_by(Downtime.starts_at)
            .limit(1)
        ).first()
        if row is None:
            return None
        return DowntimeRecord(
            id=row.id,
            instrument_id=row.instrument_id,
            instrument_code=instrument.code,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            reason=row.reason,
            description=row.description,
        )

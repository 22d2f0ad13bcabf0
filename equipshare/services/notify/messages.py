"""Turning an outbox row into the email a person reads, or a reason it must not go.

Rendered when sent, not when queued: the body then shows the booking as it stands, in
its facility's zone with the zone named, and a message whose subject has moved on since
(approved, cancelled, moved, superseded: see staleness.py) is withheld instead of sent.
Plain text, no links: a link in an automated mail is what phishing filters and careful
readers distrust.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument, User
from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.db.models.training import TrainingRecord
from equipshare.db.models.web import SignInLink
from equipshare.domain.enums import NotificationKind
from equipshare.domain.time.timewords import local_range
from equipshare.services.notify.outbox import local_instant, renewed, training_expiry_key
from equipshare.services.notify.staleness import why_stale

TITLES = {
    NotificationKind.BOOKING_CONFIRMED: "Booked",
    NotificationKind.APPROVAL_NEEDED: "Approval needed",
    NotificationKind.BOOKING_APPROVED: "Booking approved",
    NotificationKind.BOOKING_REJECTED: "Booking rejected",
    NotificationKind.BOOKING_CANCELLED: "Booking cancelled",
    NotificationKind.CANCELLED_BY_DOWNTIME: "Booking cancelled for downtime",
    NotificationKind.WAITLIST_OFFER: "Slot free",
    NotificationKind.TRAINING_EXPIRING: "Training expiring",
    NotificationKind.BOOKING_REMINDER: "Reminder",
}


@dataclass(frozen=True)
class Rendered:
    """The email for one row: recipient, subject and body."""

    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Withheld:
    """Why a row is not sent at all (recorded on the row as it is marked skipped)."""

    reason: str


def _instrument(session: Session, instrument_id: int) -> tuple[Instrument, Facility]:
    row = session.execute(
        select(Instrument, Facility)
        .join(Facility, Instrument.facility_id == Facility.id)
        .where(Instrument.id == instrument_id)
    ).one()
    return row.Instrument, row.Facility


def _details(instrument: Instrument, facility: Facility, when: str, extra: list[str]) -> list[str]:
    return [
        f"  Instrument: {instrument.code}, {instrument.name}",
        f"  Facility:   {facility.name}",
        f"  When:       {when} ({facility.timezone})",
        *extra,
    ]


def _about_booking(session: Session, row: Notification) -> tuple[str, list[str]] | Withheld:
    booking = session.get(Booking, row.booking_id)
    if booking is None:  # pragma: no cover - a foreign key keeps it
        return Withheld("the booking no longer exists")
    instrument, facility = _instrument(session, booking.instrument_id)
    when = local_range(booking.starts_at, booking.ends_at, facility.timezone)
    lines = _details(
        instrument,
        facility,
        when,
        [f"  Booking:    {booking.id} ({booking.status.value.replace('_', ' ')})"],
    )
    return f"{instrument.code} {when}", lines


def _about_waitlist(session: Session, row: Notification) -> tuple[str, list[str]] | None:
    entry_id = (row.payload or {}).get("waitlist_entry")
    entry = session.get(WaitlistEntry, entry_id) if isinstance(entry_id, int) else None
    if entry is None:
        return None
    instrument, facility = _instrument(session, entry.instrument_id)
    when = local_range(entry.starts_at, entry.ends_at, facility.timezone)
    return f"{instrument.code} {when}", _details(instrument, facility, when, [])


def _about_training(session: Session, row: Notification) -> tuple[str, list[str]] | Withheld:
    record_id = (row.payload or {}).get("training_record")
    record = session.get(TrainingRecord, record_id) if isinstance(record_id, int) else None
    if record is None or record.expires_at is None or record.revoked_at is not None:
        return Withheld("the training record was revoked or no longer expires")
    if row.dedupe_key != training_expiry_key(record.id, record.expires_at):
        return Withheld("the training's expiry changed since this warning was queued")
    if renewed(session, record):
        return Withheld("the training was renewed since this warning was queued")
    instrument, facility = _instrument(session, record.instrument_id)
    expires = local_instant(record.expires_at, facility.timezone)
    lines = [
        f"  Instrument: {instrument.code}, {instrument.name}",
        f"  Facility:   {facility.name}",
        f"  Expires:    {expires} ({facility.timezone})",
        f"  Level:      {record.level.value}",
    ]
    return f"{instrument.code} on {expires}", lines


def _sign_in_link(session: Session, row: Notification, now: datetime) -> SignInLink | Withheld:
    """The link a sign-in message carries, or why it must not go (used, expired, unknown)."""
    link_id = (row.payload or {}).get("sign_in_link")
    link = session.get(SignInLink, link_id) if isinstance(link_id, int) else None
    if link is None:
        return Withheld("the sign-in link is not known")
    if link.used_at is not None:
        return Withheld("the sign-in link has been used already")
    if now >= link.expires_at:
        return Withheld("the sign-in link expired before it could be sent")
    return link


def render(
    session: Session, row: Notification, organisation: str, now: datetime
) -> Rendered | Withheld:
    """The email for `row` sent at `now`, or why it is withheld (recipient gone, moved on...)."""
    if row.kind is NotificationKind.SIGN_IN_LINK and (row.payload or {}).get("sign_in_link"):
        link = _sign_in_link(session, row, now)
        if isinstance(link, Withheld):
            return link
        if row.user_id is None:  # an address with no account yet: the account comes later
            return Rendered(
                to=link.email,
                subject=row.subject,
                body=_closed(["Hello,", "", row.body], organisation),
            )
    user = session.get(User, row.user_id) if row.user_id is not None else None
    if user is None or not user.active:
        return Withheld("recipient's account is deactivated")
    if not user.email or "@" not in user.email:
        return Withheld("recipient has no email address (anonymised?)")
    stale = why_stale(session, row, now)
    if stale is not None:
        return Withheld(stale)
    about: tuple[str, list[str]] | Withheld | None = None
    if row.booking_id is not None:
        about = _about_booking(session, row)
    elif row.kind is NotificationKind.WAITLIST_OFFER:
        about = _about_waitlist(session, row)
    elif row.kind is NotificationKind.TRAINING_EXPIRING:
        about = _about_training(session, row)
    if isinstance(about, Withheld):
        return about
    if about is None:
        subject, details = row.subject, []
    else:
        subject, details = f"{TITLES[row.kind]}: {about[0]}", about[1]
    body = [f"Hello {user.display_name},", "", row.body]
    if details:
        body += ["", *details]
    return Rendered(to=user.email, subject=subject, body=_closed(body, organisation))


def _closed(body: list[str], organisation: str) -> str:
    """The message's lines with the signature every equipshare email ends with."""
    body = [
        *body,
        "",
        "--",
        f"Sent by equipshare for {organisation}; replies are not read.",
        "Open equipshare to see or change your bookings.",
    ]
    return "\n".join(body) + "\n"

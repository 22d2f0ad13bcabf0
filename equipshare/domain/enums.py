"""Enums and frozen records shared by every layer; imports nothing from equipshare."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class InstitutionSector(StrEnum):
    """Whether an organisation is academic or commercial; drives access and charging."""

    ACADEMIC = "academic"
    INDUSTRY = "industry"


class Role(StrEnum):
    """What a user may do across the system."""

    RESEARCHER = "researcher"
    TECHNICIAN = "technician"
    FACILITY_MANAGER = "facility_manager"
    ADMIN = "admin"


class StaffRole(StrEnum):
    """A user's role inside one facility."""

    MANAGER = "manager"
    TECHNICIAN = "technician"


class InstrumentStatus(StrEnum):
    """Operational state of an instrument; only some states take bookings."""

    AVAILABLE = "available"
    LIMITED = "limited"
    OUT_OF_SERVICE = "out_of_service"
    RETIRED = "retired"

    @property
    def bookable(self) -> bool:
        return self in (InstrumentStatus.AVAILABLE, InstrumentStatus.LIMITED)


class AccessLevel(StrEnum):
    """Who may book an instrument, from narrowest to widest."""

    INSTITUTION = "institution"
    CONSORTIUM = "consortium"
    EXTERNAL_ACADEMIC = "external_academic"
    INDUSTRY = "industry"


class UserClass(StrEnum):
    """Charging class of a user relative to an instrument's institution."""

    INTERNAL = "internal"
    PARTNER = "partner"
    EXTERNAL_ACADEMIC = "external_academic"
    INDUSTRY = "industry"


class TrainingLevel(StrEnum):
    """How far a user is trusted on an instrument."""

    SUPERVISED = "supervised"
    INDEPENDENT = "independent"


class ChargeBasis(StrEnum):
    """What a facility charges for: the time booked, or the time between check-in and out."""

    BOOKED = "booked"
    ACTUAL = "actual"


class BookingStatus(StrEnum):
    """Life cycle of a booking; pending and confirmed bookings hold their slot."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    COMPLETED = "completed"
    NO_SHOW = "no_show"

    @property
    def holds_slot(self) -> bool:
        return self in ACTIVE_BOOKING_STATUSES


ACTIVE_BOOKING_STATUSES = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED})

# No booking lasts longer than this, whatever its instrument's policy or the calendar it
# was imported from: the cap bounds every overlap check to the bookings that start at
# most this long before the range in question, so the check reads a few rows, not years.
LONGEST_BOOKING_MINUTES = 14 * 24 * 60
LONGEST_BOOKING = timedelta(minutes=LONGEST_BOOKING_MINUTES)


class DowntimeReason(StrEnum):
    """Why an instrument is unavailable."""

    MAINTENANCE = "maintenance"
    CALIBRATION = "calibration"
    REPAIR = "repair"
    ENGINEER_VISIT = "engineer_visit"
    OTHER = "other"


class UniquipType(StrEnum):
    """The uniquip "Type" column: a single instrument or a whole facility."""

    EQUIPMENT = "equipment"
    FACILITY = "facility"


class WaitlistStatus(StrEnum):
    """Where a waitlist entry stands."""

    WAITING = "waiting"
    OFFERED = "offered"  # the range is held for this waiter until hold_expires_at
    WITHDRAWN = "withdrawn"  # the waiter left the line
    ACCEPTED = "accepted"  # the waiter booked the range they were offered
    EXPIRED = "expired"  # the hold ran out, or the range came too late to book


class NotificationKind(StrEnum):
    """What a queued message is about; a later milestone delivers them by email."""

    BOOKING_CONFIRMED = "booking_confirmed"
    APPROVAL_NEEDED = "approval_needed"
    BOOKING_APPROVED = "booking_approved"
    BOOKING_REJECTED = "booking_rejected"
    BOOKING_CANCELLED = "booking_cancelled"
    CANCELLED_BY_DOWNTIME = "cancelled_by_downtime"
    WAITLIST_OFFER = "waitlist_offer"
    TRAINING_EXPIRING = "training_expiring"  # time-based: `equipshare notify` enqueues it
    BOOKING_REMINDER = "booking_reminder"  # time-based: `equipshare notify` enqueues it
    SIGN_IN_LINK = "sign_in_link"  # a one-time link to sign in to `equipshare serve`


class NotificationStatus(StrEnum):
    """Where a queued message stands on its way out; `sending` is claimed, outcome unknown."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class CalendarEntryKind(StrEnum):
    """How the week calendar colours an entry; the acting user's own bookings stand apart."""

    MINE = "mine"
    CONFIRMED = "confirmed"
    PENDING = "pending"
    DOWNTIME = "downtime"
    HELD = "held"  # a freed range held for the viewer, first on its waitlist


class TrainingStanding(StrEnum):
    """A requester's training on an instrument, judged at the end of the booking they ask for."""

    NOT_REQUIRED = "not_required"
    TRAINED = "trained"  # independent training that lasts past the booking's end
    LAPSES = "lapses"  # trained now, but the training expires before the booking ends
    EXPIRED = "expired"  # independent training that has already expired
    SUPERVISED = "supervised"  # only supervised training: may not work alone
    NOT_TRAINED = "not_trained"


class TrainingState(StrEnum):
    """Where a training record stands now: computed from the clock, never stored."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class CalendarEventStatus(StrEnum):
    """An exported event's RFC 5545 STATUS; a cancelled one stays for a grace period."""

    TENTATIVE = "TENTATIVE"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class ExportKind(StrEnum):
    """Whose calendar an export covers: one instrument, facility, institution or user."""

    INSTRUMENT = "instrument"
    FACILITY = "facility"
    INSTITUTION = "institution"
    USER = "user"


class ImportAction(StrEnum):
    """What a calendar import did (or, in a dry run, would do) with one event."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    CONFLICT = "conflict"
    #: A booking rule (access, training, policy, quota) refused the event.
    REFUSED = "refused"

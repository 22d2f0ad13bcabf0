"""Who may do what: the one place every service asks before it acts.

Pure: it decides from the actor (with the facilities they staff) and the target, and
its refusals name the right that is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from equipshare.domain.errors import PermissionDenied
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.users.people import UserRecord


class Action(StrEnum):
    """Everything an actor may try, with the words a refusal uses."""

    BOOK = "book"
    BOOK_ON_BEHALF = "book on behalf of another user"
    MODIFY_BOOKING = "change this booking"
    CANCEL_BOOKING = "cancel this booking"
    APPROVE_BOOKING = "approve bookings"
    REJECT_BOOKING = "reject bookings"
    OVERRIDE_POLICY = "override the booking policy"
    SCHEDULE_DOWNTIME = "schedule downtime"
    RECORD_TRAINING = "record training"
    VIEW_BOOKING = "see this booking"
    CHECK_IN = "check in to or out of this booking"
    CHANGE_INSTRUMENT_STATUS = "change this instrument's status"
    EDIT_INSTRUMENT = "edit this instrument"
    MANAGE_STAFF = "change this facility's staff"
    EDIT_FACILITY = "edit this facility"
    VIEW_HISTORY = "see this history"
    WAIVE_CHARGE = "waive this booking's charge"
    REPRICE_BOOKING = "reprice this booking"


# Actions facility staff may take on their own facility's instruments.
STAFF_ACTIONS = frozenset(
    {
        Action.BOOK_ON_BEHALF,
        Action.APPROVE_BOOKING,
        Action.REJECT_BOOKING,
        Action.OVERRIDE_POLICY,
        Action.SCHEDULE_DOWNTIME,
        Action.RECORD_TRAINING,
        Action.MODIFY_BOOKING,
        Action.CANCEL_BOOKING,
        Action.VIEW_BOOKING,
        Action.CHECK_IN,
        Action.CHANGE_INSTRUMENT_STATUS,
        Action.VIEW_HISTORY,
        # Staff already decide what a booking costs at the desk: their cancellations are
        # free and their check-in corrections reprice a no-show. Waiving a late fee or a
        # no-show charge afterwards is the same call, made later.
        Action.WAIVE_CHARGE,
    }
)
# Actions only a facility's managers (and admins) may take on it. Repricing is here
# because it bills a booking from the rate cards and a user class, which only managers set.
MANAGER_ACTIONS = frozenset(
    {Action.EDIT_INSTRUMENT, Action.MANAGE_STAFF, Action.EDIT_FACILITY, Action.REPRICE_BOOKING}
)
# Actions anyone may take on their own bookings.
OWNER_ACTIONS = frozenset(
    {
        Action.MODIFY_BOOKING,
        Action.CANCEL_BOOKING,
        Action.VIEW_BOOKING,
        Action.CHECK_IN,
        Action.VIEW_HISTORY,
    }
)


@dataclass(frozen=True)
class Actor:
    """The acting user and the facilities whose team they belong to."""

    user: UserRecord
    staff_facility_ids: frozenset[int]
    managed_facility_ids: frozenset[int] = frozenset()

    @property
    def id(self) -> int:
        return self.user.id

    def staffs(self, facility_id: int) -> bool:
        return facility_id in self.staff_facility_ids

    def manages(self, facility_id: int) -> bool:
        return facility_id in self.managed_facility_ids


@dataclass(frozen=True)
class Target:
    """What an action touches: an instrument's facility and, for bookings, its owner."""

    facility_id: int
    facility_name: str
    instrument_code: str
    owner_id: int | None = None

    @classmethod
    def of(cls, instrument: InstrumentRecord, owner_id: int | None = None) -> Target:
        return cls(instrument.facility_id, instrument.facility_name, instrument.code, owner_id)


def allowed(actor: Actor, action: Action, target: Target) -> bool:
    if not actor.user.active:
        return False
    if actor.user.is_admin:
        return True
    if action in MANAGER_ACTIONS:
        return actor.manages(target.facility_id)
    if actor.staffs(target.facility_id) and action in STAFF_ACTIONS:
        return True
    if action is Action.BOOK:
        return True
    return action in OWNER_ACTIONS and target.owner_id == actor.id


def require(actor: Actor, action: Action, target: Target) -> None:
    """Raise PermissionDenied, naming the missing right, unless `actor` may act."""
    if allowed(actor, action, target):
        return
    who = actor.user.username
    if not actor.user.active:
        raise PermissionDenied(f"{who} may not {action}: the account is deactivated")
    needs = f"a manager or technician of {target.facility_name}, or an admin"
    if action in MANAGER_ACTIONS:
        needs = f"a manager of {target.facility_name}, or an admin"
    if action in OWNER_ACTIONS:
        needs = f"the booking's owner, {needs}"
    raise PermissionDenied(
        f"{who} may not {action} on {target.instrument_code}: that needs {needs}"
    )


def staff_scope(actor: Actor, action: Action) -> frozenset[int] | None:
    """The facilities where `actor` may take `action` on anyone's booking; None means all.

    Lists (such as requests awaiting approval) ask this instead of calling `allowed` per
    row, so a list never shows what the actor could not act on. Owner-only rights are
    not facility-wide, so they give no facilities.
    """
    if not actor.user.active:
        return frozenset()
    if actor.user.is_admin or action is Action.BOOK:
        return None
    if action in MANAGER_ACTIONS:
        return actor.managed_facility_ids
    return actor.staff_facility_ids if action in STAFF_ACTIONS else frozenset()


def sees_who_booked(actor: Actor, facility_id: int) -> bool:
    """Privacy policy: only the facility's staff and admins see who booked, others where from."""
    return actor.user.is_admin or actor.staffs(facility_id)

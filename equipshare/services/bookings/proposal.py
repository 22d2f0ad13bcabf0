"""The booking every rule judges (a Proposal), and how the rules' reads leave out the
bookings it replaces."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import Select, text

from equipshare.db.models.bookings import ACTIVE_STATUS_SQL
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.users.people import UserRecord
from equipshare.services.plumbing.prebuilt import BOOKINGS

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Proposal:
    """A booking as it would be: who, what, when, with whom."""

    user: UserRecord
    instrument: InstrumentRecord
    starts_at: datetime
    ends_at: datetime
    project_code: str | None = None
    technician: UserRecord | None = None
    #: Bookings this proposal replaces (the booking being modified), ignored for conflicts.
    replaces: Collection[int] = field(default_factory=tuple)


# Booking statuses that hold a slot, as SQL: a literal list binds nothing per call.
ACTIVE = text(f"bookings.{ACTIVE_STATUS_SQL}")
AT = BOOKINGS.c.starts_at.type


def excluding(statement: Select[*Ts], proposal: Proposal) -> tuple[Select[*Ts], int]:
    """`statement`, and its `excluded` id: the one booking the proposal replaces, or -1.

    The prebuilt statements leave out one booking; a proposal replacing several (none
    do today) gets the rest left out by an added clause.
    """
    replaces = list(proposal.replaces)
    if len(replaces) > 1:
        statement = statement.where(BOOKINGS.c.id.not_in(replaces))
    return statement, (replaces[0] if replaces else -1)

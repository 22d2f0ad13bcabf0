"""Frozen records of keyset-paged lists (approvals, training, a user's bookings) and of the
decisions taken on them in bulk or undone.

A page ends with `next_after`, the sort key of its last row: passed back, it starts the next
page just after that row, so a list of any size is walked a bounded page at a time, every
row once, whatever is added before the cursor meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from equipshare.domain.records.scheduling.bookings import BookingRecord

R = TypeVar("R")
#: One sort key's value: what a keyset page resumes after.
KeyValue = datetime | str | int


@dataclass(frozen=True)
class PageAfter:
    """Where the next page starts: the sort key of the last row shown. Screens pass it back
    unread; only the service that made it knows what its values mean."""

    key: tuple[KeyValue, ...]


@dataclass(frozen=True)
class Page(Generic[R]):
    """Up to a page of rows in the list's order; `next_after` is None on the last page.

    `total` counts every row the query matches, answered on the first page only (a cheap
    COUNT where the list has one; None where counting would cost a scan).
    """

    rows: tuple[R, ...]
    next_after: PageAfter | None
    total: int | None = None


class ApprovalOrder(StrEnum):
    """How the waiting requests are listed."""

    REQUESTED = "requested"  # oldest request first: first come, first decided
    STARTS = "starts"  # soonest start first: what must be decided before it begins


@dataclass(frozen=True)
class ApprovalsQuery:
    """Which pending requests a page holds.

    `search`: every word must appear (any case) in the requester's username or name, or the
    instrument's code or name.
    """

    search: str = ""
    order: ApprovalOrder = ApprovalOrder.REQUESTED


@dataclass(frozen=True)
class TrainingQuery:
    """Which training records a page holds.

    `search`: every word must appear (any case) in the trainee's username or name, or the
    instrument's code or name. `expiring_within`: only active records lapsing within that
    many days, soonest first; None lists every record (revoked and expired ones too) by
    instrument, then user, newest training first.
    """

    search: str = ""
    expiring_within: int | None = None


@dataclass(frozen=True)
class MyBookingsQuery:
    """Which of a user's own bookings a page holds.

    `upcoming`: not yet ended, soonest first; otherwise ended, latest first. `search`: every
    word must appear (any case) in the instrument's code or name, the purpose or the project.
    """

    upcoming: bool = True
    search: str = ""


@dataclass(frozen=True)
class RefusedDecision:
    """A request a bulk decision left pending, and why."""

    booking_id: int
    reason: str


@dataclass(frozen=True)
class BulkApproval:
    """What approving several requests at once did: each is approved or refused alone."""

    approved: tuple[BookingRecord, ...]
    refused: tuple[RefusedDecision, ...]


@dataclass(frozen=True)
class UndoneDecisions:
    """Decisions taken back: the bookings pending again, and how many unsent notices to
    their requesters were withdrawn."""

    bookings: tuple[BookingRecord, ...]
    withdrawn_notices: int

"""The permission matrix for reading: the audit trail, requests awaiting approval, and a
facility's bookings.

A short story is played through the real services (bookings on Warwick's XPS and Aston's
SEM, a downtime, a new institution, a new technician), then every person of the test
world, with a deactivated admin and a deactivated manager of Warwick's facility, reads
it on SQLite and PostgreSQL. Each cell says whether the read is allowed and what it
shows; a read writes nothing, and a refused read leaves no trace either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from equipshare.domain.enums import DowntimeReason, InstitutionSector, StaffRole
from equipshare.domain.records.operations.history import HistoryPage, HistoryQuery
from equipshare.domain.records.scheduling.bookings import (
    BookingRequest,
    FacilityBookingRow,
    PendingRequestRow,
)
from equipshare.services.bookings.service import (
    ApprovalsService,
    BookingService,
    FacilityBookingsService,
)
from equipshare.services.consortium.service import InstitutionService, StaffService
from equipshare.services.downtime.service import DowntimeService
from equipshare.services.history.service import HistoryService
from equipshare.services.people.service import AccountService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.permission_matrix import (
    ADMINS_ONLY,
    ASTON_STAFF,
    WARWICK_STAFF,
    add_retired_staff,
    each_person,
    numbered,
)
from tests.support.world import World, london

XPS, SEM = "WAR-XPS-01", "AST-SEM-01"
WARWICK_SIDE = "alice@XPS bob@XPS downtime@XPS facility_staff"  # what Warwick's staff read

# Every event, read with no filter: each person sees their part, admins all of it.
WHOLE_TRAIL = {
    "alice": "ok: alice@XPS",  # her own booking
    "erin": "ok: nothing",
    "bob": "ok: bob@XPS",
    "carol": "ok: carol@SEM",
    "dave": "ok: nothing",
    "tech": f"ok: {WARWICK_SIDE}",
    "tech2": f"ok: {WARWICK_SIDE}",
    "mgr": f"ok: {WARWICK_SIDE}",
    "otherstaff": "ok: carol@SEM",  # Aston's facility's part only
    "root": "ok: alice@XPS bob@XPS carol@SEM downtime@XPS facility_staff institution user",
    "gone": "denied",  # a deactivated account reads no history
    "exroot": "denied",
    "exmgr": "denied",
}
# --instrument WAR-XPS-01: the instrument's own events with its bookings' and downtimes'.
XPS_TRAIL = {
    "alice": "ok: alice@XPS",
    "erin": "ok: nothing",
    "bob": "ok: bob@XPS",
    "carol": "ok: nothing",
    "dave": "ok: nothing",
    "tech": "ok: alice@XPS bob@XPS downtime@XPS",
    "tech2": "ok: alice@XPS bob@XPS downtime@XPS",
    "mgr": "ok: alice@XPS bob@XPS downtime@XPS",
    "otherstaff": "ok: nothing",
    "root": "ok: alice@XPS bob@XPS downtime@XPS",
    "gone": "denied",
    "exroot": "denied",
    "exmgr": "denied",
}
# --entity booking:N for alice's booking: its owner, Warwick's staff and admins.
ALICES_BOOKING = {
    "alice": "ok: alice@XPS",
    "erin": "denied",  # the same institution is not the same person
    "bob": "denied",
    "carol": "denied",
    "dave": "denied",
    "tech": "ok: alice@XPS",
    "tech2": "ok: alice@XPS",
    "mgr": "ok: alice@XPS",
    "otherstaff": "denied",
    "root": "ok: alice@XPS",
    "gone": "denied",
    "exroot": "denied",
    "exmgr": "denied",
}
# Requests awaiting a decision: staff see their facilities', admins all; the rest an
# empty list (a header badge always asks), never an error.
PENDING = {
    "alice": "ok: nothing",
    "erin": "ok: nothing",
    "bob": "ok: nothing",  # nobody decides their own request
    "carol": "ok: nothing",
    "dave": "ok: nothing",
    "tech": "ok: bob@WAR-XPS-01",
    "tech2": "ok: bob@WAR-XPS-01",
    "mgr": "ok: bob@WAR-XPS-01",
    "otherstaff": "ok: carol@AST-SEM-01",
    "root": "ok: bob@WAR-XPS-01 carol@AST-SEM-01",
    "gone": "ok: nothing",
    "exroot": "ok: nothing",
    "exmgr": "ok: nothing",
}


def _with(shown: str, table: dict[str, str]) -> dict[str, str]:
    """`table` with each ok saying what it shows."""
    return {who: f"ok: {shown}" if result == "ok" else result for who, result in table.items()}


@dataclass(frozen=True)
class Story:
    """How each event's entity reads in a cell: booking:12 is alice@XPS; other events by
    their entity's type (institution, user, facility_staff)."""

    labels: dict[str, str]

    def shown(self, page: HistoryPage) -> str:
        seen = {self.labels.get(e.entity, e.entity_type) for e in page.events}
        return " ".join(sorted(seen)) or "nothing"

    def entity(self, label: str) -> str:
        return next(entity for entity, named in self.labels.items() if named == label)


@pytest.fixture
def story(context: ServiceContext, world: World) -> Story:
    add_retired_staff(context.database, world)
    bookings = BookingService(context)
    made = {
        "alice@XPS": bookings.book("alice", BookingRequest(XPS, london(2026, 3, 17, 10),
                                                           london(2026, 3, 17, 11))),
        "bob@XPS": bookings.book("bob", BookingRequest(XPS, london(2026, 3, 17, 12),
                                                       london(2026, 3, 17, 13))),
        "carol@SEM": bookings.book("carol", BookingRequest(SEM, london(2026, 3, 17, 10),
                                                           london(2026, 3, 17, 11))),
    }  # fmt: skip
    downtime, _ = DowntimeService(context).schedule(
        "tech", XPS, london(2026, 3, 19, 9), london(2026, 3, 19, 17), DowntimeReason.REPAIR
    )
    InstitutionService(context).add(
        "root", "NEWU", "New University", InstitutionSector.ACADEMIC, is_partner=True
    )
    AccountService(context).add(
        "root", "newtech", name="New Tech", email=None, institution="WARWICK"
    )
    StaffService(context).add("mgr", "WAR-PRP", "newtech", StaffRole.TECHNICIAN)
    labels = {f"booking:{b.id}": label for label, b in made.items()}
    labels[f"downtime:{downtime.id}"] = "downtime@XPS"
    return Story(labels)


# -- the audit trail ---------------------------------------------------------------------


def test_read_the_whole_trail(context: ServiceContext, story: Story) -> None:
    service = HistoryService(context)
    observed = each_person(
        context, numbered, lambda who, _: service.page(who, HistoryQuery()), shown=story.shown
    )
    assert observed == WHOLE_TRAIL


def test_read_an_instruments_trail(context: ServiceContext, story: Story) -> None:
    service = HistoryService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.page(who, HistoryQuery(instrument=XPS)),
        shown=story.shown,
    )
    assert observed == XPS_TRAIL


def test_read_a_bookings_history(context: ServiceContext, story: Story) -> None:
    service = HistoryService(context)
    query = HistoryQuery(entity=story.entity("alice@XPS"))
    observed = each_person(
        context, numbered, lambda who, _: service.page(who, query), shown=story.shown
    )
    assert observed == ALICES_BOOKING


@pytest.mark.parametrize(
    ("entity", "expected"),
    [
        # Nothing was done to the instruments themselves, nor to Aston's facility.
        (f"instrument:{XPS}", _with("nothing", WARWICK_STAFF)),
        (f"instrument:{SEM}", _with("nothing", ASTON_STAFF)),
        ("facility:WAR-PRP", _with("facility_staff", WARWICK_STAFF)),
        ("facility:AST-EM", _with("nothing", ASTON_STAFF)),
        ("user:newtech", _with("user", ADMINS_ONLY)),  # an account's history is for admins
    ],
)
def test_read_one_entitys_history(
    context: ServiceContext, story: Story, entity: str, expected: dict[str, str]
) -> None:
    service = HistoryService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.page(who, HistoryQuery(entity=entity)),
        shown=story.shown,
    )
    assert observed == expected


# -- approvals and a facility's bookings ------------------------------------------------


def _requests(rows: Sequence[PendingRequestRow]) -> str:
    return " ".join(f"{r.requester_username}@{r.instrument_code}" for r in rows) or "nothing"


def _bookers(rows: Sequence[FacilityBookingRow]) -> str:
    return " ".join(f"{r.username}@{r.instrument_code}" for r in rows) or "nothing"


def test_list_requests_awaiting_approval(context: ServiceContext, story: Story) -> None:
    service = ApprovalsService(context)
    observed = each_person(context, numbered, lambda who, _: service.pending(who), shown=_requests)
    assert observed == PENDING


@pytest.mark.parametrize(
    ("facility", "expected"),
    [
        ("WAR-PRP", _with("bob@WAR-XPS-01", WARWICK_STAFF)),
        ("AST-EM", _with("carol@AST-SEM-01", ASTON_STAFF)),
    ],
)
def test_list_one_facilitys_requests(
    context: ServiceContext, story: Story, facility: str, expected: dict[str, str]
) -> None:
    service = ApprovalsService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.pending(who, facility_code=facility),
        shown=_requests,
    )
    assert observed == expected


@pytest.mark.parametrize(
    ("facility", "expected"),
    [
        ("WAR-PRP", _with("alice@WAR-XPS-01 bob@WAR-XPS-01", WARWICK_STAFF)),
        ("AST-EM", _with("carol@AST-SEM-01", ASTON_STAFF)),
    ],
)
def test_list_a_facilitys_bookings(
    context: ServiceContext, story: Story, facility: str, expected: dict[str, str]
) -> None:
    service = FacilityBookingsService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.list(who, facility, upcoming=True),
        shown=_bookers,
    )
    assert observed == expected

"""Approvals page through every pending request by keyset, searched, on both engines.

Requests are planted straight in the database so that many share a request time (or a start,
on two instruments): the ties the booking id must break the same way on every page. The clock
stands at Mon 16 Mar 2026 09:00 UTC; every request is for the days after.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from equipshare.db.engine import Database
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import InputError
from equipshare.domain.records.pages import ApprovalOrder, ApprovalsQuery, PageAfter
from equipshare.services.bookings.approvals import ApprovalsService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World

REQUESTED = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
FIRST_START = datetime(2026, 3, 17, 8, 0, tzinfo=UTC)


def plant_requests(database: Database, world: World) -> dict[str, list[int]]:
    """Pending requests: eleven on Warwick's MEG and XPS (three share each request time, and
    MEG's and XPS's starts pair up), two on Aston's SEM, and bookings that are not pending."""
    planted: dict[str, list[int]] = {"WAR-PRP": [], "AST-EM": [], "other": []}
    for i in range(11):
        instrument, user = ("WAR-MEG-01", "alice") if i % 2 else ("WAR-XPS-01", "bob")
        planted["WAR-PRP"].append(
            plant_booking(
                database, world, user, instrument,
                FIRST_START + timedelta(hours=2 * (i // 2)),
                FIRST_START + timedelta(hours=2 * (i // 2) + 1),
                BookingStatus.PENDING,
                created_at=REQUESTED + timedelta(minutes=i // 3),
            )
        )  # fmt: skip
    for i in range(2):
        planted["AST-EM"].append(
            plant_booking(
                database, world, "carol", "AST-SEM-01",
                FIRST_START + timedelta(hours=i), FIRST_START + timedelta(hours=i, minutes=30),
                BookingStatus.PENDING, created_at=REQUESTED,
            )
        )  # fmt: skip
    for status in (BookingStatus.CONFIRMED, BookingStatus.REJECTED, BookingStatus.CANCELLED):
        planted["other"].append(
            plant_booking(
                database, world, "erin", "WAR-RAM-01",
                FIRST_START + timedelta(days=5), FIRST_START + timedelta(days=5, hours=1),
                status, created_at=REQUESTED,
            )
        )  # fmt: skip
    return planted


@pytest.fixture
def planted(database: Database, world: World) -> dict[str, list[int]]:
    return plant_requests(database, world)


def walk(
    service: ApprovalsService, actor: str, query: ApprovalsQuery, limit: int
) -> list[list[int]]:
    """Each page's booking ids, following `next_after` to the end."""
    pages: list[list[int]] = []
    after: PageAfter | None = None
    while True:
        page = service.page(actor, query, after=after, limit=limit)
        pages.append([row.booking_id for row in page.rows])
        assert (page.total is None) == (after is not None)  # counted on the first page only
        if page.next_after is None:
            return pages
        after = page.next_after


def test_pages_reach_every_request_once_in_request_order_with_ties_broken_by_id(
    context: ServiceContext, planted: dict[str, list[int]]
) -> None:
    service = ApprovalsService(context)
    pages = walk(service, "mgr", ApprovalsQuery(), limit=4)
    warwick = planted["WAR-PRP"]  # planted in request order, ids rising within each tie
    assert [len(page) for page in pages] == [4, 4, 3]
    assert [booking for page in pages for booking in page] == warwick
    first = service.page("mgr", ApprovalsQuery(), limit=4)
    assert first.total == service.pending_count("mgr") == 11
    # The whole list, as the command line reads it, agrees.
    assert [row.booking_id for row in service.pending("mgr")] == warwick


def test_soonest_start_first_breaks_equal_starts_by_id(
    context: ServiceContext, planted: dict[str, list[int]]
) -> None:
    service = ApprovalsService(context)
    by_start = ApprovalsQuery(order=ApprovalOrder.STARTS)
    pages = walk(service, "root", by_start, limit=3)
    seen = [booking for page in pages for booking in page]
    rows = {row.booking_id: row for row in service.pending("root", limit=100)}
    assert sorted(seen) == sorted(rows) and len(seen) == len(set(seen)) == 13
    assert seen == sorted(rows, key=lambda b: (rows[b].starts_at, b))
    # MEG's and XPS's requests start in pairs: each pair is one tie.
    assert len({rows[b].starts_at for b in planted["WAR-PRP"]}) == 6


def test_a_request_made_mid_walk_is_met_once_and_none_is_repeated(
    context: ServiceContext, database: Database, world: World, planted: dict[str, list[int]]
) -> None:
    service = ApprovalsService(context)
    first = service.page("mgr", ApprovalsQuery(), limit=5)
    later = plant_booking(
        database, world, "erin", "WAR-MEG-01",
        FIRST_START + timedelta(days=3), FIRST_START + timedelta(days=3, hours=2),
        BookingStatus.PENDING, created_at=REQUESTED + timedelta(hours=1),
    )  # fmt: skip
    rest: list[int] = []
    after = first.next_after
    while after is not None:
        page = service.page("mgr", ApprovalsQuery(), after=after, limit=5)
        rest += [row.booking_id for row in page.rows]
        after = page.next_after
    assert [row.booking_id for row in first.rows] + rest == [*planted["WAR-PRP"], later]


def test_staff_see_only_their_facilities_admins_all_and_researchers_none(
    context: ServiceContext, planted: dict[str, list[int]]
) -> None:
    service = ApprovalsService(context)

    def everything(actor: str) -> list[int]:
        return [b for page in walk(service, actor, ApprovalsQuery(), limit=4) for b in page]

    assert everything("mgr") == everything("tech") == planted["WAR-PRP"]
    assert everything("otherstaff") == planted["AST-EM"]
    assert sorted(everything("root")) == sorted(planted["WAR-PRP"] + planted["AST-EM"])
    for nobody in ("alice", "gone"):
        page = service.page(nobody, ApprovalsQuery())
        assert (page.rows, page.next_after, page.total) == ((), None, 0)
    # A search never widens the scope: Carol's SEM request is Aston's.
    assert service.page("mgr", ApprovalsQuery(search="carol")).rows == ()
    assert service.page("otherstaff", ApprovalsQuery(search="carol")).total == 2


def test_a_search_matches_every_word_in_requester_or_instrument(
    context: ServiceContext, planted: dict[str, list[int]]
) -> None:
    service = ApprovalsService(context)

    def found(search: str, actor: str = "mgr") -> list[int]:
        query = ApprovalsQuery(search=search)
        return [b for page in walk(service, actor, query, limit=2) for b in page]

    bob = planted["WAR-PRP"][0::2]  # bob asked for the XPS, alice for the MEG
    assert found("BOB") == found("xps") == found("bob war-xps") == bob
    assert found("Alice") == found("meg-01") == planted["WAR-PRP"][1::2]
    assert found("bob meg") == []
    assert found("%") == found("b_b") == []  # LIKE's wildcards are only characters here
    first = service.page("mgr", ApprovalsQuery(search="alice"), limit=2)
    assert first.total == 5 and len(first.rows) == 2


@pytest.mark.parametrize("actor", ["mgr", "alice"])
def test_a_bad_search_is_refused_naming_the_field(
    context: ServiceContext, planted: dict[str, list[int]], actor: str
) -> None:
    service = ApprovalsService(context)
    for text in ("x" * 201, "bob\x00"):
        with pytest.raises(InputError, match=r"^search: ") as refused:
            service.page(actor, ApprovalsQuery(search=text))
        assert refused.value.field == "search"

"""A user's own bookings page by keyset, past latest first and upcoming soonest first.

Bookings are planted in pairs that start the same instant on two instruments, so the id must
break ties the same way on every page. The clock stands at Mon 16 Mar 2026 09:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from equipshare.db.engine import Database
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import InputError, NotFound
from equipshare.domain.records.pages import MyBookingsQuery, PageAfter
from equipshare.domain.records.scheduling.bookings import MyBookingRow
from equipshare.services.bookings.my_bookings import MyBookingsService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def planted(database: Database, world: World) -> dict[str, list[int]]:
    """Alice's bookings: nine pairs ended before now, three pairs after; one of Bob's."""
    ids: dict[str, list[int]] = {"past": [], "upcoming": []}
    for day in [*range(-9, 0), 1, 2, 3]:
        start = NOW + timedelta(days=day)
        for code, project in (("WAR-XPS-01", "EP/X1"), ("WAR-MEG-01", f"GR-{day}")):
            ids["past" if day < 0 else "upcoming"].append(
                plant_booking(
                    database, world, "alice", code, start, start + timedelta(hours=1),
                    BookingStatus.COMPLETED if day < 0 else BookingStatus.CONFIRMED,
                    project_code=project,
                )
            )  # fmt: skip
    plant_booking(database, world, "bob", "WAR-XPS-01", NOW - timedelta(hours=3), NOW)
    return ids


def walk(service: MyBookingsService, query: MyBookingsQuery, limit: int) -> list[MyBookingRow]:
    seen: list[MyBookingRow] = []
    after: PageAfter | None = None
    while True:
        page = service.page("alice", query, after=after, limit=limit)
        assert len(page.rows) <= limit
        seen += page.rows
        if page.next_after is None:
            return seen
        after = page.next_after


def test_past_bookings_page_latest_first_every_one_once(
    context: ServiceContext, planted: dict[str, list[int]]
) -> None:
    service = MyBookingsService(context)
    seen = walk(service, MyBookingsQuery(upcoming=False), limit=4)
    # Planted oldest first, XPS before MEG at each start: latest first reverses both.
    assert [row.booking_id for row in seen] == planted["past"][::-1]
    first = service.list("alice", upcoming=False, limit=4)
    assert [row.booking_id for row in first] == planted["past"][::-1][:4]


def test_upcoming_bookings_page_soonest_first(
    context: ServiceContext, planted: dict[str, list[int]]
) -> None:
    seen = walk(MyBookingsService(context), MyBookingsQuery(), limit=4)
    assert [row.booking_id for row in seen] == planted["upcoming"]


def test_a_search_matches_instrument_project_or_purpose(
    context: ServiceContext, planted: dict[str, list[int]]
) -> None:
    service = MyBookingsService(context)

    def found(search: str) -> list[int]:
        query = MyBookingsQuery(upcoming=False, search=search)
        return [row.booking_id for row in walk(service, query, limit=2)]

    assert found("XPS") == found("ep/x1") == planted["past"][0::2][::-1]
    assert found("gr--3") == [planted["past"][13]]  # MEG on day -3 holds project GR--3
    assert found("PLANTED meg") == planted["past"][1::2][::-1]
    assert found("bob") == []
    with pytest.raises(InputError, match=r"^search: holds a control character"):
        service.page("alice", MyBookingsQuery(search="x\n"))
    with pytest.raises(NotFound, match="no user called 'nobody'"):
        service.page("nobody", MyBookingsQuery())

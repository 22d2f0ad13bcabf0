"""CatalogueService: keyset paging, search, filters, "bookable by me" and next free slots."""

from __future__ import annotations

import pytest

from equipshare.domain.enums import AccessLevel, DowntimeReason, InstrumentStatus
from equipshare.domain.errors import NotFound
from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.catalogue.search import CatalogueService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, add_instrument, london

ALL = ["AST-SEM-01", "WAR-AFM-01", "WAR-MEG-01", "WAR-RAM-01", "WAR-XPS-01"]


def codes(service: CatalogueService, user: str, query: CatalogueQuery) -> list[str]:
    return [row.code for row in service.page(user, query, limit=1000).rows]


def test_first_page_lists_everything_in_code_order(context: ServiceContext, world: World) -> None:
    service = CatalogueService(context)
    page = service.page("alice", CatalogueQuery())
    assert [row.code for row in page.rows] == ALL
    assert service.count("alice", CatalogueQuery()) == 5
    assert page.next_after is None
    sem = page.rows[0]
    assert (sem.institution_code, sem.facility_name) == ("ASTON", "Aston Electron Microscopy")
    assert sem.access_level is AccessLevel.EXTERNAL_ACADEMIC


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_pages_concatenate_to_the_full_list(
    context: ServiceContext, world: World, limit: int
) -> None:
    for n in range(20):
        add_instrument(context.database, world, f"WAR-GEN-{n:02d}", "WAR-PRP")
    service = CatalogueService(context)
    expected = codes(service, "alice", CatalogueQuery())
    assert len(expected) == 25
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = service.page("alice", CatalogueQuery(), after=after, limit=limit)
        assert len(page.rows) <= limit
        seen += [row.code for row in page.rows]
        pages += 1
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == expected == sorted(expected)
    assert len(set(seen)) == len(seen)
    assert pages == -(-25 // limit)
    assert service.count("alice", CatalogueQuery()) == 25


def test_count_matches_every_page_of_the_same_query(context: ServiceContext, world: World) -> None:
    for n in range(12):
        add_instrument(context.database, world, f"WAR-GEN-{n:02d}", "WAR-PRP")
    service = CatalogueService(context)
    for query in (
        CatalogueQuery(search="gen"),
        CatalogueQuery(search="war 0"),
        CatalogueQuery(institution_code="ASTON"),
        CatalogueQuery(search="gen", bookable_by_me=True),
        CatalogueQuery(search="nothing like this"),
    ):
        assert service.count("bob", query) == len(codes(service, "bob", query)), query
    assert service.count("bob", CatalogueQuery(search="gen")) == 12
    with pytest.raises(NotFound):
        service.count("nobody", CatalogueQuery())


def test_search_is_case_insensitive_across_columns(context: ServiceContext, world: World) -> None:
    add_instrument(
        context.database,
        world,
        "WAR-TEM-01",
        "WAR-PRP",
        manufacturer="JEOL",
        model="ARM200F",
    )
    service = CatalogueService(context)
    assert codes(service, "alice", CatalogueQuery(search="xps")) == ["WAR-XPS-01"]
    assert codes(service, "alice", CatalogueQuery(search="jeol")) == ["WAR-TEM-01"]
    assert codes(service, "alice", CatalogueQuery(search="arm200")) == ["WAR-TEM-01"]
    assert codes(service, "alice", CatalogueQuery(search="SEM")) == ["AST-SEM-01"]
    assert codes(service, "alice", CatalogueQuery(search="war 01 meg")) == ["WAR-MEG-01"]
    assert codes(service, "alice", CatalogueQuery(search="100%_")) == []
    assert CatalogueService(context).count("alice", CatalogueQuery(search="war")) == 5


def test_each_filter(context: ServiceContext, world: World) -> None:
    service = CatalogueService(context)
    assert codes(service, "alice", CatalogueQuery(institution_code="ASTON")) == ["AST-SEM-01"]
    assert codes(service, "alice", CatalogueQuery(facility_code="WAR-PRP")) == ALL[1:]
    assert codes(service, "alice", CatalogueQuery(category="XPS")) == ["WAR-XPS-01"]
    assert codes(service, "alice", CatalogueQuery(access_level=AccessLevel.INSTITUTION)) == [
        "WAR-RAM-01"
    ]
    both = CatalogueQuery(institution_code="WARWICK", access_level=AccessLevel.CONSORTIUM)
    assert codes(service, "alice", both) == ["WAR-AFM-01", "WAR-MEG-01", "WAR-XPS-01"]


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        # Own institution: everything bookable, including institution-only; not out of service.
        ("alice", ["AST-SEM-01", "WAR-MEG-01", "WAR-RAM-01", "WAR-XPS-01"]),
        # Partner: consortium and external academic, not Warwick's institution-only Raman.
        ("bob", ["AST-SEM-01", "WAR-MEG-01", "WAR-XPS-01"]),
        # Non-partner academic: external academic only.
        ("carol", ["AST-SEM-01"]),
        # Industry: nothing here is open to industry.
        ("dave", []),
    ],
)
def test_bookable_by_me_matches_the_rules(
    context: ServiceContext, world: World, user: str, expected: list[str]
) -> None:
    service = CatalogueService(context)
    assert codes(service, user, CatalogueQuery(bookable_by_me=True)) == expected


def test_bookable_by_me_agrees_with_may_access(context: ServiceContext, world: World) -> None:
    from equipshare.domain.rules.policy_rules import may_access

    add_instrument(context.database, world, "WAR-IND-01", "WAR-PRP", access_level="industry")
    add_instrument(context.database, world, "AST-LIM-01", "AST-EM", status=InstrumentStatus.LIMITED)
    service = CatalogueService(context)
    with context.database.readonly() as session:
        from equipshare.services.plumbing import row_records

        users = {u: row_records.load_user(session, u) for u in ("alice", "bob", "carol", "dave")}
    for name, user in users.items():
        everything = codes(service, name, CatalogueQuery())
        expected = [
            code
            for code in everything
            if (record := service.instrument(name, code)).status.bookable
            and may_access(user, record)
        ]
        assert codes(service, name, CatalogueQuery(bookable_by_me=True)) == expected, name


def test_instrument_and_filters(context: ServiceContext, world: World) -> None:
    service = CatalogueService(context)
    record = service.instrument("bob", "WAR-MEG-01")
    assert record.policy.requires_project_code and record.institution_code == "WARWICK"
    with pytest.raises(NotFound):
        service.instrument("bob", "NOPE")
    with pytest.raises(NotFound):
        service.page("nobody", CatalogueQuery())
    filters = service.filters("alice")
    assert [code for code, _ in filters.institutions] == ["ASTON", "WARWICK"]
    assert [f.code for f in filters.facilities] == ["AST-EM", "WAR-PRP"]
    assert filters.categories == ("AFM", "MEG", "RAM", "SEM", "XPS")


def starts(service: CatalogueService, user: str, codes: list[str]) -> dict[str, object]:
    """Each instrument's next free start, or the words for why there is none."""
    return {
        slot.instrument_code: slot.starts_at or slot.note for slot in service.next_free(user, codes)
    }


def test_next_free_slot_for_each_row(context: ServiceContext, world: World) -> None:
    service = CatalogueService(context)
    # Monday 09:00 GMT with an hour's notice: 10:00 wherever the actor may book.
    ten = london(2026, 3, 16, 10)
    assert starts(service, "alice", [*ALL, "NOPE-01"]) == {
        "AST-SEM-01": ten,
        "WAR-AFM-01": "out of service",
        "WAR-MEG-01": ten,  # a 2-hour instrument is asked for its own, longer slot
        "WAR-RAM-01": ten,
        "WAR-XPS-01": ten,
    }
    assert [s.instrument_code for s in service.next_free("alice", ALL[::-1])] == ALL[::-1]
    meg = service.next_free("alice", ["WAR-MEG-01"])[0]
    assert meg.ends_at == london(2026, 3, 16, 12) and meg.timezone == "Europe/London"
    assert starts(service, "erin", ["WAR-XPS-01"]) == {"WAR-XPS-01": "training needed"}
    assert starts(service, "bob", ["WAR-RAM-01"]) == {"WAR-RAM-01": "not open to you"}
    assert starts(service, "gone", ["WAR-XPS-01"]) == {"WAR-XPS-01": "account deactivated"}
    with pytest.raises(NotFound):
        service.next_free("nobody", ALL)


def test_next_free_slot_steps_round_bookings_and_downtime(
    context: ServiceContext, world: World
) -> None:
    BookingService(context).book(
        "alice", BookingRequest("WAR-XPS-01", london(2026, 3, 16, 10), london(2026, 3, 16, 12))
    )
    DowntimeService(context).schedule(
        "otherstaff",
        "AST-SEM-01",
        london(2026, 3, 16, 10),
        london(2026, 4, 3, 17),
        DowntimeReason.REPAIR,
    )
    service = CatalogueService(context)
    assert starts(service, "bob", ["WAR-XPS-01", "AST-SEM-01"]) == {
        "WAR-XPS-01": london(2026, 3, 16, 12),
        "AST-SEM-01": "none in 14 days",
    }

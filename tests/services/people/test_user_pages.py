"""Paging through users by keyset, searched and filtered, on both engines."""

from __future__ import annotations

import pytest

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Institution, User
from equipshare.domain.enums import Role
from equipshare.domain.errors import InputError, PermissionDenied
from equipshare.domain.records.users.accounts import UserPage, UserQuery
from equipshare.services.people.service import PeopleService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.factories import T0
from tests.support.world import World

WORLD = ["alice", "bob", "carol", "dave", "erin", "gone", "mgr", "otherstaff", "root", "tech",
         "tech2"]  # fmt: skip


def names(page: UserPage) -> list[str]:
    return [row.username for row in page.rows]


def every_page(service: PeopleService, query: UserQuery, limit: int) -> list[list[str]]:
    """Each page's usernames, following `next_after` to the end."""
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        page = service.page_users("root", query, after=after, limit=limit)
        pages.append(names(page))
        if page.next_after is None:
            return pages
        assert page.next_after == page.rows[-1].username
        after = page.next_after


def test_pages_follow_one_another_in_username_order_without_gaps_or_repeats(
    context: ServiceContext, world: World
) -> None:
    service = PeopleService(context)
    pages = every_page(service, UserQuery(), limit=4)
    assert pages == [WORLD[0:4], WORLD[4:8], WORLD[8:11]]
    whole = service.page_users("root", UserQuery(), limit=11)
    assert names(whole) == WORLD and whole.next_after is None
    first = whole.rows[0]
    assert (first.name, first.email, first.institution_code, first.role, first.active) == (
        "Alice", "alice@example.ac.uk", "WARWICK", Role.RESEARCHER, True,
    )  # fmt: skip


def test_a_search_matches_every_word_in_username_name_or_email_in_any_case(
    context: ServiceContext, world: World, database: Database
) -> None:
    with database.sessions.begin() as session:
        warwick = session.query(Institution).filter_by(code="WARWICK").one()
        session.add(
            User(username="jsmith", display_name="Jo Smith", email=None, role=Role.RESEARCHER,
                 institution_id=warwick.id, active=True, created_at=T0)
        )  # fmt: skip
    service = PeopleService(context)
    assert names(service.page_users("root", UserQuery(search="TECH"))) == ["tech", "tech2"]
    assert names(service.page_users("root", UserQuery(search="jo smi"))) == ["jsmith"]
    assert names(service.page_users("root", UserQuery(search="smith example"))) == []
    assert names(service.page_users("root", UserQuery(search="ALICE@EXAMPLE"))) == ["alice"]
    # LIKE's wildcards are only characters here.
    assert names(service.page_users("root", UserQuery(search="%"))) == []
    assert names(service.page_users("root", UserQuery(search="t_ch"))) == []


def test_filters_combine_with_the_search_and_with_paging(
    context: ServiceContext, world: World
) -> None:
    service = PeopleService(context)
    warwick = UserQuery(institution_code=" warwick ")
    assert every_page(service, warwick, limit=3) == [
        ["alice", "erin", "gone"], ["mgr", "root", "tech"], ["tech2"],
    ]  # fmt: skip
    staff = UserQuery(role=Role.TECHNICIAN)
    assert names(service.page_users("root", staff)) == ["otherstaff", "tech", "tech2"]
    aston_staff = UserQuery(search="staff", institution_code="ASTON", role=Role.TECHNICIAN)
    assert names(service.page_users("root", aston_staff)) == ["otherstaff"]
    assert names(service.page_users("root", UserQuery(active=False))) == ["gone"]
    active = every_page(service, UserQuery(active=True), limit=5)
    assert [name for page in active for name in page] == [n for n in WORLD if n != "gone"]


def test_an_unknown_institution_is_refused_naming_the_field(
    context: ServiceContext, world: World
) -> None:
    with pytest.raises(InputError, match="no institution with code 'MARS'") as raised:
        PeopleService(context).page_users("root", UserQuery(institution_code="mars"))
    assert raised.value.field == "institution"


@pytest.mark.parametrize("actor", ["mgr", "alice"])
def test_only_admins_may_page_through_users(
    context: ServiceContext, world: World, actor: str
) -> None:
    with pytest.raises(PermissionDenied):
        PeopleService(context).page_users(actor, UserQuery())

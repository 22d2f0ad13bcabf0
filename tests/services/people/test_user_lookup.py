"""UserLookupService: usernames completing what was typed, as far as the actor may see."""

from __future__ import annotations

import pytest

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Institution, User
from equipshare.domain.enums import Role
from equipshare.domain.errors import NotFound, PermissionDenied
from equipshare.services.people.service import UserLookupService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.factories import T0
from tests.support.world import World


def add_people(database: Database, *people: tuple[str, str]) -> None:
    """Warwick researchers (username, display name) besides the world's."""
    with database.sessions.begin() as session:
        warwick = session.query(Institution).filter_by(code="WARWICK").one()
        session.add_all(
            User(username=username, display_name=name, email=None, role=Role.RESEARCHER,
                 institution_id=warwick.id, active=True, created_at=T0)
            for username, name in people
        )  # fmt: skip


@pytest.fixture
def lookup(context: ServiceContext, world: World) -> UserLookupService:
    add_people(
        context.database,
        ("ALIBABA", "Ali Baba"),
        ("jsmith", "Alison Smith"),
        ("al_x", "Al Underscore"),
        ("emartin", "Émilie Martin"),
    )
    return UserLookupService(context)


def test_staff_find_usernames_then_display_names_in_any_case(lookup: UserLookupService) -> None:
    assert lookup.usernames("tech", "ali") == ("ALIBABA", "alice", "jsmith")
    assert lookup.usernames("tech", "ALI") == ("ALIBABA", "alice", "jsmith")
    assert lookup.usernames("tech", "Alis") == ("jsmith",)
    assert lookup.usernames("tech", "  te ") == ("tech", "tech2")


def test_wildcards_and_accents_are_plain_letters(lookup: UserLookupService) -> None:
    assert lookup.usernames("tech", "al_") == ("al_x",)
    assert lookup.usernames("tech", "a%") == ()
    assert lookup.usernames("mgr", "Émi") == ("emartin",)


def test_the_lookup_is_bounded(lookup: UserLookupService) -> None:
    assert lookup.usernames("root", "a", limit=2) == ("al_x", "ALIBABA")
    assert lookup.usernames("root", "a", limit=1000) == ("al_x", "ALIBABA", "alice", "jsmith")
    assert lookup.usernames("root", "") == ()


def test_a_researcher_finds_only_themselves_and_facility_staff(lookup: UserLookupService) -> None:
    assert lookup.usernames("alice", "ali") == ("alice",)
    assert lookup.usernames("alice", "b") == ()  # bob is another researcher
    assert lookup.usernames("alice", "t") == ("tech", "tech2")
    assert lookup.usernames("erin", "o") == ("otherstaff",)
    assert lookup.usernames("bob", "a") == ()


def test_deactivated_users_are_found_only_by_an_admin_who_asks(lookup: UserLookupService) -> None:
    assert lookup.usernames("root", "go") == ()
    assert lookup.usernames("root", "go", include_inactive=True) == ("gone",)
    assert lookup.usernames("mgr", "go", include_inactive=True) == ()


def test_a_team_lookup_finds_only_the_instruments_facility_staff(
    lookup: UserLookupService,
) -> None:
    assert lookup.usernames("alice", "t", team_of="WAR-XPS-01") == ("tech", "tech2")
    assert lookup.usernames("alice", "o", team_of="WAR-XPS-01") == ()
    assert lookup.usernames("root", "o", team_of="AST-SEM-01") == ("otherstaff",)
    assert lookup.usernames("root", "a", team_of="AST-SEM-01") == ()
    with pytest.raises(NotFound, match="NOPE-01"):
        lookup.usernames("alice", "t", team_of="NOPE-01")


def test_unknown_and_deactivated_actors_are_refused(lookup: UserLookupService) -> None:
    with pytest.raises(NotFound, match="nobody"):
        lookup.usernames("nobody", "a")
    with pytest.raises(PermissionDenied, match="deactivated"):
        lookup.usernames("gone", "a")

"""InstrumentLookupService: instrument codes completing what was typed, for anyone active."""

from __future__ import annotations

import pytest

from equipshare.domain.errors import NotFound, PermissionDenied
from equipshare.services.catalogue.service import InstrumentLookupService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, add_instrument


@pytest.fixture
def lookup(context: ServiceContext, world: World) -> InstrumentLookupService:
    for code in ("WAR-XPS-02", "WAR-XRD-01", "war-lab-01"):
        add_instrument(context.database, world, code, "WAR-PRP")
    return InstrumentLookupService(context)


def test_codes_starting_with_the_text_in_any_case_in_code_order(
    lookup: InstrumentLookupService,
) -> None:
    assert lookup.codes("alice", "war-x") == ("WAR-XPS-01", "WAR-XPS-02", "WAR-XRD-01")
    assert lookup.codes("bob", "WAR-XP") == ("WAR-XPS-01", "WAR-XPS-02")
    assert lookup.codes("bob", "War-L") == ("war-lab-01",)
    assert lookup.codes("dave", " ast ") == ("AST-SEM-01",)
    assert lookup.codes("alice", "XPS") == ()  # a prefix, not a search
    assert lookup.codes("alice", "WAR_") == ()


def test_the_lookup_is_bounded(lookup: InstrumentLookupService) -> None:
    assert lookup.codes("alice", "w", limit=2) == ("WAR-AFM-01", "war-lab-01")
    assert len(lookup.codes("alice", "w", limit=1000)) == 7
    assert lookup.codes("alice", "   ") == ()


def test_unknown_and_deactivated_actors_are_refused(lookup: InstrumentLookupService) -> None:
    with pytest.raises(NotFound, match="nobody"):
        lookup.codes("nobody", "WAR")
    with pytest.raises(PermissionDenied, match="deactivated"):
        lookup.codes("gone", "WAR")

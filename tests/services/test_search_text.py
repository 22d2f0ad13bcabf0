"""Every search and lookup refuses a text too long or holding a control character in one
line naming the field, on both engines, before any query (issue 17: a NUL was PostgreSQL's
DataError, 60,000 characters SQLite's 'LIKE or GLOB pattern too complex')."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from equipshare.domain.errors import InputError
from equipshare.domain.inputs.search_text import MAX_SEARCH_CHARS
from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.domain.records.operations.history import HistoryQuery
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.records.users.accounts import UserQuery
from equipshare.services.bookings.service import BookingService
from equipshare.services.catalogue.service import CatalogueService, InstrumentLookupService
from equipshare.services.history.service import HistoryService
from equipshare.services.people.service import PeopleService, UserLookupService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

HOSTILE = {
    "nul": ("xps\x00", "control character ('\\x00')"),
    "line break": ("xps\nsem", "control character ('\\n')"),
    "escape": ("\x1b[31mxps", "control character ('\\x1b')"),
    "too long": ("x" * 60_000, f"at most {MAX_SEARCH_CHARS} characters, not 60,0"),
}

Entry = Callable[[ServiceContext, str], object]
ENTRIES: dict[str, tuple[Entry, str]] = {
    "catalogue page": (
        lambda c, t: CatalogueService(c).page("alice", CatalogueQuery(search=t)),
        "search",
    ),
    "catalogue count": (
        lambda c, t: CatalogueService(c).count("alice", CatalogueQuery(search=t)),
        "search",
    ),
    "users page": (lambda c, t: PeopleService(c).page_users("root", UserQuery(search=t)), "search"),
    "users page institution": (
        lambda c, t: PeopleService(c).page_users("root", UserQuery(institution_code=t)),
        "institution",
    ),
    "users list institution": (
        lambda c, t: PeopleService(c).list_users("root", institution=t),
        "--institution",
    ),
    "code lookup": (lambda c, t: InstrumentLookupService(c).codes("alice", t), "code"),
    "username lookup": (lambda c, t: UserLookupService(c).usernames("root", t), "username"),
    "username lookup team": (
        lambda c, t: UserLookupService(c).usernames("root", "te", team_of=t),
        "instrument",
    ),
    "audit entity": (
        lambda c, t: HistoryService(c).page("root", HistoryQuery(entity="instrument:" + t)),
        "--entity",
    ),
    "audit instrument": (
        lambda c, t: HistoryService(c).page("root", HistoryQuery(instrument=t)),
        "--instrument",
    ),
    "audit user": (lambda c, t: HistoryService(c).page("root", HistoryQuery(actor=t)), "--user"),
    # Every command names an instrument or a user too: `book "X\0"` was a DataError.
    "booking's instrument": (
        lambda c, t: BookingService(c).book("alice", _request(t)),
        "instrument",
    ),
    "acting user": (lambda c, t: BookingService(c).book(t, _request("WAR-XPS-01")), "user"),
}


def _request(code: str) -> BookingRequest:
    return BookingRequest(code, london(2026, 3, 17, 10), london(2026, 3, 17, 12))


@pytest.mark.parametrize("entry", sorted(ENTRIES))
@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_a_hostile_search_is_refused_in_one_line_naming_its_field(
    context: ServiceContext, world: World, entry: str, hostile: str
) -> None:
    call, field = ENTRIES[entry]
    text, words = HOSTILE[hostile]
    with pytest.raises(InputError) as refused:
        call(context, text)
    assert refused.value.field == field
    message = str(refused.value)
    assert message.startswith(f"{field}: ") and words in message and "\n" not in message


def test_a_search_at_the_limit_is_answered(context: ServiceContext, world: World) -> None:
    """The longest text allowed, of the most words it can hold, runs on both engines."""
    words = " ".join(["x"] * (MAX_SEARCH_CHARS // 2))
    assert len(words) <= MAX_SEARCH_CHARS
    catalogue = CatalogueService(context)
    found = catalogue.page("alice", CatalogueQuery(search=words))
    assert [row.code for row in found.rows] == ["WAR-XPS-01"]  # 'x' in every column needed
    assert catalogue.count("alice", CatalogueQuery(search="é" * MAX_SEARCH_CHARS)) == 0
    absent = " ".join(["qz"] * (MAX_SEARCH_CHARS // 3))
    assert PeopleService(context).page_users("root", UserQuery(search=absent)).rows == ()
    assert InstrumentLookupService(context).codes("alice", "W" * MAX_SEARCH_CHARS) == ()
    assert UserLookupService(context).usernames("root", "a" * MAX_SEARCH_CHARS) == ()

"""Who may see which calendar has one answer: a feed token is refused exactly when
`export ics` of the same calendar is, with the same refusal; and a facility's staff exporting
someone's calendar get only that person's bookings at their facilities, in a file that names
no one beyond what those bookings show. On both engines."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from equipshare.domain.enums import ExportKind
from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.records.scheduling.calendar import ExportScope
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.calendar.export import CalendarExportService
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

USERS = ["alice", "bob", "carol", "dave", "erin", "mgr", "tech", "otherstaff", "root", "gone"]
SCOPES = [
    (ExportKind.INSTRUMENT, code)
    for code in ["WAR-XPS-01", "WAR-MEG-01", "WAR-RAM-01", "WAR-AFM-01", "AST-SEM-01", "NO-SUCH-01"]
] + [
    (ExportKind.FACILITY, "WAR-PRP"),
    (ExportKind.FACILITY, "AST-EM"),
    (ExportKind.FACILITY, "NO-SUCH"),
    (ExportKind.INSTITUTION, "WARWICK"),
    (ExportKind.INSTITUTION, "ASTON"),
    (ExportKind.INSTITUTION, "NOWHERE"),
]


def outcome(call: Callable[..., object], *args: object) -> tuple[str, str]:
    try:
        call(*args)
    except EquipshareError as exc:
        return type(exc).__name__, str(exc)
    return "allowed", ""


def test_a_feed_token_is_refused_exactly_when_the_export_is(
    context: ServiceContext, world: World
) -> None:
    export, feeds = CalendarExportService(context), FeedsService(context)
    allowed = 0
    for user in USERS:
        for kind, key in SCOPES:
            exported = outcome(export.events, user, ExportScope(kind, key))
            subscribed = outcome(feeds.create, user, kind, key)
            assert subscribed[0] == exported[0], (user, kind.value, key, subscribed, exported)
            if exported[0] == "NotFound":  # the same words: nothing made up for feeds
                assert subscribed == exported
            allowed += exported[0] == "allowed"
    # Every active user sees every instrument that exists, staff their own facilities.
    assert allowed >= 9 * 5 + 4


@pytest.fixture
def bob_at_both(context: ServiceContext, world: World) -> None:
    """bob (Aston) books the Warwick XPS and Aston's SEM."""
    bookings = BookingService(context)
    bookings.book(
        "bob",
        BookingRequest(
            "WAR-XPS-01", london(2026, 3, 24, 10), london(2026, 3, 24, 12), purpose="Films"
        ),
    )
    bookings.book(
        "bob",
        BookingRequest(
            "AST-SEM-01", london(2026, 3, 25, 10), london(2026, 3, 25, 11), purpose="Grains"
        ),
    )


def test_staff_export_only_their_facilities_bookings_of_a_user(
    context: ServiceContext, bob_at_both: None
) -> None:
    export = CalendarExportService(context)
    _meta, warwick = export.events("mgr", ExportScope(ExportKind.USER, "bob"))
    assert [e.summary.split()[0].rstrip(":") for e in warwick] == ["WAR-XPS-01"]
    _meta, aston = export.events("otherstaff", ExportScope(ExportKind.USER, "bob"))
    assert [e.summary.split()[0].rstrip(":") for e in aston] == ["AST-SEM-01"]
    _meta, everything = export.events("bob", ExportScope(ExportKind.USER, "bob"))
    assert len(everything) == 2


def test_a_staff_export_with_no_event_names_no_one(context: ServiceContext, world: World) -> None:
    export = CalendarExportService(context)
    text = export.export("otherstaff", ExportScope(ExportKind.USER, "alice")).decode()
    assert "BEGIN:VEVENT" not in text
    assert "Alice" not in text and "alice@" not in text  # her name and address
    assert "X-WR-CALNAME:alice's bookings at your facilities" in text
    own = export.export("alice", ExportScope(ExportKind.USER, "alice")).decode()
    assert "Alice's bookings" in own  # her own file is hers to read

"""The History screen: h on an instrument or a booking shows who changed what, and when.

The clock stands at Mon 16 Mar 2026 09:00 UTC (09:00 GMT in Warwick) throughout.
"""

from __future__ import annotations

import re

from textual.pilot import Pilot
from textual.widgets import Static

from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.catalogue.detail import InstrumentDetailService
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.history import HistoryScreen
from equipshare.tui.screens.instrument import InstrumentScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.world import World, london
from tests.tui.conftest import recorded, settle, shown

XPS = "WAR-XPS-01"


def rows(screen: HistoryScreen) -> list[list[str]]:
    table = screen.query_one("#history-table", FittedTable)
    return [[str(cell) for cell in table.row_values_at(i)] for i in range(table.row_count)]


def status(screen: HistoryScreen) -> str:
    return str(screen.query_one("#history-status", Static).content)


async def instrument_history(
    pilot: Pilot[None], context: ServiceContext, actor: str
) -> HistoryScreen:
    """Open XPS's instrument screen as `actor`, then press h there."""
    app = pilot.app
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    instrument = InstrumentScreen(InstrumentDetailService(context), actor, XPS)
    await app.push_screen(instrument)
    await settle(pilot, lambda: instrument.detail is not None)
    await pilot.press("h")
    screen = await shown(pilot, HistoryScreen)
    await settle(pilot, lambda: screen.loaded)
    return screen


async def test_staff_read_an_instruments_history_with_the_zone_named(
    context: ServiceContext, world: World
) -> None:
    bookings = BookingService(context)
    alice = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 16, 11), london(2026, 3, 16, 12))
    )
    bookings.cancel("alice", alice.id, "plans changed")

    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        screen = await instrument_history(pilot, context, "tech")

        table = rows(screen)
        assert [row[2] for row in table] == ["booking.cancel", "booking.create"]  # newest first
        for when, who, _, what, _ in table:
            assert (when, who, what) == ("2026-03-16 09:00 GMT", "alice", f"booking:{alice.id}")
        assert "status: confirmed -> cancelled" in table[0][4]
        assert "starts_at: - -> 2026-03-16 11:00 GMT" in table[1][4]
        # Names for ids, pounds for pence, as the other screens show them.
        assert "instrument: - -> WAR-XPS-01" in table[1][4] and "user: - -> alice" in table[1][4]
        assert re.search(r"instrument charge: - -> £\d+\.\d\d;", table[1][4]), table[1][4]
        assert not any("_id:" in row[4] or "_pence" in row[4] for row in table), table
        assert "Europe/London" in status(screen)
        assert recorded(app).notified("error") == []

        await pilot.press("escape")
        assert isinstance(app.screen, InstrumentScreen)


async def test_a_researcher_reads_their_own_bookings_history_from_my_bookings(
    context: ServiceContext, world: World
) -> None:
    booking = BookingService(context).book(
        "alice", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12))
    )

    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("m")
        mine = await shown(pilot, MyBookingsScreen)
        await settle(pilot, lambda: mine.loaded)
        await pilot.press("h")
        screen = await shown(pilot, HistoryScreen)
        await settle(pilot, lambda: screen.loaded)

        [row] = rows(screen)
        assert row[:4] == [
            "2026-03-16 09:00 GMT",
            "alice",
            "booking.create",
            f"booking:{booking.id}",
        ]
        assert str(screen.query_one("#history-title", Static).content) == (
            f"History of booking {booking.id} on {XPS}"
        )
        assert status(screen) == "1 event, newest first; times in Europe/London"
        assert screen.refused is None


async def test_a_researcher_on_an_instrument_sees_only_their_own_bookings(
    context: ServiceContext, world: World
) -> None:
    bookings = BookingService(context)
    mine = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 16, 11), london(2026, 3, 16, 12))
    )
    bookings.book("bob", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12)))

    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        screen = await instrument_history(pilot, context, "alice")

        assert [(row[1], row[3]) for row in rows(screen)] == [("alice", f"booking:{mine.id}")]
        assert screen.refused is None


async def test_older_events_load_when_the_cursor_reaches_the_last_row(
    context: ServiceContext, world: World
) -> None:
    with context.database.sessions.begin() as session:
        for n in range(60):
            record_audit(
                session,
                actor_id=world.users["tech"],
                action="instrument.update",
                entity_type="instrument",
                entity_id=world.instruments[XPS],
                at=context.clock.now(),
                before={"name": f"XPS {n}"},
                after={"name": f"XPS {n + 1}"},
            )

    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        screen = await instrument_history(pilot, context, "tech")
        assert len(rows(screen)) == 50
        assert rows(screen)[0][4] == "name: XPS 59 -> XPS 60"
        assert status(screen).endswith("move to the last row for older ones")

        await pilot.press("ctrl+end")
        await settle(pilot, lambda: len(rows(screen)) == 60)
        assert rows(screen)[-1][4] == "name: XPS 0 -> XPS 1"
        assert status(screen) == "60 events, newest first; times in Europe/London"


def test_changed_times_read_in_the_facility_zone_like_the_when_column() -> None:
    """A stored UTC instant in Changes reads as the When column does (the status line says
    times are in the facility's zone); across the clocks going forward it names BST."""
    from datetime import UTC, datetime

    from equipshare.domain.records.operations.history import FieldChange, HistoryEvent
    from equipshare.tui.screens.history import event_cells

    changes = (
        FieldChange("starts_at", None, "2026-03-19T13:00:00+00:00"),
        FieldChange("ends_at", "2026-03-30T08:00:00+00:00", "2026-03-30T09:00:00+00:00"),
        FieldChange("purpose", None, "T-shirt: 2026T"),
    )
    event = HistoryEvent(
        1, datetime(2026, 3, 16, 9, tzinfo=UTC), "Europe/London", "tech", "downtime.create",
        "downtime", "1", "downtime:1", XPS, changes,
    )  # fmt: skip
    assert event_cells(event)[4] == (
        "starts_at: - -> 2026-03-19 13:00 GMT; "
        "ends_at: 2026-03-30 09:00 BST -> 2026-03-30 10:00 BST; "
        "purpose: - -> T-shirt: 2026T"
    )


async def test_enter_on_an_event_shows_it_whole(context: ServiceContext, world: World) -> None:
    bookings = BookingService(context)
    alice = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 16, 11), london(2026, 3, 16, 12))
    )
    bookings.cancel("alice", alice.id, "plans changed")
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await instrument_history(pilot, context, "tech")
        await pilot.press("enter")  # the newest: the cancellation
        await settle(pilot, lambda: bool(recorded(app).notified("information")))
        shown_whole = recorded(app).notified("information")[-1].splitlines()
        assert shown_whole[0] == f"2026-03-16 09:00 GMT  alice  booking.cancel  booking:{alice.id}"
        assert "status: confirmed -> cancelled" in shown_whole[1:]

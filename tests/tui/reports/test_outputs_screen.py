"""The Outputs screen (O): a researcher records an output against ticked bookings from the
keyboard, edits and removes it; a refused draft reopens the form with what was typed; the
assisting technician sees it listed."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, SelectionList

from equipshare.domain.enums import BookingStatus
from equipshare.services.outputs.service import OutputService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.modals.reports.output_form import OutputForm
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.outputs import OutputsScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World, london
from tests.tui.conftest import settle, shown


async def open_outputs(pilot: Pilot[None]) -> OutputsScreen:
    app = pilot.app
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    await pilot.press("O")
    screen = await shown(pilot, OutputsScreen)
    await settle(pilot, lambda: screen.loaded)
    return screen


def rows(screen: OutputsScreen) -> list[list[str]]:
    table = screen.query_one("#outputs-table", FittedTable)
    return [[str(c) for c in table.row_values_at(i)] for i in range(table.row_count)]


async def test_record_edit_and_remove_from_the_keyboard(
    context: ServiceContext, world: World
) -> None:
    first = plant_booking(
        context.database, world, "alice", "WAR-XPS-01", london(2026, 2, 3, 10),
        london(2026, 2, 3, 12), BookingStatus.COMPLETED, technician_id=world.users["tech"],
    )  # fmt: skip
    plant_booking(
        context.database, world, "alice", "WAR-XPS-01", london(2026, 3, 20, 10),
        london(2026, 3, 20, 12), BookingStatus.CONFIRMED,
    )  # fmt: skip
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_outputs(pilot)
        assert rows(screen) == []
        assert [b.booking_id for b in screen.bookings] == [first]  # completed ones only
        await pilot.press("a")
        form = await shown(pilot, OutputForm)
        # A year that is no year: refused, and the form comes back holding the draft.
        await pilot.press(*"10.1000/abc", "tab", *"Surfaces", "tab", "tab", "tab", "space")
        assert form.query_one("#output-bookings", SelectionList).selected == [first]
        await pilot.press("ctrl+s")
        again = await shown(pilot, OutputForm)
        assert again is not form and again.draft.doi == "10.1000/abc"
        assert again.draft.booking_ids == (first,)
        again.query_one("#output-year", Input).value = "2026"
        await pilot.press("ctrl+s")
        await settle(
            pilot, lambda: isinstance(app.screen, OutputsScreen) and len(rows(screen)) == 1
        )
        assert rows(screen)[0][:3] == ["2026", "Surfaces", "10.1000/abc"]

        await pilot.press("e")
        edit = await shown(pilot, OutputForm)
        assert edit.draft.booking_ids == (first,) and edit.draft.year == "2026"
        edit.query_one("#output-title", Input).value = "Surfaces, revised"
        await pilot.press("ctrl+s")
        await settle(
            pilot, lambda: bool(rows(screen)) and rows(screen)[0][1] == "Surfaces, revised"
        )
        assert [o.title for o in OutputService(context).list_outputs("tech")] == [
            "Surfaces, revised"
        ]

        await pilot.press("d")
        await shown(pilot, ConfirmModal)
        await pilot.click("#confirm-go")
        await settle(pilot, lambda: isinstance(app.screen, OutputsScreen) and rows(screen) == [])
        assert OutputService(context).list_outputs("alice") == ()


async def test_the_assisting_technician_sees_it(context: ServiceContext, world: World) -> None:
    booking = plant_booking(
        context.database, world, "bob", "WAR-XPS-01", london(2026, 2, 3, 10),
        london(2026, 2, 3, 12), BookingStatus.COMPLETED, technician_id=world.users["tech"],
    )  # fmt: skip
    OutputService(context).add("bob", "10.1000/bob", "Bob's paper", 2026, booking_ids=[booking])
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_outputs(pilot)
        assert [r[:2] for r in rows(screen)] == [["2026", "Bob's paper"]]
        await pilot.press("d")  # not theirs: refused, the list unchanged
        await shown(pilot, ConfirmModal)
        await pilot.click("#confirm-go")
        await pilot.pause()
        await settle(pilot, lambda: not screen.working("outputs_save"))
        assert len(OutputService(context).list_outputs("bob")) == 1


async def test_enter_on_an_output_edits_it_as_e_does(context: ServiceContext, world: World) -> None:
    first = plant_booking(
        context.database, world, "alice", "WAR-XPS-01", london(2026, 2, 3, 10),
        london(2026, 2, 3, 12), BookingStatus.COMPLETED,
    )  # fmt: skip
    OutputService(context).add("alice", "10.1000/abc", "Surfaces", 2026, booking_ids=[first])
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_outputs(pilot)
        await settle(pilot, lambda: len(rows(screen)) == 1)
        await pilot.press("enter")
        edit = await shown(pilot, OutputForm)
        assert edit.draft.doi == "10.1000/abc" and edit.draft.booking_ids == (first,)

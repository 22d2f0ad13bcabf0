"""Downtime screen: staff preview the bookings a downtime cancels, confirm or back out.

The clock is Mon 16 Mar 2026 09:00 UTC; London is on GMT until 29 Mar.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Static

from equipshare.domain.enums import BookingStatus, DowntimeReason
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.service import WaitlistService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.modals.downtime.schedule_downtime import ScheduleDowntimeModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.downtime import DowntimeScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.world import World, london
from tests.tui.conftest import Posted, click_when_ready, settle, shown

XPS = "WAR-XPS-01"
MONTH = (london(2026, 3, 1, 0), london(2026, 5, 1, 0))


@pytest.fixture
def alice_booking(context: ServiceContext, world: World) -> int:
    """alice on the XPS Wed 18 Mar 10-12, and a calibration of the Raman on Thursday."""
    DowntimeService(context).schedule(
        "mgr",
        "WAR-RAM-01",
        london(2026, 3, 19, 9),
        london(2026, 3, 19, 10),
        DowntimeReason.CALIBRATION,
    )
    request = BookingRequest(XPS, london(2026, 3, 18, 10), london(2026, 3, 18, 12))
    return BookingService(context).book("alice", request).id


def table_rows(app: EquipshareApp, selector: str) -> list[tuple[str, ...]]:
    table = app.screen.query_one(selector, DataTable)
    if isinstance(table, FittedTable):  # every column's cell, shown or not
        return [tuple(str(cell) for cell in table.row_values_at(i)) for i in range(table.row_count)]
    return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


def downtime_screen(app: EquipshareApp) -> DowntimeScreen:
    assert isinstance(app.screen, DowntimeScreen)
    return app.screen


async def open_downtime(app: EquipshareApp, pilot: Pilot[None], context: ServiceContext) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    app.push_screen(DowntimeScreen(DowntimeService(context), app.actor_username))
    await settle(pilot, lambda: isinstance(app.screen, DowntimeScreen) and app.screen.loaded)


async def preview(
    pilot: Pilot[None], posted: Posted, form: ScheduleDowntimeModal, **values: str
) -> None:
    """Fill the form's text fields and press Preview; waits for this preview's answer.

    An earlier step's plan or error is still showing until the form hears the answer, so
    the wait counts answers: a preview or a refusal posted after the click.
    """
    answers = (ScheduleDowntimeModal.Previewed, ScheduleDowntimeModal.Refused)
    before = posted.count(*answers)
    for field, text in values.items():
        form.query_one(f"#downtime-{field}", Input).value = text
    await pilot.pause()  # let the form react to the edits (they drop a shown preview) first
    await click_when_ready(pilot, "#downtime-preview-button")
    await settle(pilot, lambda: posted.count(*answers) > before)


def downtime_on_xps(context: ServiceContext) -> list[tuple[DowntimeReason, str]]:
    found = DowntimeService(context).list_for_instrument(XPS, *MONTH)
    return [(d.reason, d.description) for d in found]


async def test_preview_then_escape_writes_nothing_and_confirming_cancels_the_booking(
    context: ServiceContext, alice_booking: int
) -> None:
    bookings = BookingService(context)
    app = EquipshareApp(context, "tech")
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await open_downtime(app, pilot, context)
        assert table_rows(app, "#downtime-table") == [
            ("Thu 19 Mar 09:00-10:00 GMT", "WAR-RAM-01", "calibration", "", "Mgr")
        ]
        status = str(app.screen.query_one("#downtime-status", Static).content)
        assert status == "1 current or coming downtime  ·  n schedules one"

        await pilot.press("n")
        form = await shown(pilot, ScheduleDowntimeModal)
        await preview(
            pilot,
            posted,
            form,
            instrument=XPS,
            start="2026-03-18 09:00",
            end="8h",
            description="filament",
        )
        assert form.errors() == {}
        summary = str(form.query_one("#downtime-summary", Static).content)
        assert summary == (
            "Maintenance of WAR-XPS-01 Wed 18 Mar 2026 09:00-17:00 GMT: "
            "cancels 1 booking and tells their owners:"
        )
        assert table_rows(app, "#downtime-bookings") == [
            ("Wed 18 Mar 2026 10:00-12:00 GMT", "alice", "WARWICK", "confirmed")
        ]
        confirm = form.query_one("#downtime-confirm", Button)
        assert str(confirm.label) == "Schedule and cancel 1 booking"
        assert app.focused is confirm

        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, DowntimeScreen))
        assert downtime_on_xps(context) == []
        assert bookings.get("alice", alice_booking).status is BookingStatus.CONFIRMED

        await pilot.press("n")
        form = await shown(pilot, ScheduleDowntimeModal)
        await preview(
            pilot,
            posted,
            form,
            instrument=XPS,
            start="2026-03-18 09:00",
            end="2026-03-18 17:00",
            description="filament",
        )
        await pilot.press("enter")  # on "Schedule and cancel 1 booking"
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, DowntimeScreen)
                and app.screen.loaded
                and len(table_rows(app, "#downtime-table")) == 2
            ),
        )
        assert downtime_on_xps(context) == [(DowntimeReason.MAINTENANCE, "filament")]
        cancelled = bookings.get("alice", alice_booking)
        assert cancelled.status is BookingStatus.CANCELLED
        assert cancelled.status_reason == "Downtime: maintenance: filament"
        assert table_rows(app, "#downtime-table")[0] == (
            "Wed 18 Mar 09:00-17:00 GMT",
            XPS,
            "maintenance",
            "filament",
            "Tech",
        )

        await pilot.press("x")  # the cursor is on the XPS downtime
        await shown(pilot, ConfirmModal)
        await pilot.click("#confirm-go")
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, DowntimeScreen)
                and app.screen.loaded
                and len(table_rows(app, "#downtime-table")) == 1
            ),
        )
        assert downtime_on_xps(context) == []


async def test_bad_times_and_a_researcher_are_refused_beside_the_field(
    context: ServiceContext, alice_booking: int
) -> None:
    app = EquipshareApp(context, "tech")
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await open_downtime(app, pilot, context)
        await pilot.press("n")
        form = await shown(pilot, ScheduleDowntimeModal)
        assert form.query_one("#downtime-instrument", Input).value == "WAR-RAM-01"

        await preview(
            pilot, posted, form, instrument=XPS, start="2026-03-18 17:00", end="2026-03-18 09:00"
        )
        assert form.errors() == {"end": "the downtime must end after it starts"}
        assert form.plan is None

        await preview(pilot, posted, form, start="2026-03-29 01:30", end="2h")
        assert form.errors() == {
            "start": "2026-03-29 01:30 does not exist in Europe/London "
            "(the clocks go forward then); pick another time"
        }
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, DowntimeScreen))
    assert downtime_on_xps(context) == []

    app = EquipshareApp(context, "alice")
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await open_downtime(app, pilot, context)
        screen = downtime_screen(app)
        assert table_rows(app, "#downtime-table") == []
        assert "you staff no facility" in str(screen.query_one("#downtime-status", Static).content)
        await pilot.press("n")  # not offered to a researcher
        await pilot.pause()
        assert app.screen is screen

        app.push_screen(ScheduleDowntimeModal(DowntimeService(context), "alice"))
        form = await shown(pilot, ScheduleDowntimeModal)
        await preview(pilot, posted, form, instrument=XPS, start="2026-03-18 09:00", end="8h")
        assert form.errors() == {
            "instrument": "alice may not schedule downtime on WAR-XPS-01: that needs a manager "
            "or technician of Warwick Photoemission RTP, or an admin"
        }
    assert downtime_on_xps(context) == []
    status = BookingService(context).get("alice", alice_booking).status
    assert status is BookingStatus.CONFIRMED


async def test_the_preview_names_the_waitlist_holds_a_downtime_ends(
    context: ServiceContext, alice_booking: int
) -> None:
    """bob holds alice's freed slot off the waitlist; the preview says the downtime ends it."""
    waitlist = WaitlistService(context)
    waitlist.join("bob", XPS, london(2026, 3, 18, 10), london(2026, 3, 18, 12))
    BookingService(context).cancel("alice", alice_booking)
    assert waitlist.mine("bob")[0].held_until is not None
    app = EquipshareApp(context, "tech")
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await open_downtime(app, pilot, context)
        await pilot.press("n")
        form = await shown(pilot, ScheduleDowntimeModal)
        await preview(
            pilot, posted, form, instrument=XPS, start="2026-03-18 09:00", end="8h",
            description="filament",
        )  # fmt: skip
        summary = str(form.query_one("#downtime-summary", Static).content)
        assert summary == (
            "Maintenance of WAR-XPS-01 Wed 18 Mar 2026 09:00-17:00 GMT: no bookings are in "
            "the way. It also ends the waitlist hold of bob, who is told."
        )


async def test_enter_on_a_downtime_says_what_changes_one(
    context: ServiceContext, alice_booking: int
) -> None:
    app = EquipshareApp(context, "tech")
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await open_downtime(app, pilot, context)
        await pilot.press("enter")
        await settle(pilot, lambda: bool(posted.notified("warning")))
        assert posted.notified("warning") == [
            "A downtime is not changed once scheduled: x cancels it, n schedules another"
        ]
        assert isinstance(app.screen, DowntimeScreen)

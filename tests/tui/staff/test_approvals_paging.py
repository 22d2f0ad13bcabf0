"""Approvals with more requests than a page: every one reachable, searched, approved in bulk,
and the last decision undone while its notices are unsent (issue 20).

The header said "1131 to approve" while the list stopped at 200. Here 230 requests wait,
planted in one transaction on Warwick's MEG an hour apart, each a minute after the last;
the clock stands at Mon 16 Mar 2026 09:00 UTC.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Static

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.db.models.queue import Notification
from equipshare.domain.enums import BookingStatus, NotificationStatus
from equipshare.services.notify.delivery import NotifyService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.approval_words import SELECTED
from equipshare.tui.modals.bookings.reason import RejectBookingModal
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.screens.approvals import ApprovalsScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.mailbox import Mailbox, mail_settings, running_mailbox
from tests.support.world import World
from tests.tui.conftest import click_when_ready, recorded, settle, shown

WAITING = 230
REQUESTED = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
FIRST_START = datetime(2026, 3, 17, 8, 0, tzinfo=UTC)


@pytest.fixture
def waiting(database: Database, world: World) -> list[int]:
    """230 pending MEG requests, alternately Alice's and Erin's, oldest request first."""
    with database.sessions.begin() as session:
        rows = [
            Booking(
                instrument_id=world.instruments["WAR-MEG-01"],
                user_id=world.users[user],
                created_by_id=world.users[user],
                starts_at=FIRST_START + timedelta(hours=i),
                ends_at=FIRST_START + timedelta(hours=i, minutes=30),
                status=BookingStatus.PENDING,
                purpose="planted",
                project_code="GR-1",
                ical_uid=f"waiting-{uuid.uuid4()}@test",
                sequence=0,
                created_at=REQUESTED + timedelta(minutes=i),
                updated_at=REQUESTED,
            )
            for i, user in enumerate(("alice", "erin") * (WAITING // 2))
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


def screen_of(app: EquipshareApp) -> ApprovalsScreen:
    assert isinstance(app.screen, ApprovalsScreen)
    return app.screen


def table_of(app: EquipshareApp) -> FittedTable:
    return screen_of(app).query_one("#approvals-table", FittedTable)


def shown_ids(app: EquipshareApp) -> list[int]:
    table = table_of(app)
    return [int(str(row.key.value)) for row in table.ordered_rows]


def status(app: EquipshareApp) -> str:
    return str(screen_of(app).query_one("#approvals-status", Static).content)


def statuses(database: Database, ids: list[int]) -> dict[int, BookingStatus]:
    with database.readonly() as session:
        found = session.execute(select(Booking.id, Booking.status).where(Booking.id.in_(ids)))
        return {booking_id: status for booking_id, status in found}


async def open_from_header(app: EquipshareApp, pilot: Pilot[None]) -> ApprovalsScreen:
    """Wait for the header's count, then open Approvals with its key, as a manager would."""
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
    await pilot.press("A")
    await settle(pilot, lambda: isinstance(app.screen, ApprovalsScreen) and app.screen.loaded)
    return screen_of(app)


async def test_every_request_the_header_counts_is_reached_by_scrolling(
    context: ServiceContext, waiting: list[int]
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await open_from_header(app, pilot)
        assert app.sub_title == f"signed in as mgr · {WAITING} to approve"
        assert status(app).startswith(
            f"{WAITING} requests waiting, oldest first  ·  200 loaded, more below"
        )
        await pilot.press("ctrl+end")  # the last row loaded: the next page follows
        await settle(pilot, lambda: table_of(app).row_count == WAITING)
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert shown_ids(app) == waiting  # oldest request first, each once
        assert table_of(app).cursor_row == WAITING - 1
        assert status(app).startswith(f"{WAITING} requests waiting, oldest first  ·")
        await pilot.press("pagedown")  # nothing lies beyond, and nothing breaks
        await pilot.pause()
        assert table_of(app).row_count == WAITING and recorded(app).notified("error") == []


async def test_a_search_narrows_the_list_as_typed_and_the_order_can_change(
    context: ServiceContext, waiting: list[int]
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await open_from_header(app, pilot)
        await pilot.press("slash", *"ERIN")
        await settle(pilot, lambda: "match 'ERIN'" in status(app))
        assert status(app).startswith("115 requests match 'ERIN', oldest first")
        await pilot.press("enter")  # back to the list, which pages as before
        await pilot.press("ctrl+end")
        await settle(pilot, lambda: table_of(app).row_count == WAITING // 2)
        assert shown_ids(app) == waiting[1::2]
        await pilot.press("o")  # soonest start first: the same requests here
        await settle(pilot, lambda: "soonest start first" in status(app))
        assert shown_ids(app)[:3] == waiting[1:6:2]
        await pilot.press("slash", *" nobody", "enter")
        await settle(pilot, lambda: "No requests match" in status(app))
        assert table_of(app).row_count == 0
        # A search too long is refused in the status line, over an empty list.
        box = screen_of(app).search_box
        box.value = "x" * 201
        await settle(pilot, lambda: status(app).startswith("Not shown: search: at most 200"))
        assert table_of(app).row_count == 0 and box.has_class("-invalid")
        box.value = "erin"
        await settle(pilot, lambda: table_of(app).row_count > 0)
        assert not box.has_class("-invalid") and status(app).startswith("115 requests match")


async def test_bulk_approval_approves_exactly_the_selected_and_undo_restores_them(
    context: ServiceContext, database: Database, waiting: list[int]
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await open_from_header(app, pilot)
        await pilot.press("space", "down", "space", "space")  # 1st, 3rd and 4th rows
        await pilot.press("up", "space")  # the 4th again: unselected
        chosen = [waiting[0], waiting[2]]
        marks = [str(table_of(app).row_values_at(i)[0]) for i in range(4)]
        assert marks == [SELECTED, "", SELECTED, ""]
        assert "oldest first  ·  2 selected  ·  200 loaded" in status(app)

        await pilot.press("b")
        confirm = await shown(pilot, ConfirmModal)
        assert confirm.question == "Approve 2 selected requests?"
        await click_when_ready(pilot, "#confirm-go")
        # The two leave the list where they stood (or with the list read again, when the
        # screen's live check sees the write first: the next page then fills it to 200).
        await settle(pilot, lambda: not set(chosen) & set(shown_ids(app)))
        assert statuses(database, waiting[:4]) == {
            waiting[0]: BookingStatus.CONFIRMED,
            waiting[1]: BookingStatus.PENDING,
            waiting[2]: BookingStatus.CONFIRMED,
            waiting[3]: BookingStatus.PENDING,
        }
        assert chosen[0] not in shown_ids(app) and waiting[1] in shown_ids(app)
        assert recorded(app).notified("information")[-1] == "Approved 2 requests"
        await settle(pilot, lambda: app.sub_title.endswith(f"{WAITING - 2} to approve"))

        await pilot.press("u")
        await settle(pilot, lambda: shown_ids(app)[:4] == waiting[:4])
        assert recorded(app).notified("information")[-1] == (
            "Undid the approval of 2 requests: pending again; 2 unsent notices withdrawn"
        )
        assert set(statuses(database, chosen).values()) == {BookingStatus.PENDING}
        await settle(pilot, lambda: app.sub_title.endswith(f"{WAITING} to approve"))
        await pilot.press("u")  # once undone, there is nothing left to undo
        await settle(pilot, lambda: bool(recorded(app).notified("warning")))
        assert recorded(app).notified("warning") == [
            "Nothing to undo: you have decided no request here"
        ]


async def test_undo_says_why_once_the_requester_has_been_told(
    context: ServiceContext, database: Database, waiting: list[int], mailbox: Mailbox
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await open_from_header(app, pilot)
        await pilot.press("a")
        await settle(pilot, lambda: waiting[0] not in shown_ids(app))
        settings = mail_settings(context.settings, mailbox)
        NotifyService(ServiceContext(context.database, context.clock, settings)).run("root")
        await pilot.press("u")
        await settle(pilot, lambda: bool(recorded(app).notified("error")))
        assert recorded(app).notified("error") == [
            f"booking {waiting[0]} (WAR-MEG-01 Tue 17 Mar 2026 08:00-08:30 GMT) cannot be "
            "undone: the notice of its approval was sent to the requester at 09:00 GMT on Mon "
            "16 Mar; cancel the booking if it must not go ahead"
        ]
        assert statuses(database, [waiting[0]]) == {waiting[0]: BookingStatus.CONFIRMED}
        with database.readonly() as session:
            sent = session.scalar(
                select(Notification.status).where(
                    Notification.booking_id == waiting[0], Notification.kind == "booking_approved"
                )
            )
        assert sent is NotificationStatus.SENT
        # A rejection made now is undone while its notice waits.
        await pilot.press("r")
        await shown(pilot, RejectBookingModal)
        await pilot.press(*"calibration", "enter")
        await settle(pilot, lambda: waiting[1] not in shown_ids(app))
        assert statuses(database, [waiting[1]]) == {waiting[1]: BookingStatus.REJECTED}
        await pilot.press("u")
        await settle(pilot, lambda: shown_ids(app)[0] == waiting[1])
        assert recorded(app).notified("information")[-1] == (
            f"Undid the rejection of booking {waiting[1]} on WAR-MEG-01: pending again; "
            "1 unsent notice withdrawn"
        )
        assert statuses(database, [waiting[1]]) == {waiting[1]: BookingStatus.PENDING}

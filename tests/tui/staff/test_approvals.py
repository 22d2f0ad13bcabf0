"""Approvals: a manager sees requests oldest first, approves one, rejects one with a reason.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT in London); requests are made
five minutes apart. Carol's request is for Aston's facility, which mgr does not staff.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from equipshare.domain.display.wording import training_words
from equipshare.domain.enums import BookingStatus, TrainingStanding
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.records.users.people import TrainingStatus
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.approvals import ApprovalsService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.bookings.reason import NEEDS_REASON, RejectBookingModal
from equipshare.tui.screens.approvals import EMPTY_TEXT, ApprovalsScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.world import World, london
from tests.tui.conftest import recorded, settle, shown

XPS, MEG = "WAR-XPS-01", "WAR-MEG-01"


@pytest.fixture
def requests(context: ServiceContext, world: World, clock: FrozenClock) -> dict[str, int]:
    svc = BookingService(context)

    def book(user: str, code: str, start: datetime, end: datetime, project: str = "") -> int:
        clock.advance(minutes=5)
        request = BookingRequest(
            code, start, end, project_code=project or None, purpose=f"{user}'s samples"
        )
        return svc.book(user, request).id

    return {
        "bob": book("bob", XPS, london(2026, 3, 19, 10), london(2026, 3, 19, 11)),
        "alice": book("alice", MEG, london(2026, 3, 18, 10), london(2026, 3, 18, 12), "GR-1"),
        "carol": book("carol", "AST-SEM-01", london(2026, 3, 17, 10), london(2026, 3, 17, 11)),
        "erin": book("erin", MEG, london(2026, 3, 19, 14), london(2026, 3, 19, 16), "GR-2"),
    }


def test_training_standings_in_words() -> None:
    # 23:30 UTC on 31 Jul is already 1 Aug in London (BST): dates are the facility's.
    summer = datetime(2026, 7, 31, 23, 30, tzinfo=UTC)
    words = {
        standing: training_words(TrainingStatus(standing, summer), "Europe/London")
        for standing in TrainingStanding
    }
    assert words == {
        TrainingStanding.NOT_REQUIRED: "not required",
        TrainingStanding.TRAINED: "trained until 1 Aug 2026",
        TrainingStanding.LAPSES: "training lapses 1 Aug 2026",
        TrainingStanding.EXPIRED: "training expired 1 Aug 2026",
        TrainingStanding.SUPERVISED: "supervised use only",
        TrainingStanding.NOT_TRAINED: "not trained",
    }
    no_expiry = TrainingStatus(TrainingStanding.TRAINED, None)
    assert training_words(no_expiry, "Europe/London") == "trained, no expiry"


def screen_of(app: EquipshareApp) -> ApprovalsScreen:
    assert isinstance(app.screen, ApprovalsScreen)
    return app.screen


def rows(app: EquipshareApp) -> list[tuple[str, ...]]:
    """Each row's cells after the selection mark."""
    table = screen_of(app).query_one("#approvals-table", FittedTable)
    count = table.row_count
    return [tuple(str(cell) for cell in table.row_values_at(i))[1:] for i in range(count)]


def text_of(app: EquipshareApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


def errors(app: EquipshareApp) -> list[str]:
    return recorded(app).notified("error")


def notes(app: EquipshareApp) -> list[str]:
    return recorded(app).notified("information")


async def open_approvals(app: EquipshareApp, pilot: Pilot[None], context: ServiceContext) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    app.push_screen(
        ApprovalsScreen(ApprovalsService(context), BookingService(context), app.actor_username)
    )
    await settle(pilot, lambda: isinstance(app.screen, ApprovalsScreen) and app.screen.loaded)


def status_of(context: ServiceContext, booking_id: int) -> tuple[BookingStatus, str | None]:
    record = BookingService(context).get("root", booking_id)
    return record.status, record.status_reason


async def test_manager_approves_one_and_rejects_another_with_a_reason(
    context: ServiceContext, requests: dict[str, int]
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await open_approvals(app, pilot, context)
        assert rows(app) == [
            ("16 Mar 09:05 GMT", "Thu 19 Mar 10:00-11:00 GMT", XPS, "Bob *", "ASTON",
             "trained until 31 Dec 2027", ""),
            ("16 Mar 09:10 GMT", "Wed 18 Mar 10:00-12:00 GMT", MEG, "Alice", "WARWICK",
             "not required", "GR-1"),
            ("16 Mar 09:20 GMT", "Thu 19 Mar 14:00-16:00 GMT", MEG, "Erin", "WARWICK",
             "not required", "GR-2"),
        ]  # fmt: skip
        assert text_of(app, "#approvals-status").startswith("3 requests waiting, oldest first")

        await pilot.press("a")  # one keystroke approves Bob's, the oldest
        await settle(pilot, lambda: screen_of(app).loaded and len(rows(app)) == 2)
        assert status_of(context, requests["bob"]) == (BookingStatus.CONFIRMED, None)
        assert notes(app) == [f"Approved booking {requests['bob']} on {XPS}  (u undoes)"]
        assert [r[3] for r in rows(app)] == ["Alice", "Erin"]

        await pilot.press("r")  # the cursor stays at the top: Alice's request
        await shown(pilot, RejectBookingModal)
        assert isinstance(app.focused, Input)
        await pilot.press("enter")  # no reason: refused beside the field, dialog stays
        await settle(pilot, lambda: app.screen.query_one("#reason-error", Static).display)
        assert isinstance(app.screen, RejectBookingModal)
        assert text_of(app, "#reason-error") == NEEDS_REASON
        assert status_of(context, requests["alice"])[0] is BookingStatus.PENDING

        await pilot.press(*"MEG booked for calibration", "enter")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalsScreen) and len(rows(app)) == 1)
        assert status_of(context, requests["alice"]) == (
            BookingStatus.REJECTED,
            "MEG booked for calibration",
        )
        assert rows(app)[0][3] == "Erin"
        assert status_of(context, requests["erin"])[0] is BookingStatus.PENDING
        assert status_of(context, requests["carol"])[0] is BookingStatus.PENDING
        assert errors(app) == []


async def test_details_escape_and_the_empty_state(
    context: ServiceContext, requests: dict[str, int]
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_approvals(app, pilot, context)
        assert not app.screen.query_one("#approvals-detail", Static).display
        await pilot.press("down", "enter")
        await settle(pilot, lambda: app.screen.query_one("#approvals-detail", Static).display)
        detail = text_of(app, "#approvals-detail")
        assert "Purpose: alice's samples" in detail
        assert "Project: GR-1" in detail
        assert "Requested: Mon 16 Mar 2026 09:10 GMT" in detail
        await pilot.press("up")  # the open panel follows the cursor
        await settle(pilot, lambda: "another institution" in text_of(app, "#approvals-detail"))
        assert "Training: trained until 31 Dec 2027; not assisted" in text_of(
            app, "#approvals-detail"
        )
        await pilot.press("enter")  # closes the panel again
        await settle(pilot, lambda: not app.screen.query_one("#approvals-detail", Static).display)

        # Bob's request was decided elsewhere: approving it again is refused, the list reloads.
        BookingService(context).approve("tech", requests["bob"])
        await pilot.press("a")
        await settle(pilot, lambda: len(errors(app)) == 1 and len(rows(app)) == 2)
        assert "is confirmed" in errors(app)[0]

        await pilot.press("a")
        await settle(pilot, lambda: screen_of(app).loaded and len(rows(app)) == 1)
        await pilot.press("a")
        await settle(pilot, lambda: screen_of(app).loaded and not rows(app))
        assert app.screen.query_one("#approvals-empty", Static).display
        assert text_of(app, "#approvals-empty") == EMPTY_TEXT
        await pilot.press("a")
        await settle(pilot, lambda: "No request selected" in recorded(app).notified("warning"))
        assert status_of(context, requests["erin"])[0] is BookingStatus.CONFIRMED

        await pilot.press("escape")
        assert isinstance(app.screen, CatalogueScreen)

        # A refused load is shown once, not retried in a loop.
        app.push_screen(
            ApprovalsScreen(ApprovalsService(context), BookingService(context), "ghost")
        )
        await settle(pilot, lambda: len(errors(app)) == 2)
        assert "no user called 'ghost'" in errors(app)[1]
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert len(errors(app)) == 2 and not screen_of(app).loaded

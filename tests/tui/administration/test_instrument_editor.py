"""The instrument editor: managers change details, policy, hours and status; technicians the
status only; a refused value shows beside its field and nothing is written.

The clock is Mon 16 Mar 2026 09:00 UTC; London is on GMT until 29 Mar.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Select, Static, TabbedContent

from equipshare.db.models.audit import AuditEvent
from equipshare.domain.enums import BookingStatus, InstrumentStatus
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.catalogue.service import InstrumentEditingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.administration.instrument_status import StrandedBookingsModal
from equipshare.tui.screens.administration.instrument_editor import InstrumentEditorScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.instrument import InstrumentScreen
from equipshare.tui.widgets.broken_bookings import BrokenBookings
from tests.support.world import World, london
from tests.tui.conftest import Posted, click_when_ready, settle, shown

XPS = "WAR-XPS-01"


def fields(context: ServiceContext) -> dict[str, Any]:
    profile = InstrumentEditingService(context).profile("root", XPS)
    return dict(profile.fields) | {"opening_hours": profile.opening_hours}


def audit_actions(context: ServiceContext) -> list[str]:
    with context.database.sessions.begin() as session:
        rows = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "instrument")
            .order_by(AuditEvent.id)
        )
        return list(rows)


async def open_editor(app: EquipshareApp, pilot: Pilot[None]) -> InstrumentEditorScreen:
    """From the catalogue to the instrument screen, then `e`."""
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
    app.open_instrument(XPS)
    screen = await shown(pilot, InstrumentScreen)
    await settle(pilot, lambda: screen.detail is not None)
    await pilot.press("e")
    editor = await shown(pilot, InstrumentEditorScreen)
    await settle(pilot, lambda: editor.loaded)
    return editor


async def show_tab(pilot: Pilot[None], editor: InstrumentEditorScreen, key: str) -> None:
    editor.query_one("#editor-tabs", TabbedContent).active = f"tab-{key}"
    await pilot.pause()


async def type_into(
    pilot: Pilot[None], editor: InstrumentEditorScreen, name: str, text: str
) -> None:
    """Focus a field, clear it and type, as a user would."""
    field = editor.query_one(f"#field-{name}", Input)
    field.focus()
    await pilot.pause()
    field.clear()
    await pilot.press(*text) if text else await pilot.pause()


async def save(pilot: Pilot[None], posted: Posted) -> None:
    """ctrl+s, waiting for this save's answer (written or refused)."""
    answers = (InstrumentEditorScreen.Saved, InstrumentEditorScreen.Refused)
    before = posted.count(*answers)
    await pilot.press("ctrl+s")
    await settle(pilot, lambda: posted.count(*answers) > before)


async def test_manager_changes_policy_and_hours_and_sees_the_bookings_they_break(
    context: ServiceContext, world: World
) -> None:
    long_one = BookingService(context).book(
        "alice", BookingRequest(XPS, london(2026, 3, 18, 9), london(2026, 3, 18, 15))
    )
    app = EquipshareApp(context, "mgr")
    posted = Posted()
    async with app.run_test(size=(100, 40), message_hook=posted) as pilot:
        editor = await open_editor(app, pilot)
        assert editor.access.may_edit and editor.access.may_change_status
        await show_tab(pilot, editor, "policy")
        await type_into(pilot, editor, "max_minutes", "240")
        await type_into(pilot, editor, "weekly_quota_minutes", "5")
        await save(pilot, posted)

        assert editor.errors() == {}
        assert (fields(context)["max_minutes"], fields(context)["weekly_quota_minutes"]) == (
            240,
            300,
        )
        broken = editor.query_one(BrokenBookings)
        assert broken.has_class("shown")
        assert str(broken.query_one("#broken-summary", Static).content) == (
            "1 booking breaks the new rules and stays as it is: tell its owner"
        )
        [row] = broken.rows()
        assert row == (
            "Wed 18 Mar 2026 09:00-15:00 GMT",
            "alice",
            str(long_one.id),
            "confirmed",
            "longer than 4 h; alice holds 6 h that week, over the 5 h quota",
        )
        # Reported, never changed.
        assert BookingService(context).get("alice", long_one.id).status is BookingStatus.CONFIRMED

        await show_tab(pilot, editor, "hours")
        await type_into(pilot, editor, "mon", "09:00-12:00,13:00-17:00")
        await type_into(pilot, editor, "fri", "")
        answers = posted.count(InstrumentEditorScreen.Saved)
        await pilot.press("enter")  # Enter in a field saves its tab too
        await settle(pilot, lambda: posted.count(InstrumentEditorScreen.Saved) > answers)
        assert editor.errors() == {}
        assert fields(context)["opening_hours"] == (
            "mon 09:00-12:00,13:00-17:00; tue 09:00-17:00; wed 09:00-17:00; thu 09:00-17:00"
        )
        assert not editor.query_one(BrokenBookings).has_class("shown")

        # The instrument screen heard of the change and shows the new hours.
        await pilot.press("escape")
        screen = await shown(pilot, InstrumentScreen)
        policy = screen.query_one("#instrument-policy", Static)
        await settle(pilot, lambda: "13:00-17:00" in str(policy.content))
    assert audit_actions(context) == ["instrument.edit", "instrument.hours"]


async def test_a_bad_value_shows_beside_its_field_and_writes_nothing(
    context: ServiceContext, world: World
) -> None:
    before = fields(context)
    app = EquipshareApp(context, "mgr")
    posted = Posted()
    async with app.run_test(size=(100, 40), message_hook=posted) as pilot:
        editor = await open_editor(app, pilot)
        tabs = editor.query_one("#editor-tabs", TabbedContent)

        await show_tab(pilot, editor, "policy")
        await type_into(pilot, editor, "slot_minutes", "7")
        await type_into(pilot, editor, "max_minutes", "240")
        await save(pilot, posted)  # the service refuses: the slot does not divide a day
        assert editor.errors() == {"slot_minutes": "7 does not divide a day (e.g. 15, 30, 60, 120)"}
        assert app.focused is editor.query_one("#field-slot_minutes", Input)

        await type_into(pilot, editor, "slot_minutes", "sixty")
        await save(pilot, posted)  # refused before any service call
        assert editor.errors() == {"slot_minutes": "'sixty' is not a whole number"}

        await type_into(pilot, editor, "slot_minutes", "60")
        await show_tab(pilot, editor, "details")
        await type_into(pilot, editor, "contact_email", "not an address")
        await type_into(pilot, editor, "room", "R 101")
        await save(pilot, posted)
        [(field, text)] = editor.errors().items()
        assert field == "contact_email" and "not an address" in text

        await type_into(pilot, editor, "contact_email", "")
        await type_into(pilot, editor, "contact_technician", "alice")
        await save(pilot, posted)
        assert editor.errors() == {
            "contact_technician": "alice is not active staff of this facility"
        }

        await type_into(pilot, editor, "contact_technician", "")
        await type_into(pilot, editor, "name", "")
        await show_tab(pilot, editor, "hours")
        await pilot.press("ctrl+s")  # nothing changed on the hours tab: nothing sent
        await settle(pilot, lambda: bool(posted.notified("information")))
        assert posted.notified("information") == ["WAR-XPS-01: nothing to change"]
        await type_into(pilot, editor, "tue", "17:00-09:00")
        await save(pilot, posted)
        assert editor.errors() == {
            "tue": "17:00-09:00 does not open before it closes; a range over midnight is two, "
            "one to 24:00 and the next day's from 00:00"
        }

        # A refusal on another tab than the one shown brings that tab forward.
        await show_tab(pilot, editor, "details")
        await show_tab(pilot, editor, "policy")  # the policy tab's values are unsaved still
        tabs.active = "tab-details"
        await pilot.pause()
        await save(pilot, posted)
        assert editor.errors() == {"name": "must not be empty"}
        assert tabs.active == "tab-details"
    assert fields(context) == before
    assert audit_actions(context) == []


async def test_technician_sets_out_of_service_keeping_then_cancelling_bookings(
    context: ServiceContext, world: World
) -> None:
    bookings = BookingService(context)
    made = [
        bookings.book(who, BookingRequest(XPS, london(2026, 3, day, 10), london(2026, 3, day, 12)))
        for who, day in (("alice", 18), ("bob", 19))
    ]
    ids = [booking.id for booking in made]
    assert [b.status for b in made] == [BookingStatus.CONFIRMED, BookingStatus.PENDING]
    app = EquipshareApp(context, "tech")
    posted = Posted()
    async with app.run_test(size=(100, 40), message_hook=posted) as pilot:
        editor = await open_editor(app, pilot)
        tabs = editor.query_one("#editor-tabs", TabbedContent)
        # Only the status is theirs: the other tabs are not offered.
        assert (editor.access.may_edit, editor.access.may_change_status) == (False, True)
        assert tabs.active == "tab-status"
        assert [tabs.get_tab(f"tab-{key}").display for key in ("details", "policy", "hours")] == [
            False,
            False,
            False,
        ]
        assert "only the status" in str(editor.query_one("#editor-note", Static).content)

        status = editor.query_one("#field-status", Select)
        status.value = InstrumentStatus.OUT_OF_SERVICE.value
        await pilot.pause()
        changed = InstrumentEditorScreen.StatusChanged
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: bool(editor.errors()))
        assert editor.errors() == {
            "reason": "say why the instrument is out of service; people refused a booking are "
            "told it"
        }

        await type_into(pilot, editor, "reason", "pump failed")
        await pilot.press("ctrl+s")
        modal = await shown(pilot, StrandedBookingsModal)
        assert str(modal.query_one("#stranded-question", Static).content) == (
            "WAR-XPS-01 out of service (pump failed) would strand 2 bookings. "
            "Cancel them (free, their owners are told) or keep them?"
        )
        assert modal.query_one("#stranded-bookings", DataTable).row_count == 2
        await pilot.press("escape")  # back: nothing written
        await settle(pilot, lambda: app.screen is editor and not editor.busy)
        assert fields(context)["status"] == "available"

        await pilot.press("ctrl+s")
        await shown(pilot, StrandedBookingsModal)
        before = posted.count(changed)
        await click_when_ready(pilot, "#stranded-keep")
        await settle(pilot, lambda: posted.count(changed) > before)
        assert (fields(context)["status"], fields(context)["status_reason"]) == (
            "out_of_service",
            "pump failed",
        )
        assert [bookings.get("root", i).status for i in ids] == [b.status for b in made]
        assert "2 bookings kept" in posted.notified("information")[-1]

        status.value = InstrumentStatus.AVAILABLE.value
        await type_into(pilot, editor, "reason", "")
        before = posted.count(changed)
        await pilot.press("ctrl+s")  # nothing stranded: written at once
        await settle(pilot, lambda: posted.count(changed) > before)
        assert fields(context)["status"] == "available"

        status.value = InstrumentStatus.OUT_OF_SERVICE.value
        await type_into(pilot, editor, "reason", "pump failed again")
        await pilot.press("ctrl+s")
        await shown(pilot, StrandedBookingsModal)
        before = posted.count(changed)
        await click_when_ready(pilot, "#stranded-cancel")
        await settle(pilot, lambda: posted.count(changed) > before)
        assert posted.notified("information")[-1] == (
            "WAR-XPS-01: available -> out of service (pump failed again); "
            "2 bookings cancelled, owners told"
        )
    assert [bookings.get("root", i).status for i in ids] == [BookingStatus.CANCELLED] * 2
    assert audit_actions(context) == ["instrument.status"] * 3
    # The service itself refuses a technician's policy change, whatever a screen offers.
    assert "may not edit" in _refusal(context)


def _refusal(context: ServiceContext) -> str:
    from equipshare.domain.errors import PermissionDenied
    from equipshare.domain.records.instruments.instrument_changes import InstrumentChanges

    try:
        InstrumentEditingService(context).edit("tech", XPS, InstrumentChanges(max_minutes=60))
    except PermissionDenied as denied:
        return str(denied)
    return ""


async def test_a_researcher_is_not_offered_the_editor_and_is_refused_in_it(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.open_instrument(XPS)
        screen = await shown(pilot, InstrumentScreen)
        await settle(pilot, lambda: screen.detail is not None)
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen

        app.open_editor(XPS)  # as a stale palette hit would
        editor = await shown(pilot, InstrumentEditorScreen)
        await settle(pilot, lambda: editor.loaded)
        assert not editor.query_one("#editor-tabs").display
        assert str(editor.query_one("#editor-note", Static).content) == (
            "Nothing here you may change: alice may not change this instrument's status on "
            "WAR-XPS-01: that needs a manager or technician of Warwick Photoemission RTP, "
            "or an admin"
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert audit_actions(context) == []


@pytest.mark.parametrize(("actor", "offered"), [("mgr", True), ("alice", False)])
async def test_the_palette_offers_staff_the_editor(
    context: ServiceContext, world: World, actor: str, offered: bool
) -> None:
    app = EquipshareApp(context, actor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await settle(pilot, lambda: app.staff == offered)
        await pilot.press("ctrl+p")
        palette = await shown(pilot, CommandPalette)
        await pilot.press(*"edit war-xps")
        commands = palette.query_one("CommandList", OptionList)
        await settle(pilot, lambda: commands.option_count >= 2)
        prompts = [str(option.prompt) for option in commands.options]
        hits = [i for i, p in enumerate(prompts) if p.startswith("Edit WAR-XPS-01")]
        assert bool(hits) is offered, prompts
        if offered:
            commands.highlighted = hits[0]
            await pilot.press("enter")
            editor = await shown(pilot, InstrumentEditorScreen)
            await settle(pilot, lambda: editor.loaded)
            assert editor.code == XPS and editor.access.may_edit

"""Snapshots of the main dialogs: booking, subscribing, cancelling, going to a date, the
report period, scheduling downtime (with the bookings it would cancel), recording,
renewing and revoking training, the administration forms, adding an SSH key, recording an
output, which occurrences of a series, an export shown as text over SSH and a confirmation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select

from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.services.bookings.service import SeriesService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.downloads import SERVED_VIA_ENV
from tests.support.world import london
from tests.tui.conftest import click_when_ready, settle
from tests.tui.snapshots.conftest import FIRST_SIZE, RAM, XPS, Shots, loaded, started, until


async def open_week(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, EquipshareApp)
    app.open_week(XPS)
    await loaded(pilot, "WeekScreen")


async def booking_form(pilot: Pilot[None]) -> None:
    await open_week(pilot)
    await pilot.press("right", "enter")  # Tue 17 09:00, the hour before bob's request
    await until(pilot, "BookingForm")


async def go_to_date(pilot: Pilot[None]) -> None:
    await open_week(pilot)
    await pilot.press("g")
    await until(pilot, "GoToDateModal")


async def subscribe(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "m")
    await loaded(pilot, "MyBookingsScreen")
    await pilot.press("s")
    await until(pilot, "FeedUrlModal")


async def cancel_booking(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "m")
    await loaded(pilot, "MyBookingsScreen")
    await pilot.press("c")
    await until(pilot, "CancelBookingModal")


async def revoke_feed(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "F")
    await loaded(pilot, "FeedTokensScreen")
    await pilot.press("x")
    await until(pilot, "ConfirmModal")


async def add_ssh_key(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "K")
    await loaded(pilot, "SshKeysScreen")
    await pilot.press("n")
    await until(pilot, "SshKeyForm")


async def record_output(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "O")
    await loaded(pilot, "OutputsScreen")
    await pilot.press("a")
    await until(pilot, "OutputForm")


RESEARCHER: dict[str, Callable[[Pilot[None]], Awaitable[None]]] = {
    "booking_form": booking_form,
    "go_to_date": go_to_date,
    "subscribe": subscribe,
    "cancel_booking": cancel_booking,
    "revoke_feed": revoke_feed,
    "add_ssh_key": add_ssh_key,
    "record_output": record_output,
}


@pytest.mark.parametrize("dialog", list(RESEARCHER))
async def test_researcher_dialog(seeded: ServiceContext, shots: Shots, dialog: str) -> None:
    app = EquipshareApp(seeded, "alice")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot)
        await RESEARCHER[dialog](pilot)
        await shots(pilot)


async def schedule_downtime(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "D")
    await loaded(pilot, "DowntimeScreen")
    await pilot.press("n")
    form = await until(pilot, "ScheduleDowntimeModal")
    for field, text in (
        ("instrument", XPS),
        ("start", "2026-03-17 09:00"),
        ("end", "2026-03-20 17:00"),
        ("description", "bake-out after the vent"),
    ):
        form.query_one(f"#downtime-{field}", Input).value = text
    await pilot.pause()
    await click_when_ready(pilot, "#downtime-preview-button")
    await settle(pilot, lambda: form.query_one("#downtime-bookings").row_count > 0)


async def record_training(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "T")
    await loaded(pilot, "TrainingScreen")
    await pilot.press("n")
    await until(pilot, "TrainingForm")


async def report_period(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "R")
    screen = await loaded(pilot, "ReportsScreen")
    await settle(pilot, lambda: screen.report("utilisation") is not None)
    await pilot.press("p")
    await until(pilot, "ReportPeriodModal")


async def reject_request(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "A")
    await loaded(pilot, "ApprovalsScreen")
    await pilot.press("r")
    await until(pilot, "RejectBookingModal")


async def out_of_service(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, EquipshareApp)
    app.open_instrument(XPS)
    screen = await loaded(pilot, "InstrumentScreen")
    await settle(pilot, lambda: screen.detail is not None)
    await pilot.press("e")
    editor = await loaded(pilot, "InstrumentEditorScreen")
    editor.query_one("#editor-tabs").active = "tab-status"
    await pilot.pause()
    editor.query_one("#field-status", Select).value = "out_of_service"
    editor.query_one("#field-reason", Input).value = "the X-ray source failed"
    await pilot.pause()
    await pilot.press("ctrl+s")
    await until(pilot, "StrandedBookingsModal")


async def credit_profile(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "P")
    dialog = await until(pilot, "ProfileDialog")
    await settle(pilot, lambda: not dialog.busy)


async def renew_training(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "T")
    await loaded(pilot, "TrainingScreen")
    await pilot.press("r")  # erin's XPS training, running out in April
    dialog = await until(pilot, "TrainingPrompt")
    await settle(pilot, lambda: bool(dialog.query_one(Input).value))  # the offered day


async def revoke_training(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "T")
    await loaded(pilot, "TrainingScreen")
    await pilot.press("x")
    await until(pilot, "TrainingPrompt")


async def export_over_ssh(pilot: Pilot[None]) -> None:
    await pilot.press("escape", "R")
    screen = await loaded(pilot, "ReportsScreen")
    await settle(pilot, lambda: screen.report("utilisation") is not None)
    await pilot.press("x")
    await until(pilot, "TextCopyModal")


STAFF: dict[str, Callable[[Pilot[None]], Awaitable[None]]] = {
    "schedule_downtime": schedule_downtime,
    "record_training": record_training,
    "report_period": report_period,
    "reject_request": reject_request,
    "out_of_service": out_of_service,
    "credit_profile": credit_profile,
    "renew_training": renew_training,
    "revoke_training": revoke_training,
    "export_over_ssh": export_over_ssh,
}


@pytest.mark.parametrize("dialog", list(STAFF))
async def test_staff_dialog(
    seeded: ServiceContext, shots: Shots, dialog: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SERVED_VIA_ENV, "ssh")  # an export is shown as text (only x does one)
    app = EquipshareApp(seeded, "mgr")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        await STAFF[dialog](pilot)
        await shots(pilot)


@pytest.mark.parametrize(
    ("key", "screen_name", "press", "dialog"),
    [
        ("U", "UsersScreen", "n", "UserForm"),
        ("U", "UsersScreen", "e", "UserForm"),
        ("S", "FacilitiesScreen", "n", "FacilityForm"),
        ("S", "FacilitiesScreen", "s", "StaffForm"),
        ("I", "InstitutionsScreen", "n", "InstitutionForm"),
    ],
    ids=["add_user", "edit_user", "add_facility", "add_staff", "add_institution"],
)
async def test_admin_dialog(
    seeded: ServiceContext,
    shots: Shots,
    key: str,
    screen_name: str,
    press: str,
    dialog: str,
) -> None:
    app = EquipshareApp(seeded, "root")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot, staff=True)
        await settle(pilot, lambda: app.standing.admin)
        await pilot.press("escape", key)
        await loaded(pilot, screen_name)
        await pilot.press(press)
        await until(pilot, dialog)
        await shots(pilot)


async def test_series_scope(seeded: ServiceContext, shots: Shots) -> None:
    request = BookingRequest(RAM, london(2026, 3, 17, 10), london(2026, 3, 17, 12))
    SeriesService(seeded).book_series("erin", request, RecurrenceRule("weekly", count=4))
    app = EquipshareApp(seeded, "erin")
    async with app.run_test(size=FIRST_SIZE) as pilot:
        await started(pilot)
        await pilot.press("escape", "m")
        await loaded(pilot, "MyBookingsScreen")
        await pilot.press("c")  # the first of her weekly Raman sessions
        await until(pilot, "SeriesScopeModal")
        await shots(pilot)

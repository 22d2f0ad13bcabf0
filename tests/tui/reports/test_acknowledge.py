"""The Acknowledge screen: a researcher's own paragraph and table; staff pick whose; x saves.

The clock stands at Mon 16 Mar 2026 09:00 UTC; the work is tests/support/acknowledgement_rows.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from equipshare.domain.acknowledgements.formats import as_markdown
from equipshare.domain.acknowledgements.wording import paragraph
from equipshare.domain.records.impact.credit import UNNAMED_STAFF
from equipshare.services.acknowledgements.service import AcknowledgementService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.downloads import SERVED_VIA_ENV
from equipshare.tui.modals.text_copy import TextCopyModal
from equipshare.tui.screens.acknowledge import AcknowledgeScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.paragraph import Paragraph
from tests.support.acknowledgement_rows import HIDDEN_NAME, plant_march_work
from tests.support.world import World
from tests.tui.conftest import recorded, settle, shown
from tests.tui.widgets.test_layout import (
    SIZES,
    assert_footer_whole,
    assert_whole,
    size_ids,
    wait_for_rows,
)


def text_of(screen: AcknowledgeScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def table_rows(screen: AcknowledgeScreen) -> list[list[str]]:
    table = screen.query_one("#ack-table", FittedTable)
    return [[str(cell) for cell in table.row_values_at(i)] for i in range(table.row_count)]


async def open_acknowledge(pilot: Pilot[None]) -> AcknowledgeScreen:
    app = pilot.app
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    await settle(pilot, lambda: not any(w.group == "standing" for w in app.workers))
    await pilot.press("C")
    screen = await shown(pilot, AcknowledgeScreen)
    await settle(pilot, lambda: screen.shown_for is not None or screen.refused is not None)
    return screen


async def test_a_researcher_sees_copies_and_saves_her_own(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    plant_march_work(context, world)
    expected = AcknowledgementService(context).for_user("alice", "alice")
    app = EquipshareApp(context, "alice")
    app.downloads = tmp_path
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        screen = await open_acknowledge(pilot)
        assert screen.acknowledgement == expected
        assert text_of(screen, "#ack-paragraph") == paragraph(expected)
        assert text_of(screen, "#ack-status").startswith("alice · all time (Europe/London)")
        roles = [(row[0], row[1], row[2], row[5]) for row in table_rows(screen)]
        assert roles == [
            ("Resources", "WAR-PRP", "WAR-XPS-01", "6.00"),
            ("Investigation", "WAR-PRP", "Tech", "4.00"),
            ("Supervision", "WAR-PRP", "Tech", ""),
            ("Resources", "AST-EM", "AST-SEM-01", "1.00"),
            ("Investigation", "AST-EM", "Otherstaff", "1.00"),
        ]
        assert screen.query_one("#ack-user", Input).disabled  # hers only
        await pilot.press("u")
        assert any("this is your own" in n for n in recorded(app).notified("warning"))

        await pilot.press("c")
        assert app.clipboard == paragraph(expected)
        await pilot.press("x")
        saved = tmp_path / "equipshare-acknowledgement-alice-all-time.md"
        await settle(pilot, saved.exists)
        assert saved.read_text(encoding="utf-8") == as_markdown(expected)

        # The period: 3 to 4 March only (British and ISO dates both read).
        await pilot.press("p")
        await pilot.press(*"3/3/2026", "tab", *"2026-03-04", "enter")
        await settle(
            pilot, lambda: screen.shown_for is not None and bool(screen.shown_for.first_day)
        )
        assert screen.acknowledgement is not None and screen.acknowledgement.minutes == 180
        # A project code: her bookings under it, never her collaborator's.
        screen.query_one("#ack-project", Input).value = "P1"
        await pilot.press("p", "enter")
        await settle(
            pilot, lambda: screen.shown_for is not None and screen.shown_for.project == "P1"
        )
        assert screen.acknowledgement is not None and screen.acknowledgement.minutes == 180
        assert text_of(screen, "#ack-status").startswith("project P1 · 2026-03-03 to 2026-03-04")
        await pilot.press("p")
        await pilot.press(*"31/02", "enter")
        assert any("from: '31/02' is not a date" in n for n in recorded(app).notified("error"))


async def test_staff_pick_whose_and_see_only_their_facilities(
    context: ServiceContext, world: World
) -> None:
    plant_march_work(context, world)
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        screen = await open_acknowledge(pilot)
        # Their own: a manager with no completed bookings of their own.
        assert screen.acknowledgement is not None and screen.acknowledgement.empty
        assert text_of(screen, "#ack-paragraph").startswith("No completed bookings of mgr")
        await pilot.press("u")
        field = screen.query_one("#ack-user", Input)
        assert field.has_focus
        field.value = "bob"
        await pilot.press("enter")
        await settle(pilot, lambda: screen.shown_for is not None and screen.asked.username == "bob"
                     and screen.shown_for == screen.asked)  # fmt: skip
        shown_text = text_of(screen, "#ack-paragraph")
        assert f"the {UNNAMED_STAFF} for assisted XPS measurements, 3\u00a0h" in shown_text
        assert HIDDEN_NAME not in shown_text
        assert all(HIDDEN_NAME not in cell for row in table_rows(screen) for cell in row)
        field.value = "dave"
        await pilot.press("u", "enter")
        await settle(pilot, lambda: screen.refused is not None)
        assert text_of(screen, "#ack-status").startswith("Not shown: mgr may not see dave's")
        assert table_rows(screen) == []


async def test_the_palette_offers_it_to_everyone(context: ServiceContext, world: World) -> None:
    app = EquipshareApp(context, "erin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Acknowledge" in titles
        app.action_acknowledge()
        screen = await shown(pilot, AcknowledgeScreen)
        await settle(pilot, lambda: screen.shown_for is not None)
        assert text_of(screen, "#ack-paragraph") == (
            "No completed bookings of erin (all time) to acknowledge."
        )


async def test_over_ssh_the_page_is_shown_to_copy_and_no_file_is_written(
    context: ServiceContext, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plant_march_work(context, world)
    monkeypatch.setenv(SERVED_VIA_ENV, "ssh")
    expected = AcknowledgementService(context).for_user("alice", "alice")
    app = EquipshareApp(context, "alice")
    app.downloads = tmp_path / "downloads"
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_acknowledge(pilot)
        await pilot.press("x")
        modal = await shown(pilot, TextCopyModal)
        assert modal.file_name == "equipshare-acknowledgement-alice-all-time.md"
        assert modal.query_one(TextArea).text == as_markdown(expected)
    assert not (tmp_path / "downloads").exists()


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_the_table_keeps_role_facility_credited_and_hours_whole(
    context: ServiceContext, world: World, size: tuple[int, int]
) -> None:
    plant_march_work(context, world)
    app = EquipshareApp(context, "root")
    async with app.run_test(size=size) as pilot:
        screen = await open_acknowledge(pilot)
        screen.query_one("#ack-project", Input).value = "P1"
        await pilot.press("p", "enter")
        await settle(
            pilot, lambda: screen.shown_for is not None and screen.shown_for.project == "P1"
        )
        table = await wait_for_rows(pilot, "#ack-table")
        assert_whole(table, "role", "facility", "credited", "hours")
        assert_footer_whole(app)
        # The paragraph wraps at spaces but never between a figure and its unit ('3 h').
        shown = screen.query_one("#ack-paragraph", Paragraph)
        lines = [
            strip.text.strip() for strip in shown.render_lines(Region(0, 0, *shown.outer_size))
        ]
        lines = [line for line in lines if line]
        assert " ".join(lines).replace("\u00a0", " ") == paragraph(
            screen.acknowledgement  # type: ignore[arg-type]
        ).replace("\u00a0", " ")
        for line, after in pairwise(lines):
            assert not (re.search(r"\d$", line) and after.startswith("h")), (line, after)


async def test_enter_on_a_row_says_what_the_rows_are_for(
    context: ServiceContext, world: World
) -> None:
    plant_march_work(context, world)
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        screen = await open_acknowledge(pilot)
        screen.query_one("#ack-table").focus()
        await pilot.press("enter")
        await settle(pilot, lambda: bool(recorded(app).notified("warning")))
        assert recorded(app).notified("warning")[-1].startswith("Each row is credited")

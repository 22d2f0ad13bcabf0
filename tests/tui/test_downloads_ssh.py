"""Over SSH (EQUIPSHARE_SERVED_VIA=ssh, set by the SSH server) the app writes no file: the
calendar it would save is shown as text to copy, with the feed link offered instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.downloads import SERVED_VIA_ENV, served_over_ssh
from equipshare.tui.modals.text_copy import TextCopyModal
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from tests.support.world import World
from tests.tui.conftest import recorded, settle, shown


def test_only_the_ssh_server_s_word_counts() -> None:
    assert served_over_ssh({SERVED_VIA_ENV: "ssh"})
    assert not served_over_ssh({})
    assert not served_over_ssh({SERVED_VIA_ENV: "web"})


async def test_the_calendar_is_shown_to_copy_and_no_file_is_written(
    context: ServiceContext, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    del world
    monkeypatch.setenv(SERVED_VIA_ENV, "ssh")
    app = EquipshareApp(context, "alice")
    app.downloads = tmp_path / "downloads"
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await pilot.press("m")
        await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen) and app.screen.loaded)
        await pilot.press("i")
        modal = await shown(pilot, TextCopyModal)
        assert modal.file_name == "equipshare-user-alice.ics"
        text = modal.query_one(TextArea).text
        assert text.startswith("BEGIN:VCALENDAR") and "END:VCALENDAR" in text
        assert "press s for a feed link" in str(modal.query_one("#copy-note").render())
        await pilot.press("ctrl+y")
        assert app.clipboard == text
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen))
    assert not (tmp_path / "downloads").exists()
    assert any("is shown as text" in n for n in recorded(app).notified("information"))

"""`equipshare demo` says which database it opened inside the app, as it opens (issue 20):
what it prints before is hidden by the app's screen until you quit."""

from __future__ import annotations

import asyncio

import pytest

from equipshare.db.engine import Database
from equipshare.domain.display.masking import mask_password
from equipshare.tui.app import EquipshareApp
from tests.cli.conftest import Invoke
from tests.tui.conftest import recorded, settle


def test_the_demo_names_its_database_when_the_app_opens(
    invoke: Invoke, db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []

    def run(app: EquipshareApp) -> None:
        """Instead of taking the terminal, drive the app the demo built with a Pilot."""

        async def drive() -> None:
            async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
                await settle(pilot, lambda: bool(recorded(app).notified("information")))
                said.extend(recorded(app).notified("information"))

        asyncio.run(drive())

    monkeypatch.setattr(EquipshareApp, "run", run)
    # The test world is not empty, so the demo opens it as it is, as root (an admin).
    result = invoke("demo", "--db", database_url, env={"EQUIPSHARE_USER": "root"})
    assert result.exit_code == 0, result.output
    assert said == [
        f"Demo database: {mask_password(database_url)} (equipshare demo --reset rebuilds it)"
    ]

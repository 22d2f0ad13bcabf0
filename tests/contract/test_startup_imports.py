"""A launch of the TUI imports only what its first screen needs (issue 4: start-up time)."""

from __future__ import annotations

import subprocess
import sys

# Modules a launch has no use for before the catalogue is painted: Alembic (the schema check
# reads the version row itself), the commands other than `tui`, and every screen, modal and
# service that opens only when the user asks for it.
NOT_AT_LAUNCH = {
    "alembic",
    "mako",
    "equipshare.cli.commands.schedule.bookings",
    "equipshare.cli.commands.operations.db",
    "equipshare.cli.commands.operations.demo",
    "equipshare.cli.commands.schedule.slots",
    "equipshare.services.admin.schema",
    "equipshare.services.bookings.lifecycle",
    "equipshare.services.bookings.my_bookings",
    "equipshare.services.downtime.scheduling",
    "equipshare.services.people.training",
    "equipshare.services.bookings.week",
    "equipshare.tui.screens.approvals",
    "equipshare.tui.screens.downtime",
    "equipshare.tui.screens.feed_tokens",
    "equipshare.tui.screens.ssh_keys",
    "equipshare.services.ssh_keys.service",
    "equipshare.tui.screens.help",
    "equipshare.tui.screens.my_bookings",
    "equipshare.tui.screens.training",
    "equipshare.tui.screens.reports.reports",
    "equipshare.services.reports.impact",
    "equipshare.services.charging.statements",
    "equipshare.tui.screens.week",
    "equipshare.tui.modals.bookings.booking_form",
    "equipshare.tui.modals.downtime.schedule_downtime",
    "equipshare.tui.modals.training.training_form",
    # Issue 22: the first page and the caller are read with Core (start_reads), not the ORM.
    "equipshare.services.plumbing.row_records",
    "equipshare.services.catalogue.detail",
    "equipshare.services.changes.service",
    # Issue 22: the schema check, the caller and the first page go through the driver
    # (services/plumbing/launch.py); SQLAlchemy, even Core, loads after the first rows.
    "sqlalchemy",
    "sqlalchemy.orm",
    "equipshare.db.models.bookings",
    "equipshare.db.rollup_sql",
    "equipshare.db.rollup_upkeep",
    # Issue 22: records no catalogue row needs; wording and the app's messages name them
    # for type checks only (staff wording imports its outcomes when it runs).
    "equipshare.domain.records.scheduling.bookings",
    "equipshare.domain.records.scheduling.calendar",
    "equipshare.domain.records.money.charging",
    "equipshare.domain.records.consortium",
    "equipshare.domain.records.operations.history",
    # Issue 22: a launch shows catalogue rows (records/catalogue_rows), not instruments'
    # records and rules; the PostgreSQL driver loads only to connect to PostgreSQL.
    "equipshare.domain.records.instruments.catalogue",
    "equipshare.domain.records.operations.admin",
    "equipshare.domain.rules.policy_rules",
    "equipshare.domain.rules.training_rules",
    "equipshare.domain.money.charging",
    "psycopg",
}

LAUNCH = """
import sys
from equipshare.cli.main import cli
from equipshare.cli.commands.operations.tui import run_tui  # what `equipshare tui` runs
from equipshare.config import Settings
from equipshare.tui.app import EquipshareApp
from equipshare.tui.keymap import checked_keymap

checked_keymap(Settings(), [EquipshareApp])  # no [keymap] table: nothing to walk
print("IMPORTED", *sorted(m for m in sys.modules if m in {names!r}))
"""


def imported(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    [line] = [line for line in out.stdout.splitlines() if line.startswith("IMPORTED")]
    return set(line.split()[1:])


def test_a_launch_imports_no_other_screen_command_or_alembic() -> None:
    assert imported(LAUNCH.format(names=sorted(NOT_AT_LAUNCH))) == set()


def test_a_keymap_table_is_checked_against_every_screen() -> None:
    code = LAUNCH.format(names=sorted(NOT_AT_LAUNCH)).replace(
        "Settings()", "Settings(keymap={'week.next': 'n'})"
    )
    assert "equipshare.tui.screens.week" in imported(code)

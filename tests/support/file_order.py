"""The order test files are handed to the xdist workers: the longest first.

`--dist loadfile` hands out whole files in collection order. Collected alphabetically, the
long terminal-app files come last, and a long file handed out near the end leaves the other
worker idle while it runs. Started first, the short files fill in behind them and both
workers finish together. Only the order changes; every test still runs.

The list is what `--durations=0` measured over a whole run (7 Dec 2026, seconds of worker
time on a loaded 2-core machine), longest first; a file not listed keeps its place after
them. A stale list costs minutes, never a result.
"""

from __future__ import annotations

LONGEST_FIRST = (
    "tests/tui/snapshots/test_dialogs.py",  # 217 s
    "tests/tui/widgets/test_layout.py",  # 151 s
    "tests/tui/snapshots/test_screens.py",  # 130 s
    "tests/bench/test_bench_runner.py",  # 105 s
    "tests/tui/administration/test_instrument_editor.py",  # 101 s
    "tests/services/catalogue/test_catalogue_import.py",  # 99 s
    "tests/tui/bookings/test_my_bookings.py",  # 93 s
    "tests/cli/commands/operations/test_demo_command.py",  # 88 s
    "tests/services/portfolio/test_portfolio_demo.py",  # 86 s
    "tests/tui/widgets/test_form_flows.py",  # 84 s
    "tests/test_config_fuzz.py",  # 81 s
    "tests/services/reports/test_rollups_property.py",  # 80 s
    "tests/contract/test_static_checks.py",  # 79 s
    "tests/tui/widgets/test_typed_days.py",  # 75 s
    "tests/tui/reports/test_reports_periods.py",  # 73 s
    "tests/tui/snapshots/test_staff.py",  # 71 s
    "tests/tui/snapshots/test_admin.py",  # 67 s
    "tests/tui/bookings/test_cancel_charges.py",  # 55 s
    "tests/services/availability/test_availability_category.py",  # 54 s
    "tests/server/ssh/test_serve_ssh.py",  # 51 s
    "tests/services/bookings/test_properties.py",  # 51 s
    "tests/tui/administration/test_users.py",  # 49 s
    "tests/tui/administration/test_facilities.py",  # 48 s
    "tests/services/bookings/test_write_paths_property.py",  # 47 s
    "tests/tui/test_preferences.py",  # 46 s
    "tests/services/calendar/test_import_rules.py",  # 46 s
    "tests/tui/bookings/test_series_scope.py",  # 46 s
    "tests/demo/test_demo.py",  # 45 s
    "tests/services/calendar/test_import_waitlist.py",  # 45 s
    "tests/server/test_browser_end_to_end.py",  # 43 s
)

_RANK = {path: rank for rank, path in enumerate(LONGEST_FIRST)}


def rank_of(path: str) -> int:
    """Where a test file (as a path relative to the project root) goes in the order."""
    return _RANK.get(path, len(LONGEST_FIRST))

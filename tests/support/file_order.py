"""The order test files are handed to the xdist workers: the longest first.

`--dist loadfile` hands out whole files in collection order (with --no-loadscope-reorder
in pyproject's addopts: xdist otherwise puts the files with the most tests first).
Collected alphabetically, the long terminal-app files come last, and a long file handed
out near the end leaves the other worker idle while it runs. Started first, the short
files fill in behind them and both workers finish together. Only the order changes;
every test still runs.

The list is what a whole run's junit XML measured (7 Dec 2026, 21:05: seconds of worker
time on a 2-core machine shared with other work, about four times CI's), longest first;
a file not listed keeps its place after them. A stale list costs minutes, never a result.
"""

from __future__ import annotations

LONGEST_FIRST = (
    "tests/tui/snapshots/test_dialogs.py",  # 403 s
    "tests/tui/widgets/test_layout.py",  # 289 s
    "tests/tui/snapshots/test_screens.py",  # 221 s
    "tests/tui/snapshots/test_admin.py",  # 202 s
    "tests/tui/snapshots/test_staff.py",  # 186 s
    "tests/services/reports/test_rollups_property.py",  # 174 s
    "tests/services/catalogue/test_catalogue_import.py",  # 171 s
    "tests/test_config_fuzz.py",  # 169 s
    "tests/tui/administration/test_instrument_editor.py",  # 147 s
    "tests/tui/administration/test_facilities.py",  # 126 s
    "tests/services/bookings/test_write_paths_property.py",  # 124 s
    "tests/tui/widgets/test_form_flows.py",  # 122 s
    "tests/tui/bookings/test_series_scope.py",  # 118 s
    "tests/tui/widgets/test_typed_days.py",  # 115 s
    "tests/tui/bookings/test_my_bookings.py",  # 111 s
    "tests/tui/administration/test_live_administration.py",  # 105 s
    "tests/tui/reports/test_acknowledge.py",  # 102 s
    "tests/tui/reports/test_reports_periods.py",  # 102 s
    "tests/bench/test_bench_runner.py",  # 95 s
    "tests/cli/commands/operations/test_demo_command.py",  # 93 s
    "tests/services/test_permission_matrix_reads.py",  # 91 s
    "tests/services/portfolio/test_portfolio_demo.py",  # 81 s
    "tests/tui/bookings/test_week.py",  # 76 s
    "tests/services/test_permission_matrix_technician_profiles.py",  # 70 s
    "tests/tui/test_catalogue.py",  # 69 s
    "tests/contract/test_static_checks.py",  # 69 s
    "tests/services/availability/test_availability_category.py",  # 68 s
    "tests/tui/administration/test_administration.py",  # 68 s
    "tests/services/test_permission_matrix_admin.py",  # 66 s
    "tests/services/test_permission_matrix_ssh_keys.py",  # 65 s
    "tests/tui/staff/test_approvals_paging.py",  # 61 s
    "tests/tui/bookings/test_cancel_charges.py",  # 60 s
)

_RANK = {path: rank for rank, path in enumerate(LONGEST_FIRST)}


def rank_of(path: str) -> int:
    """Where a test file (as a path relative to the project root) goes in the order."""
    return _RANK.get(path, len(LONGEST_FIRST))

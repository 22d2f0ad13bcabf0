"""The Reports screen's saved CSV is for spreadsheets: formula-like text is made text there,
while figures, negative ones included, stay numbers."""

from __future__ import annotations

import csv
from pathlib import Path

from equipshare.tui.report_csv import csv_text, save_csv

HOSTILE = "=cmd|' /C calc'!A0"


def test_a_saved_report_escapes_formula_cells_and_keeps_figures(tmp_path: Path) -> None:
    rows = [
        ["project_code", "user", "amount", "note"],
        [HOSTILE, "@bob", "-12.50", "\t=1+2"],
        ["EP/X1", "carol", "125.01", "-2+3"],
    ]
    saved = save_csv(rows, tmp_path, "charges 2026-03")
    with saved.open(newline="", encoding="utf-8") as handle:
        read = list(csv.reader(handle))
    assert read == [
        ["project_code", "user", "amount", "note"],
        [f"'{HOSTILE}", "'@bob", "-12.50", "'\t=1+2"],
        ["EP/X1", "carol", "125.01", "'-2+3"],
    ]
    assert csv_text([["=1+2"]]) == "'=1+2\r\n"

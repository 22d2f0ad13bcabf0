"""The tables' layout rule: essentials whole first, the rest by priority, hidden not cut."""

from __future__ import annotations

from itertools import pairwise

from equipshare.tui.widgets.column_fit import ColumnSpec, fit_columns

COLUMNS = (
    ColumnSpec("When", "when", priority=0),
    ColumnSpec("Status", "status", priority=0),
    ColumnSpec("Price", "price", priority=1),
    ColumnSpec("Instrument", "instrument", priority=0),
    ColumnSpec("Waiting for", "approvers", priority=2, least=14, most=30),
    ColumnSpec("Name", "name", priority=4, least=12, most=30),
)
CONTENTS = {"when": 30, "status": 9, "price": 7, "instrument": 19, "approvers": 40, "name": 47}


def room_for(widths: dict[str, int]) -> int:
    return sum(widths.values()) + 2 * len(widths)


def test_essentials_whole_and_lower_priorities_only_as_they_fit() -> None:
    # 80 columns less a scrollbar: the three essentials and the price, each whole.
    narrow = fit_columns(COLUMNS, CONTENTS, 76)
    assert narrow == {"when": 30, "status": 9, "price": 7, "instrument": 19}
    # Wider, the waiting list joins (cut no narrower than it allows, and only because
    # nothing else fits), then the name; at 160 each is as wide as its cells.
    middle = fit_columns(COLUMNS, CONTENTS, 96)
    assert list(middle) == ["when", "status", "price", "instrument", "approvers"]
    assert 14 <= middle["approvers"] < 40 and room_for(middle) <= 96
    wide = fit_columns(COLUMNS, CONTENTS, 160)
    assert list(wide) == list(CONTENTS)
    assert {key: wide[key] for key in ("when", "status", "price", "instrument")} == {
        "when": 30,
        "status": 9,
        "price": 7,
        "instrument": 19,
    }
    assert room_for(wide) <= 160


def test_a_wider_room_shows_more_columns_never_more_padding() -> None:
    shown = [fit_columns(COLUMNS, CONTENTS, room) for room in range(40, 200)]
    for before, after in pairwise(shown):
        assert set(before) <= set(after)
    for room, widths in zip(range(40, 200), shown, strict=True):
        assert all(widths[key] <= CONTENTS[key] for key in widths)  # no padding added
        assert room_for(widths) <= max(room, room_for({"when": 30, "status": 9, "x": 19}))


def test_only_a_column_that_allows_it_is_cut_and_only_when_the_essentials_overflow() -> None:
    columns = (
        ColumnSpec("Code", "code", priority=0),
        ColumnSpec("Name", "name", priority=0, least=12),
        ColumnSpec("Next free", "next", priority=0),
    )
    contents = {"code": 19, "name": 40, "next": 19}
    assert fit_columns(columns, contents, 90) == {"code": 19, "name": 40, "next": 19}
    assert fit_columns(columns, contents, 70) == {"code": 19, "name": 26, "next": 19}
    # Never below its least, and never the code: the table scrolls before that.
    assert fit_columns(columns, contents, 40) == {"code": 19, "name": 12, "next": 19}


def test_an_empty_column_is_hidden_unless_essential_and_labelled() -> None:
    columns = (
        ColumnSpec("", "mark", priority=0),
        ColumnSpec("When", "when", priority=0),
        ColumnSpec("Project", "project", priority=1),
    )
    assert fit_columns(columns, {"when": 25}, 80) == {"when": 25}
    assert fit_columns(columns, {"when": 25, "mark": 1, "project": 12}, 80) == {
        "mark": 1,
        "when": 25,
        "project": 12,
    }
    # With no rows yet the essentials' headings still show.
    assert fit_columns(columns, {}, 80) == {"when": 4}


def test_spare_room_lets_a_preferred_width_grow_to_whole_cells() -> None:
    columns = (
        ColumnSpec("Code", "code", priority=0),
        ColumnSpec("Name", "name", priority=1, least=12, most=20),
        ColumnSpec("Status", "status", priority=2),
    )
    contents = {"code": 10, "name": 45, "status": 9}
    # Status joins at the name's preferred width; the room left then goes to the name.
    assert fit_columns(columns, contents, 50) == {"code": 10, "name": 25, "status": 9}
    assert fit_columns(columns, contents, 200) == {"code": 10, "name": 45, "status": 9}

"""The Reports screen's text charts, character for character."""

from __future__ import annotations

from decimal import Decimal

import pytest

from equipshare.tui.report_charts import (
    HEAT_RAMP,
    bar,
    bar_lines,
    column_chart,
    heat_cell,
    heat_style,
    sparkline,
    utilisation_bar,
)


@pytest.mark.parametrize(
    ("value", "maximum", "width", "drawn"),
    [
        (1, 2, 4, "██  "),
        (3, 8, 3, "█▏ "),  # 9 of 24 eighths
        (1, 3, 2, "▋ "),  # 5.33 eighths rounds to 5
        (5, 4, 3, "███"),  # over the maximum fills the bar, never overflows it
        (0, 5, 3, "   "),
        (4, 0, 3, "   "),  # nothing to scale to
        (Decimal("12.5"), 100, 4, "▌   "),  # half a cell
    ],
)
def test_a_bar_is_scaled_in_eighths_of_a_cell(
    value: int | Decimal, maximum: int, width: int, drawn: str
) -> None:
    assert bar(value, maximum, width) == drawn


def test_utilisation_bars_scale_to_100_percent_and_show_the_figure() -> None:
    assert utilisation_bar(Decimal("35.0"), 10) == "███▌        35.0%"
    assert utilisation_bar(Decimal("120.0"), 4) == "████ 120.0%"
    # No opening hours (a 24/7 instrument with no hours set): no bar and a dash, not 0%.
    assert utilisation_bar(None, 4) == "          —"
    assert len(utilisation_bar(None, 10)) == len(utilisation_bar(Decimal("35.0"), 10))


def test_bar_lines_align_labels_and_counts_and_scale_to_the_largest() -> None:
    assert bar_lines([("Mon", 4), ("Tue", 1), ("Sun", 0)], 4) == [
        "Mon ████ 4",
        "Tue █    1",
        "Sun      0",
    ]
    assert bar_lines([("09:00", 10), ("10", 5)], 2) == ["09:00 ██ 10", "10    █   5"]
    assert bar_lines([], 4) == []


def test_a_sparkline_scales_to_the_largest_and_shows_any_value_above_zero() -> None:
    assert sparkline([0, 1, 2, 3, 8, 16]) == " ▁▁▂▄█"
    assert sparkline([5, 5]) == "██"
    assert sparkline([0, 0]) == "  "
    assert sparkline([]) == ""


def test_a_column_chart_stacks_eighths_and_labels_each_column() -> None:
    assert column_chart([0, 1, 6, 12], ["Jan", "Feb", "Mar", "Apr"], height=2, column=4) == [
        "            ███ ",
        "    ▂▂▂ ███ ███ ",
        "Jan Feb Mar Apr ",
    ]
    assert column_chart([3], ["Monday"], height=1, column=3) == ["██ ", "Mo "]
    with pytest.raises(ValueError, match="one label per value"):
        column_chart([1, 2], ["a"], height=1, column=2)


def test_heat_cells_step_up_the_ramp_by_share_of_the_largest() -> None:
    assert [heat_style(v, 10) for v in (0, 1, 2, 3, 5, 6, 10)] == [
        "dim",
        HEAT_RAMP[0],
        HEAT_RAMP[0],
        HEAT_RAMP[1],
        HEAT_RAMP[2],
        HEAT_RAMP[2],
        HEAT_RAMP[4],
    ]
    cell = heat_cell("2.50", 150, 300, 6)
    assert cell.plain == "  2.50"
    assert str(cell.style) == HEAT_RAMP[2]


def test_every_heat_step_sets_its_own_text_and_background_colours() -> None:
    # Readable on any theme: no step leaves the text colour to the theme.
    for style in HEAT_RAMP:
        foreground, background = style.removeprefix("bold ").split(" on ")
        assert foreground.startswith("#") and background.startswith("#")

"""Text charts for the Reports screen: bars, sparklines and heat-table cell styles.

Pure (no Textual), so each chart is tested character for character. Block characters give
eighth-of-a-cell precision; scaling is integer arithmetic, rounding half up, so the same
figures always draw the same chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from rich.text import Text

FULL = "█"
# A bar growing left to right: index n is n eighths of a cell (0 is empty).
LEFT_EIGHTHS = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")
# A column growing bottom up: index n is n eighths of a cell.
LOW_EIGHTHS = (" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█")

# Cross-institution use from faint to strong. Each step sets its own foreground and
# background (contrast 5:1 or better), so a cell reads the same on light and dark themes.
HEAT_RAMP = (
    "#0b2545 on #dbe9f6",
    "#0b2545 on #a9cce9",
    "#0b2545 on #6fa8dc",
    "#ffffff on #2a6cad",
    "bold #ffffff on #0d3f78",
)


def _scaled(value: int | Decimal, maximum: int | Decimal, units: int) -> int:
    """`value` out of `maximum` as a whole number of `units`, half up, within 0..units."""
    if maximum <= 0 or value <= 0:
        return 0
    exact = Decimal(value) * units / Decimal(maximum)
    return min(units, int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def _ceil_scaled(value: int, maximum: int, units: int) -> int:
    """Like `_scaled` but rounding up, so any value above zero shows at least one unit."""
    if maximum <= 0 or value <= 0:
        return 0
    return min(units, -(-value * units // maximum))


def bar(value: int | Decimal, maximum: int | Decimal, width: int) -> str:
    """A horizontal bar `width` cells wide, full when `value` reaches `maximum`."""
    full, rest = divmod(_scaled(value, maximum, width * 8), 8)
    return (FULL * full + LEFT_EIGHTHS[rest]).ljust(width)


def utilisation_bar(percent: Decimal | None, width: int) -> str:
    """'███▌      35.0%': the bar scaled to 100% and the figure; over 100% fills the bar."""
    if percent is None:
        return f"{' ' * width} {'—':>6}"
    return f"{bar(percent, 100, width)} {percent:>5}%"


def bar_lines(items: Sequence[tuple[str, int]], width: int) -> list[str]:
    """Labelled horizontal bars scaled to the largest value, each ending with its count."""
    if not items:
        return []
    label_width = max(len(label) for label, _ in items)
    count_width = max(len(str(value)) for _, value in items)
    maximum = max(value for _, value in items)
    return [
        f"{label:<{label_width}} {bar(value, maximum, width)} {value:>{count_width}}"
        for label, value in items
    ]


def sparkline(values: Sequence[int]) -> str:
    """One character per value, '▁' to '█' scaled to the largest; zero is a blank."""
    maximum = max(values, default=0)
    return "".join(LOW_EIGHTHS[_ceil_scaled(v, maximum, 8)] for v in values)


def column_chart(
    values: Sequence[int], labels: Sequence[str], *, height: int, column: int
) -> list[str]:
    """Vertical bars `height` rows tall with a label row under them.

    Each value gets `column` cells: `column - 1` of bar and one of space. A value above zero
    shows at least an eighth, so a month with any sharing never looks empty.
    """
    if len(values) != len(labels):
        raise ValueError("one label per value")
    maximum = max(values, default=0)
    units = [_ceil_scaled(v, maximum, height * 8) for v in values]
    lines = []
    for row in range(height):
        floor = (height - 1 - row) * 8
        cells = (LOW_EIGHTHS[max(0, min(8, u - floor))] * (column - 1) + " " for u in units)
        lines.append("".join(cells))
    lines.append("".join(label[: column - 1].ljust(column) for label in labels))
    return lines


def heat_style(value: int, maximum: int) -> str:
    """The ramp step for `value` out of `maximum` (any value above zero is at least step 1)."""
    step = _ceil_scaled(value, maximum, len(HEAT_RAMP))
    return HEAT_RAMP[step - 1] if step else "dim"


def heat_cell(text: str, value: int, maximum: int, width: int) -> Text:
    """`text` right-aligned in exactly `width` cells (a table's column), coloured by its share
    of the largest value."""
    return Text(f"{text:>{width}}", style=heat_style(value, maximum), no_wrap=True)

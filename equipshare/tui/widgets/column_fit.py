"""The layout rule every table shares: which columns to show, and how wide, in the room it has.

Each column declares its priority (0: essential, always shown; higher numbers are hidden
first), whether it may be cut with an ellipsis (`least`, a last resort) and how wide it
prefers to be (`most`) while others still want room. A column not essential is shown only
whole, or not at all, unless it says it may be cut; spare room then goes back to the cut
columns and to those held at `most`, so a wider terminal shows more columns (never fewer)
and fuller cells, never more padding. Pure arithmetic, no Textual: tested alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len


@dataclass(frozen=True)
class ColumnSpec:
    """One column's claim on the room: see the module's docstring."""

    label: str
    key: str
    #: 0 is essential (always shown); among the rest, lower numbers are shown first.
    priority: int = 1
    #: The narrowest it may be cut to, with an ellipsis, when nothing else fits; None: never cut.
    least: int | None = None
    #: Its width while other columns still want room; None: as wide as its longest cell.
    most: int | None = None
    justify: Literal["left", "right"] = "left"
    #: Narrowed, its cells wrap onto more lines instead of being cut.
    wrap: bool = False


def fit_columns(
    columns: Sequence[ColumnSpec],
    contents: Mapping[str, int],
    room: int,
    padding: int = 1,
) -> dict[str, int]:
    """The columns shown (in declared order), each with its text width, in `room` cells.

    `contents` is each column's widest cell; a column with no text in any cell is shown
    only if essential and labelled. `padding` blank cells flank every column.
    """
    natural: dict[str, int] = {}
    for column in columns:
        content = contents.get(column.key, 0)
        if content or (column.priority == 0 and column.label):
            natural[column.key] = max(content, cell_len(column.label))
    want = {
        c.key: min(natural[c.key], c.most) if c.most else natural[c.key]
        for c in columns
        if c.key in natural
    }
    floor = {
        c.key: min(want[c.key], c.least) if c.least is not None else want[c.key]
        for c in columns
        if c.key in want
    }
    rank = {c.key: (c.priority, n) for n, c in enumerate(columns)}
    candidates = sorted(want, key=rank.__getitem__)

    def used(widths: Mapping[str, int]) -> int:
        return sum(widths.values()) + 2 * padding * len(widths)

    shown = {key: want[key] for key in candidates if rank[key][0] == 0}
    # The essentials alone may overflow: cut those that allow it, least important first.
    for key in reversed(candidates):
        over = used(shown) - room
        if over <= 0:
            break
        if key in shown:
            shown[key] = max(floor[key], shown[key] - over)
    # Then the rest in priority order, each whole while it fits; the first that does not
    # is cut if it allows that and fits so, and ends the list. Stopping there (rather than
    # skipping to a narrower column) means a wider room never shows fewer columns.
    for key in candidates:
        if key in shown:
            continue
        spare = room - used(shown) - 2 * padding
        if want[key] <= spare:
            shown[key] = want[key]
            continue
        if floor[key] <= spare:
            shown[key] = floor[key]
        break
    # Spare room: back to cut columns first, then past `most` to whole cells.
    for limit in (want, natural):
        for key in candidates:
            spare = room - used(shown)
            if key in shown and spare > 0:
                shown[key] = min(limit[key], shown[key] + spare)
    return {c.key: shown[c.key] for c in columns if c.key in shown}

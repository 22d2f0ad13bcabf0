"""Paragraph: plain text that wraps only at ordinary spaces, so '14 h' stays on one line.

Textual wraps at any Unicode space, the no-break space included; an acknowledgement puts
one between each figure and its unit. Paragraph wraps the text itself (textwrap breaks
only at ASCII whitespace) to the width it is given, then shows the lines as they are.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from textual.app import RenderResult
from textual.geometry import Size
from textual.widgets import Static


def wrapped(text: str, width: int) -> list[str]:
    """`text`'s lines at `width` cells: breaks at spaces, never at a no-break space or a
    hyphen (an instrument code such as NOTTS-ICPMS-02 stays whole where it fits)."""
    lines: list[str] = []
    for line in text.splitlines() or [""]:
        lines += textwrap.wrap(line, max(width, 1), break_on_hyphens=False) or [""]
    return lines


NO_BREAK = "\u00a0"


def held_parts(parts: Iterable[str], separator: str = "·") -> str:
    """`parts` in one line that a Paragraph breaks only between parts: the spaces inside a
    part hold ('used 17,909 h' never leaves 'h' alone), and the separator stays with the
    part before it."""
    held = [part.replace(" ", NO_BREAK) for part in parts if part]
    return f"{NO_BREAK}{separator} ".join(held)


class Paragraph(Static):
    """A Static of plain text (no markup) whose no-break spaces hold."""

    def __init__(
        self, text: str = "", *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(text, id=id, classes=classes, markup=False)

    def render(self) -> RenderResult:
        # The no-break spaces have decided the breaks; shown, they are plain spaces.
        lines = wrapped(str(self.content), self.content_size.width)
        return "\n".join(lines).replace(NO_BREAK, " ")

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(wrapped(str(self.content), width))

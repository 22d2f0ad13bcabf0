"""Paragraph: plain text that wraps only at ordinary spaces, so '14 h' stays on one line.

Textual wraps at any Unicode space, the no-break space included; an acknowledgement puts
one between each figure and its unit. Paragraph wraps the text itself (textwrap breaks
only at ASCII whitespace) to the width it is given, then shows the lines as they are.
"""

from __future__ import annotations

import textwrap

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


class Paragraph(Static):
    """A Static of plain text (no markup) whose no-break spaces hold."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id, markup=False)

    def render(self) -> RenderResult:
        return "\n".join(wrapped(str(self.content), self.content_size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(wrapped(str(self.content), width))

"""KeyFooter: Textual's Footer showing only the keys that fit whole, never one cut mid-word.

Textual's Footer lays every shown binding in a row and lets the last ones run off the
edge ("m My boo"). This one hides, from the first that does not fit to the end, the keys
the width cannot hold, keeping help's key and the command palette's; every key, shown
here or not, is listed in help (?).
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Footer

#: Shown however narrow the terminal: help lists every key the footer leaves out.
KEPT_ACTIONS = frozenset({"help", "app.help"})


class KeyFooter(Footer):
    """A Footer whose keys are each shown whole, or not at all."""

    async def recompose(self) -> None:
        await super().recompose()
        self.call_after_refresh(self.fit_keys)

    def on_resize(self, _event: events.Resize) -> None:
        self.call_after_refresh(self.fit_keys)

    def _width_of(self, child: Widget) -> int:
        content = child.get_content_width(self.size, self.app.size)
        return content + child.styles.gutter.width + child.styles.margin.width

    def fit_keys(self) -> None:
        """Show the keys, in order, while each fits whole beside the palette's key."""
        keys = [child for child in self.children if not child.has_class("-command-palette")]
        kept = [child for child in self.children if child.has_class("-command-palette")]
        kept += [child for child in keys if getattr(child, "action", None) in KEPT_ACTIONS]
        room = self.size.width - sum(self._width_of(child) for child in kept)
        used, full = 0, False
        for child in keys:
            if child in kept:
                continue
            width = self._width_of(child)
            full = full or used + width > room
            child.display = not full
            used += 0 if full else width

    @property
    def shown_keys(self) -> list[str]:
        """The keys shown, as they are displayed (for tests and help)."""
        return [
            str(getattr(child, "key_display", ""))
            for child in self.query("FooterKey")
            if child.display
            and (child.parent is self or getattr(child.parent, "display", False))
            and not child.has_class("-command-palette")
        ]

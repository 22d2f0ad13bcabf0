"""SearchBox: a one-line search that says what was typed once typing pauses.

A paged list reloads from its first page on every search, so each keystroke would cost a
query; the box waits `delay` seconds after the last one (Enter does not wait) and posts
`Settled` with the text. A refused search marks the box until the next one is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input


class SearchBox(Input):
    """Type to search; `Settled` follows a pause, or Enter."""

    @dataclass
    class Settled(Message):
        """The search text after typing paused (or Enter was pressed)."""

        box: SearchBox
        value: str

        @property
        def control(self) -> SearchBox:
            return self.box

    def __init__(self, placeholder: str, *, id: str | None = None, delay: float = 0.15) -> None:
        super().__init__(placeholder=placeholder, id=id, compact=True)
        self.delay = delay
        self._timer: Timer | None = None

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.delay, self._settle)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        # Not stopped: the screen moves focus back to its list.
        self._settle()

    def _settle(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.post_message(self.Settled(self, self.value))

    def mark_refused(self, refused: bool) -> None:
        """Show (or stop showing) that the search typed was refused."""
        self.set_class(refused, "-invalid")

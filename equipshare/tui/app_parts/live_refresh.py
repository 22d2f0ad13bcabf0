"""LiveRefresh: the app's side of keeping every screen current (tui/live.py is the screens'),
kept out of app.py.

A write made here posts BookingsChanged, which every screen on the stack hears; a write
made anywhere else moves a change stamp, which the screen in front reads every
[tui] live_check_ms through `changes`.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from textual import on
from textual.app import App

from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.messages import BookingsChanged

if TYPE_CHECKING:
    from equipshare.config import Settings
    from equipshare.services.changes.service import ChangesService


class LiveRefresh(App[None]):
    """Mixed into the app: what LiveScreen asks of it (tui/live.py's LiveSource), and the
    forwarding of BookingsChanged to every screen."""

    if TYPE_CHECKING:

        @property
        def context(self) -> ServiceContext: ...  # the app's; a launch opens it late

    settings: Settings

    @cached_property
    def changes(self) -> ChangesService:
        """The change stamps the screen in front reads to keep up (tui/live.py); loaded on
        the first check, after the first frame."""
        from equipshare.services.changes.service import ChangesService

        return ChangesService(self.context)

    @property
    def live_check_seconds(self) -> float:
        return self.settings.tui.live_check_ms / 1000  # asked as a screen opens: no context

    if TYPE_CHECKING:

        def load_standing(self) -> None: ...  # app_parts/standing.py

    @on(BookingsChanged)
    def _forward_bookings_changed(self, message: BookingsChanged) -> None:
        # Every screen on the stack hears it, so what is shown after Escape is current.
        for screen in self.screen_stack:
            screen.post_message(BookingsChanged(message.instrument_codes))
        self.load_standing()

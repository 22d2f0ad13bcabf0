"""LiveStanding: the header's "N to approve" and what the user may open keep up with writes
made by other people, in other processes, not only with the app's own.

Every [tui] live_check_ms the app reads the approvals stamp of the acting user (one indexed
read, as the screens' own checks: tui/live.py) in a thread worker. The stamp moves with
every booking on the instruments the user staffs and with people and rights; when it has
moved since the last read, the app reads its standing again (who it is, how many wait).

The first standing is read only after the first stamp: a booking made between the count and
a later baseline would otherwise be in the baseline and never counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.changes import APPROVALS, TopicStamps
from equipshare.tui.live import LiveSource

#: The worker group of the checks: one at a time, never queued behind itself.
GROUP = "standing_live"


class LiveStanding:
    """Reloads the app's standing when the approvals stamp moves; `start` once mounted."""

    def __init__(self, app: App[Any], reload: Callable[[], None]) -> None:
        self._app = app
        self._reload = reload
        self._seen: TopicStamps | None = None
        self._started = False

    def start(self) -> None:
        """Take the baseline now (the standing is loaded once it is read), then keep checking."""
        app = self._app
        if not isinstance(app, LiveSource):
            self._reload()
            return
        self.check()
        app.set_interval(app.live_check_seconds, self.check, name="standing-live-check")

    def check(self) -> None:
        """Read the stamp in a worker, unless the last read has not finished yet."""
        app = self._app
        if not isinstance(app, LiveSource):
            return
        if any(w.group == GROUP and not w.is_finished for w in app.workers):
            return
        changes, actor = app.changes, app.actor_username

        def read() -> None:
            try:
                stamps = changes.stamps(actor, (APPROVALS,))
            except EquipshareError:
                stamps = None  # read the standing all the same: it says what went wrong
            if app.is_running:
                app.call_from_thread(self._read, stamps)

        app.run_worker(read, name=GROUP, group=GROUP, exit_on_error=False, thread=True)

    def _read(self, stamps: TopicStamps | None) -> None:
        first = not self._started
        self._started = True
        seen, self._seen = self._seen, stamps or self._seen
        if first or (stamps is not None and (seen is None or stamps.changed_since(seen))):
            self._reload()

"""LiveScreen: a service-backed screen that keeps up with writes made anywhere, cheaply.

Every [tui] live_check_ms the screen in front reads the change stamps of the topics it
shows (`live_topics`) in a thread worker: one indexed query, whichever process wrote. When
a stamp has moved since the last read, `live_changed` runs the reload the screen already
has; when none has, nothing else happens. A screen that is covered (a dialog or another
screen on top) does not ask; it asks at once when it is in front again.

The screen's own calls never fight a check. A load that shows what the screen shows in full
(`call_service(..., live_baseline=True)`) reads the stamps just before its data, and later
checks compare with those: the screen's own write, which that load shows, reloads nothing
again. A check that another call of the screen overlapped (a write, a load) is dropped, so
it never reloads over the cursor the screen's own answer is placing; the next one asks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

from textual import events, on
from textual.message import Message
from textual.screen import Screen, ScreenResultType
from textual.timer import Timer

from equipshare.domain.errors import EquipshareError

if TYPE_CHECKING:
    from collections.abc import Callable

    from equipshare.domain.records.changes import Topic, TopicStamps
    from equipshare.services.changes.service import ChangesService

#: The worker group of the checks: one at a time per screen, never queued behind itself.
LIVE_GROUP = "live"


@runtime_checkable
class LiveSource(Protocol):
    """What the app gives its live screens: who is looking, the stamps, how often to ask."""

    actor_username: str

    @property
    def changes(self) -> ChangesService: ...

    @property
    def live_check_seconds(self) -> float: ...


class LiveScreen(Screen[ScreenResultType]):
    """The base of ServiceScreen: screens declare `live_topics` and answer `live_changed`."""

    @dataclass
    class StampsRead(Message):
        """The stamps of the screen's topics as read now: by a check, or by a load just
        before its data (`baseline`)."""

        stamps: TopicStamps
        #: How many calls of the screen's own had started when the read began.
        generation: int
        baseline: bool = False

    _live_timer: Timer | None = None
    _live_seen: TopicStamps | None = None
    #: Counts the screen's own service calls; a check that one overlapped is stale.
    _live_generation: int = 0
    #: The generation of the baseline `_live_seen` came from (an older one never replaces it).
    _live_baseline_generation: int = -1

    def live_topics(self) -> frozenset[Topic]:
        """What the screen shows now, as change topics; none (the default): never reload."""
        return frozenset()

    def live_changed(self, changed: frozenset[Topic]) -> None:
        """Something under `changed` was written since the last look: show it again,
        keeping the cursor, selection and scroll where they can stay."""

    def _live_source(self) -> LiveSource | None:
        """The app, if it can answer; and only for screens that declare topics."""
        if type(self).live_topics is LiveScreen.live_topics:
            return None
        app = self.app
        # Looked for on the class: isinstance() against the protocol would read `changes`,
        # which loads the change-stamp service on the event loop as the screen opens.
        answers = all(hasattr(type(app), m) for m in ("changes", "live_check_seconds"))
        return cast(LiveSource, app) if answers and hasattr(app, "actor_username") else None

    @on(events.ScreenResume)
    def _live_resumed(self) -> None:
        source = self._live_source()
        if source is None:
            return
        if self._live_timer is None:
            self._live_timer = self.set_interval(
                source.live_check_seconds, self.live_check, name="live-check"
            )
        else:
            self._live_timer.resume()
        self.live_check()  # what changed while it was covered shows now, not a period later

    @on(events.ScreenSuspend)
    def _live_suspended(self) -> None:
        if self._live_timer is not None:
            self._live_timer.pause()

    def live_call_started(self, *, baseline: bool) -> Callable[[], None] | None:
        """A service call of the screen's own starts (ServiceCalls says so): checks under
        way are stale. With `baseline` (a load of all the screen shows), what reads the
        stamps in the call's worker just before its data; None when nothing is watched."""
        self._live_generation += 1
        source = self._live_source()
        topics = self.live_topics()
        if not baseline or source is None or not topics:
            return None
        return self._stamps_reader(source, topics, baseline=True)

    def _stamps_reader(
        self, source: LiveSource, topics: frozenset[Topic], *, baseline: bool
    ) -> Callable[[], None]:
        actor, screen = source.actor_username, self
        generation = self._live_generation

        def read() -> None:
            try:  # `changes` first loads here, in the worker, off the event loop
                stamps = source.changes.stamps(actor, topics)
            except EquipshareError:
                return  # a topic the actor may not watch: it never reloads
            screen.post_message(self.StampsRead(stamps, generation, baseline))

        return read

    def _own_calls_running(self) -> bool:
        """A worker of the screen's own, other than a check, has not finished."""
        return any(
            w.node is self and w.group != LIVE_GROUP and not w.is_finished for w in self.workers
        )

    def live_check(self) -> None:
        """Read the stamps of the topics shown, in a worker; skipped while one is reading
        (a slow database never piles checks up), while the screen is covered, and while a
        call of its own runs (its answer shows what changed)."""
        source = self._live_source()
        topics = self.live_topics()
        if source is None or not topics or not self.is_active:
            return
        if any(w.group == LIVE_GROUP and not w.is_finished for w in self.workers):
            return
        if self._own_calls_running():
            return
        read = self._stamps_reader(source, topics, baseline=False)
        self.run_worker(read, name=LIVE_GROUP, group=LIVE_GROUP, exit_on_error=False, thread=True)

    @on(StampsRead)
    def _live_stamps_read(self, message: StampsRead) -> None:
        if message.baseline:
            if message.generation > self._live_baseline_generation:
                self._live_seen = message.stamps  # read before the data the load shows
                self._live_baseline_generation = message.generation
            return
        if message.generation != self._live_generation or self._own_calls_running():
            return  # a call of the screen's own overlapped the check: the next one asks
        seen, self._live_seen = self._live_seen, message.stamps
        if seen is None:
            return  # the first look: what is shown was loaded just now
        changed = message.stamps.changed_since(seen)
        if changed:
            self.live_changed(changed)

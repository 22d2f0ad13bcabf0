"""TUI tests drive the real app on a real temporary SQLite database (the services cover PG).

Waiting: every wait is for a change the step itself causes, never for a condition an
earlier step may already have met. `settle` polls a condition between rounds of work;
`shown` waits for a pushed screen to be composed, mounted and focused; `Posted` counts the
messages the app handled, so a test waits for the next answer rather than any answer.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import pytest
from textual.app import App
from textual.events import Event
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button
from textual.worker import WorkerCancelled

S = TypeVar("S", bound=Screen[Any])

#: Seconds before a wait gives up. Generous: a busy machine is slow, not wrong; a test
#: that waits for the right thing never spends it.
TIMEOUT = 30.0


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def settle(pilot: Pilot[None], until: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Let timers, workers and message handlers run until `until()` holds, and the app's
    start-up reads are done: its standing is read after the first rows are painted."""
    deadline = time.monotonic() + timeout
    while True:
        # An exclusive worker replaced by a newer one (a reload) ends cancelled: wait on.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if until() and getattr(pilot.app, "standing_known", True):
            return
        if time.monotonic() > deadline:
            raise AssertionError("the app never reached the expected state")


async def shown(pilot: Pilot[None], kind: type[S]) -> S:
    """Wait until a `kind` screen is on top and mounted (its on_mount has run), then let the
    app apply the focus that on_mount asked for, so keys typed next reach the right widget."""
    app: App[None] = pilot.app
    await settle(pilot, lambda: isinstance(app.screen, kind) and app.screen.is_mounted)
    await pilot.pause()  # focus is applied by a callback the app runs after on_mount
    screen = app.screen
    assert isinstance(screen, kind)
    return screen


class Posted:
    """The messages an app handled, each counted once; pass it as run_test's message_hook.

    A bubbling message is handled at each level of the DOM; it is one message here.
    """

    def __init__(self) -> None:
        self._seen: dict[int, Message] = {}  # holding each message keeps its id unique

    def __call__(self, message: Message) -> None:
        if not isinstance(message, Event):  # keys, timers and the like: not answers
            self._seen.setdefault(id(message), message)

    def count(self, *kinds: type[Message]) -> int:
        """How many messages of these kinds have been handled so far."""
        return sum(isinstance(message, kinds) for message in self._seen.values())

    def notified(self, severity: str) -> list[str]:
        """Every notification of `severity` posted so far, in order, expired ones too.

        The app's own list drops a notification once its timeout passes, which on a busy
        machine can come before the test looks.
        """
        return [
            str(message.notification.message)
            for message in self._seen.values()
            if isinstance(message, Notify) and message.notification.severity == severity
        ]


_RECORDS: WeakKeyDictionary[App[Any], Posted] = WeakKeyDictionary()


def recorded(app: App[Any]) -> Posted:
    """The Posted record of `app`, made on first use: pass it as run_test's message_hook."""
    return _RECORDS.setdefault(app, Posted())


async def click_when_ready(pilot: Pilot[None], selector: str) -> None:
    """Click a button once it can take a click again.

    Textual ignores a click on a button still showing its last press (for 0.2 s): a test
    that clicks the same button twice in quick succession would lose the second click.
    """
    button = pilot.app.screen.query_one(selector, Button)
    await settle(pilot, lambda: not button.has_class("-active"))
    await pilot.click(selector)

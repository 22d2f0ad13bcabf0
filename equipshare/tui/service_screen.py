"""ServiceScreen: the base of screens that load and write through services in thread workers.

A screen calls `self.call_service(call, answer, group=...)`: `call` runs in a thread
worker, and its result comes back as the message `answer` makes, posted to the screen,
whose `@on` handler updates the widgets. A domain error becomes the message `refused`
makes (by default ServiceRefused, which a ServiceScreen shows as a notification). Any
other exception is a bug: the worker fails and the app reports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import on
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ScreenResultType
from textual.widgets import DataTable
from textual.worker import Worker, get_current_worker

from equipshare.domain.errors import EquipshareError
from equipshare.tui.live import LiveScreen
from equipshare.tui.messages import ServiceRefused

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

T = TypeVar("T")


def refusal_notice(error: EquipshareError) -> ServiceRefused:
    """The default refusal: the error's own words, shown as a notification."""
    return ServiceRefused(str(error))


def back_binding(screen_id: str, tooltip: str = "Back to where you were") -> Binding:
    """Escape goes back; the id (`<screen_id>.back`) is what [keymap] remaps."""
    return Binding("escape", "back", "Back", id=f"{screen_id}.back", tooltip=tooltip)


def search_binding(
    screen_id: str, tooltip: str, *, action: str = "search", in_footer: bool = True
) -> Binding:
    """ "/" to the screen's search box (id `<screen_id>.search`). A priority binding, so
    that keys typed after it in one burst (a paste, a slow link over SSH) reach the box,
    not the table; the screen's check_action lets it step aside in a text box, where "/"
    is a character, and its action sets the focus at once (Widget.focus() would wait
    behind the keys already queued)."""
    hidden = {} if in_footer else {"key_display": "/", "show": False}  # the box says so
    return Binding(
        "slash",
        action,
        "Search",
        id=f"{screen_id}.search",
        tooltip=tooltip,
        priority=True,
        **hidden,  # type: ignore[arg-type]
    )


class ServiceCalls:
    """Mixed into the DOM nodes (screens, dialogs, the app) that call services."""

    def call_service(
        self,
        call: Callable[[], T],
        answer: Callable[[T], Message],
        *,
        group: str,
        refused: Callable[[EquipshareError], Message | None] = refusal_notice,
        drop_if_cancelled: bool = False,
        live_baseline: bool = False,
    ) -> Worker[None]:
        """Run `call` in an exclusive thread worker of `group`; post `answer(result)` to self.

        `refused` (run in the worker, so it may call a service too) turns a domain error
        into the message to post, or None to post nothing. With `drop_if_cancelled`, an
        answer is not posted once a newer call of the group has cancelled this one; writes
        leave it off, so a write that happened is always reported.

        On a LiveScreen every call makes the live checks under way stale, and
        `live_baseline` (a load of everything the screen shows) reads the change stamps
        first, so the screen's own writes, which the load shows, reload nothing again.
        """
        assert isinstance(self, DOMNode)  # mixed into DOM nodes only
        node = self
        stamps = (
            self.live_call_started(baseline=live_baseline) if isinstance(self, LiveScreen) else None
        )

        def run() -> None:
            try:
                if stamps is not None:
                    stamps()
                result = call()
            except EquipshareError as error:
                message = refused(error)
                if message is not None:
                    node.post_message(message)
                return
            if not (drop_if_cancelled and get_current_worker().is_cancelled):
                node.post_message(answer(result))

        return node.run_worker(
            run, name=group, group=group, exclusive=True, exit_on_error=False, thread=True
        )


class ServiceScreen(ServiceCalls, LiveScreen[ScreenResultType]):
    """A screen whose data comes through services: Escape goes back, a refusal is notified,
    and what it shows is kept current if it declares its change topics (LiveScreen).

    Subclasses declare their own Escape binding with `back_binding("<screen id>")`, so its
    id stays theirs (users remap keys by id) and the help screen lists it among their keys.
    A subclass that must do more on a refusal adds its own `@on(ServiceRefused)` handler;
    both run, the subclass's first.
    """

    #: What Enter on a row does, by the table's id: the action of the screen's key for that
    #: row (open it, edit it), refused as that key would be, saying why.
    ENTER_ACTIONS: ClassVar[Mapping[str, str]] = {}
    #: For tables whose rows open nothing (nothing about them can change): what Enter says.
    ENTER_WORDS: ClassVar[Mapping[str, str]] = {}

    @on(ServiceRefused)
    def _notify_refusal(self, message: ServiceRefused) -> None:
        message.stop()  # shown here; the app would show it again
        self.notify(message.text, severity="error")

    @on(DataTable.RowSelected)
    async def _row_entered(self, event: DataTable.RowSelected) -> None:
        """Enter on a row does what the screen's key for it does, or says why it cannot."""
        table = event.data_table.id or ""
        action, words = self.ENTER_ACTIONS.get(table), self.ENTER_WORDS.get(table)
        if action is None and words is None:
            return  # the screen answers Enter itself, or its rows are not chosen
        event.stop()
        if action is None:
            self.notify(words or "", severity="warning")
            return
        if not self.check_action(action, ()):
            explain = getattr(self, "why_not", None)
            why = explain(action, ()) if callable(explain) else None
            self.notify(why or "That cannot be done here now", severity="warning")
            return
        await self.app.run_action(action, self)

    def working(self, group: str) -> bool:
        """A worker of `group` is still running (a thread cannot be stopped, only waited for)."""
        return any(worker.group == group and not worker.is_finished for worker in self.workers)

    def action_back(self) -> None:
        self.app.pop_screen()

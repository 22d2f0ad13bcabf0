"""FeedUrlModal: the subscription URL of a new feed token, shown once, ready to copy."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from equipshare.domain.records.scheduling.calendar import IssuedFeedToken


class FeedUrlModal(ModalScreen[None]):
    """The token is never shown again, so the dialog says so and offers to copy it."""

    DEFAULT_CSS = """
    FeedUrlModal { align: center middle; }
    #feed-dialog {
        width: 90; max-width: 100%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #feed-title { text-style: bold; padding: 0 0 1 0; }
    .url { background: $boost; padding: 0 1; margin: 0 0 1 0; }
    #feed-note { color: $text-muted; padding: 1 0 0 0; }
    #feed-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    #feed-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="feed_url.close", tooltip="Close the dialog"),
        Binding("c", "copy", "Copy", id="feed_url.copy", tooltip="Copy the webcal:// URL"),
    ]

    def __init__(self, issued: IssuedFeedToken, calendar: str) -> None:
        super().__init__()
        self.issued = issued
        self._calendar = calendar

    def compose(self) -> ComposeResult:
        with Vertical(id="feed-dialog"):
            yield Static(f"Subscribe to {self._calendar}", id="feed-title", markup=False)
            yield Static("Apple Calendar, Outlook, Thunderbird (webcal):", markup=False)
            yield Static(self.issued.webcal_url, id="feed-webcal", classes="url", markup=False)
            yield Static("Google Calendar (From URL):", markup=False)
            yield Static(self.issued.https_url, id="feed-https", classes="url", markup=False)
            yield Static(
                "This address is shown only once. Anyone who has it can read this calendar, "
                "so treat it like a password; F (Feeds) lists your subscriptions and revokes "
                "this one.",
                id="feed-note",
                markup=False,
            )
            with Horizontal(id="feed-buttons"):
                yield Button("Copy webcal URL", id="feed-copy", compact=True)
                yield Button("Close", id="feed-close", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#feed-copy", Button).focus()

    @on(Button.Pressed, "#feed-copy")
    def action_copy(self) -> None:
        # OSC 52: works over SSH in most terminals, which is where technicians are.
        self.app.copy_to_clipboard(self.issued.webcal_url)
        self.notify("Copied the webcal:// URL")

    @on(Button.Pressed, "#feed-close")
    def action_close(self) -> None:
        self.dismiss(None)

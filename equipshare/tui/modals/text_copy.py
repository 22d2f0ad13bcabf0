"""TextCopyModal: a file the app would have saved, shown as text to copy (the app over SSH)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from equipshare.domain.display.wording import count_words


class TextCopyModal(ModalScreen[None]):
    """Over SSH the server's disk is not the person's and there is no browser to download
    to, so the text is shown, scrollable and selectable, with a button that copies it all
    to the person's own clipboard (OSC 52, which most terminals honour through SSH)."""

    DEFAULT_CSS = """
    TextCopyModal { align: center middle; }
    #copy-dialog {
        width: 90%; height: 85%; border: round $accent; background: $surface; padding: 0 1;
    }
    #copy-title { text-style: bold; padding: 0 0 1 0; }
    #copy-text { height: 1fr; }
    #copy-note { color: $text-muted; padding: 1 0 0 0; height: auto; }
    #copy-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    #copy-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="text_copy.close", tooltip="Close the dialog"),
        Binding("ctrl+y", "copy_all", "Copy all", id="text_copy.copy", tooltip="Copy all the text"),
    ]

    def __init__(self, file_name: str, text: str, note: str = "") -> None:
        super().__init__()
        self.file_name = file_name
        self.text = text
        self._note = note

    def compose(self) -> ComposeResult:
        lines = self.text.count("\n") + 1
        with Vertical(id="copy-dialog"):
            yield Static(
                f"{self.file_name} ({count_words(lines, 'line')}): "
                "copy it into a file on your own computer",
                id="copy-title",
                markup=False,
            )
            yield TextArea(
                self.text, id="copy-text", read_only=True, soft_wrap=False, show_cursor=True
            )
            if self._note:
                yield Static(self._note, id="copy-note", markup=False)
            with Horizontal(id="copy-buttons"):
                yield Button("Copy all", id="copy-all", compact=True)
                yield Button("Close", id="copy-close", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#copy-all", Button).focus()

    @on(Button.Pressed, "#copy-all")
    def action_copy_all(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify(f"Copied {self.file_name} to your clipboard")

    @on(Button.Pressed, "#copy-close")
    def action_close(self) -> None:
        self.dismiss(None)

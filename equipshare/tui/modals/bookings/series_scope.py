"""SeriesScopeModal: ask which occurrences of a series a move or cancellation reaches."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

#: The scopes SeriesService takes, as the CLI's --scope names them.
Scope = Literal["this", "following", "all"]
SCOPES: tuple[Scope, ...] = ("this", "following", "all")
SCOPE_LABELS: dict[Scope, str] = {
    "this": "Just this one",
    "following": "This and following",
    "all": "All",
}


class SeriesScopeModal(ModalScreen[Scope | None]):
    """Returns the scope chosen, or None to leave the series as it is."""

    DEFAULT_CSS = """
    SeriesScopeModal { align: center middle; }
    #scope-dialog {
        width: 64; max-width: 95%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #scope-question { text-style: bold; padding: 1 0 0 0; }
    #scope-hint { color: $text-muted; padding: 0 0 1 0; }
    #scope-buttons { height: auto; align-horizontal: right; }
    #scope-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "choose('')",
            "Close",
            id="series_scope.close",
            tooltip="Close without changing the series",
        ),
        Binding(
            "t", "choose('this')", "Just this one", id="series_scope.this", tooltip="Only this one"
        ),
        Binding(
            "f",
            "choose('following')",
            "This and following",
            id="series_scope.following",
            tooltip="This occurrence and every later one",
        ),
        Binding(
            "a",
            "choose('all')",
            "All",
            id="series_scope.all",
            tooltip="Every occurrence of the series not yet over",
        ),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="scope-dialog"):
            yield Static(self._question, id="scope-question", markup=False)
            yield Static(
                "t just this one · f this and following · a all not yet over",
                id="scope-hint",
                markup=False,
            )
            with Horizontal(id="scope-buttons"):
                for scope in SCOPES:
                    yield Button(SCOPE_LABELS[scope], id=f"scope-{scope}", compact=True)

    def on_mount(self) -> None:
        self.query_one("#scope-this", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose((event.button.id or "").removeprefix("scope-"))

    def action_choose(self, scope: str) -> None:
        chosen = next((each for each in SCOPES if each == scope), None)
        self.dismiss(chosen)

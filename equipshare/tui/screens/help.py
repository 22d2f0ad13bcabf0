"""HelpScreen: every key binding of the screen underneath and of the app."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static


def bindings_of(declared: list[BindingType]) -> list[Binding]:
    """The Binding objects among a class's BINDINGS (tuples are normalised)."""
    found: list[Binding] = []
    for item in declared:
        found.extend(Binding.make_bindings([item]))
    return found


class HelpScreen(ModalScreen[None]):
    """A modal table of keys: the current screen's first, then the global ones."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help.close", tooltip="Close the help"),
        Binding("question_mark", "close", "Close", show=False, id="help.toggle", tooltip="Close"),
    ]

    def __init__(
        self, screen_title: str, screen_bindings: list[Binding], app_bindings: list[Binding]
    ) -> None:
        super().__init__()
        self._screen_title = screen_title
        self._screen_bindings = screen_bindings
        self._app_bindings = app_bindings

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static("Keys", id="help-title")
            table: DataTable[str] = DataTable(
                id="help-table", cursor_type="row", zebra_stripes=True
            )
            yield table
            yield Static("Escape closes this help", id="help-hint")

    def on_mount(self) -> None:
        table = self.query_one("#help-table", DataTable)
        table.add_columns("Key", "Does", "Where", "Id (for [keymap])")
        for where, bindings in (
            (self._screen_title, self._screen_bindings),
            ("everywhere", self._app_bindings),
        ):
            for binding in bindings:
                table.add_row(
                    self._key(binding),
                    binding.tooltip or binding.description,
                    where,
                    binding.id or "",
                )
        table.focus()

    def _key(self, binding: Binding) -> str:
        """The key as remapped by [keymap], else as declared."""
        remapped = self.app._keymap.get(binding.id or "")
        if remapped:
            return ", ".join(
                self.app.get_key_display(Binding(key.strip(), binding.action))
                for key in remapped.split(",")
            )
        return binding.key_display or self.app.get_key_display(binding)

    def rows(self) -> list[tuple[str, ...]]:
        """The table's rows as text, for tests and for copying."""
        table = self.query_one("#help-table", DataTable)
        return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]

    def action_close(self) -> None:
        self.dismiss(None)

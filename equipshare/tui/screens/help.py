"""HelpScreen: every key binding of the screen underneath and of the app."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable

#: Every column whole at 80 columns: what a key does wraps, so the ids users remap by
#: ([keymap] in equipshare.toml) are never cut.
COLUMNS = (
    ColumnSpec("Key", "key", priority=0),
    ColumnSpec("Does", "does", priority=0, least=16, wrap=True),
    ColumnSpec("Id (for [keymap])", "id", priority=0),
)


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
            yield FittedTable(id="help-table")
            yield Static("Escape closes this help", id="help-hint")

    def on_mount(self) -> None:
        table = self.query_one("#help-table", FittedTable)
        table.set_columns(COLUMNS)
        for where, entries in self._sections():
            table.add_row("", Text(where, style="bold underline"), "")
            for key, does, _, binding_id in entries:
                table.add_row(key, does, binding_id)
        table.move_cursor(row=1)  # past the first heading
        table.focus()

    def _sections(self) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
        """One entry per binding id, its keys joined, for this screen and then everywhere."""
        sections = []
        for where, bindings in (
            (self._screen_title, self._screen_bindings),
            ("everywhere", self._app_bindings),
        ):
            keys: dict[str, list[str]] = {}
            first: dict[str, Binding] = {}
            for binding in bindings:
                name = binding.id or f"{where}.{binding.action}"
                first.setdefault(name, binding)
                for key in self._keys(binding):
                    if key not in keys.setdefault(name, []):
                        keys[name].append(key)
            entries = [
                (", ".join(keys[name]), b.tooltip or b.description, where, b.id or "")
                for name, b in first.items()
            ]
            sections.append((where, entries))
        return sections

    def _keys(self, binding: Binding) -> list[str]:
        """The binding's keys as remapped by [keymap], else as declared."""
        remapped = self.app._keymap.get(binding.id or "")
        if remapped:
            return [
                self.app.get_key_display(Binding(key.strip(), binding.action))
                for key in remapped.split(",")
            ]
        return [binding.key_display or self.app.get_key_display(binding)]

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(keys, what they do, where, binding id) for every binding shown."""
        return [entry for _, entries in self._sections() for entry in entries]

    def action_close(self) -> None:
        self.dismiss(None)

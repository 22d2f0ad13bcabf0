"""InstitutionsScreen: the consortium's universities and companies, added and edited by admins.

A consortium has tens of institutions, so the list is read whole. The columns and
words are `equipshare institutions list`'s; a save is reported as the CLI reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from equipshare.domain.display.wording import count_words
from equipshare.domain.errors import EquipshareError, PermissionDenied
from equipshare.domain.records.changes import CATALOGUE, Topic
from equipshare.domain.records.consortium import InstitutionChange, InstitutionRecord
from equipshare.services.consortium.service import InstitutionService
from equipshare.tui.modals.administration.institution_form import InstitutionForm, change_words
from equipshare.tui.service_screen import ServiceScreen, back_binding
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter

#: The code, name and sector are whole at 80 columns; the rest show as the room allows.
COLUMNS = (
    ColumnSpec("Code", "code", priority=0),
    ColumnSpec("Name", "name", priority=0, least=16),
    ColumnSpec("Sector", "sector", priority=0),
    ColumnSpec("Partner", "partner", priority=1),
    ColumnSpec("Email domains", "domains", priority=4, least=16, most=40),
    ColumnSpec("Facilities", "facilities", priority=2, justify="right"),
    ColumnSpec("Users", "users", priority=3, justify="right"),
)
WRITE_ACTIONS = frozenset({"add", "edit"})


def institution_cells(record: InstitutionRecord) -> tuple[str, ...]:
    """One row as `equipshare institutions list` prints it."""
    return (
        record.code,
        record.name,
        record.sector.value,
        "yes" if record.is_partner else "no",
        ", ".join(record.email_domains),
        str(record.facilities),
        str(record.users),
    )


class InstitutionsScreen(ServiceScreen[None]):
    """Every institution by code (admins); `n` adds one, `e` edits the highlighted one."""

    @dataclass
    class Loaded(Message):
        """The institutions arrived, by code."""

        rows: tuple[InstitutionRecord, ...]

    @dataclass
    class ListRefused(Message):
        """The list was refused; when `denied` the actor may not list institutions, so no
        changes are offered either."""

        text: str
        denied: bool

    DEFAULT_CSS = """
    #institutions-table { height: 1fr; }
    #institutions-status { height: auto; padding: 0 1; color: $text-muted; background: $boost; }
    """

    ENTER_ACTIONS: ClassVar[dict[str, str]] = {
        "institutions-table": "edit"
    }  # Enter on an institution: its e

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("institutions"),
        Binding(
            "n", "add", "Add", id="institutions.add", tooltip="Add an institution to the consortium"
        ),
        Binding(
            "e",
            "edit",
            "Edit",
            id="institutions.edit",
            tooltip="Change the highlighted institution's code, name, sector, terms or domains",
        ),
    ]

    def __init__(self, institutions: InstitutionService, actor_username: str) -> None:
        super().__init__()
        self._institutions = institutions
        self._actor = actor_username
        self.rows: dict[str, InstitutionRecord] = {}
        self.loaded = False
        self.may_change = True
        self._keep: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield FittedTable(id="institutions-table")
        yield Static("Loading the institutions...", id="institutions-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#institutions-table", FittedTable)
        table.set_columns(COLUMNS)
        table.focus()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.may_change or action not in WRITE_ACTIONS

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """What a refused n or e says (KeyAnswers)."""
        return "Institutions are added and edited by admins" if action in WRITE_ACTIONS else None

    # Loading --------------------------------------------------------------------------

    def reload(self, keep: str | None = None) -> None:
        """Read the list again; the cursor goes back to `keep` (a code) if it is there."""
        self.loaded = False
        self._keep = keep
        self.call_service(
            lambda: tuple(self._institutions.list(self._actor)),
            lambda rows: self.Loaded(rows),
            group="institutions",
            refused=self._listing_refusal,
            live_baseline=True,
        )

    def _listing_refusal(self, error: EquipshareError) -> Message:
        return self.ListRefused(str(error), isinstance(error, PermissionDenied))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        table = self.query_one("#institutions-table", DataTable)
        current, self._keep = self._keep or self.selected_code(), None
        table.clear()
        self.rows = {row.code: row for row in message.rows}
        for row in message.rows:
            table.add_row(*institution_cells(row), key=row.code)
        if current in self.rows:
            table.move_cursor(row=table.get_row_index(current))
        partners = sum(row.is_partner for row in message.rows)
        self.query_one("#institutions-status", Static).update(
            f"{count_words(len(message.rows), 'institution')}, {partners} on partner terms"
        )
        self.loaded = True

    @on(ListRefused)
    def _refused(self, message: ListRefused) -> None:
        if message.denied:
            self.may_change = False
            self.refresh_bindings()
        self.notify(message.text, severity="error")
        self.query_one("#institutions-status", Static).update(f"Not shown: {message.text}")
        self.loaded = True

    def selected_code(self) -> str | None:
        """The code of the highlighted institution, if any."""
        table = self.query_one("#institutions-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key if key in self.rows else None

    # Changing -------------------------------------------------------------------------

    def _saved(self, change: InstitutionChange | None) -> None:
        if change is None:
            return
        self.notify(change_words(change))
        self.reload(keep=change.institution.code)

    def action_add(self) -> None:
        self.app.push_screen(InstitutionForm(self._institutions, self._actor), self._saved)

    def action_edit(self) -> None:
        code = self.selected_code()
        if code is None:
            self.notify("No institution highlighted", severity="warning")
            return
        self.app.push_screen(
            InstitutionForm(self._institutions, self._actor, self.rows[code]), self._saved
        )

    # Keeping up with writes made elsewhere ----------------------------------------------------

    def live_topics(self) -> frozenset[Topic]:
        return frozenset({CATALOGUE})

    def live_changed(self, changed: frozenset[Topic]) -> None:
        self.reload()  # added or edited elsewhere: the cursor stays on its row

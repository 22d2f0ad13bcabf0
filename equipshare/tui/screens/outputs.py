"""OutputsScreen: research outputs (papers, datasets) and the bookings they came from.

Everyone sees what they may: their own outputs; as facility staff those that used their
facility's bookings; as a technician those crediting them; all for admins. `a` records a
new output of your own against a project code or ticked completed bookings, `e` edits
the highlighted one, `d` removes it (after asking). The figures are `equipshare outputs`'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Header, Static

from equipshare.domain.errors import InputError
from equipshare.domain.records.impact.portfolio import OutputBooking, OutputRecord
from equipshare.services.outputs.service import OutputService
from equipshare.tui.messages import ServiceRefused
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.modals.reports.output_form import OutputDraft, OutputForm
from equipshare.tui.service_screen import ServiceScreen, back_binding
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter

COLUMNS = (
    ColumnSpec("Year", "year", priority=0),
    ColumnSpec("Title", "title", priority=0, least=16),
    ColumnSpec("DOI", "doi", priority=1),
    ColumnSpec("Researcher", "researcher", priority=2),
    ColumnSpec("Bookings", "bookings", priority=3, justify="right"),
    ColumnSpec("Facilities", "facilities", priority=4),
)


def _year(text: str) -> int:
    if not text.strip().isdigit():
        raise InputError("year: give the year it was published, as 2026", "year")
    return int(text)


class OutputsScreen(ServiceScreen[None]):
    """The outputs the actor may see, newest year first; their own ones they may change."""

    @dataclass
    class Loaded(Message):
        """The outputs and the actor's completed bookings arrived."""

        outputs: tuple[OutputRecord, ...]
        bookings: tuple[OutputBooking, ...]

    @dataclass
    class Saved(Message):
        """An output was recorded, changed or removed (`verb` says which)."""

        output: OutputRecord
        verb: str

    @dataclass
    class SaveRefused(Message):
        """The service refused the draft; the form reopens with it."""

        text: str
        draft: OutputDraft
        output_id: int | None

    DEFAULT_CSS = """
    #outputs-status { height: 1; padding: 0 1; background: $boost; }
    #outputs-table { height: 1fr; }
    """

    ENTER_ACTIONS: ClassVar[dict[str, str]] = {"outputs-table": "edit"}  # Enter on an output: its e

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("outputs"),
        Binding("a", "add", "Add", id="outputs.add",
                tooltip="Record an output of yours against a project code or bookings"),
        Binding("e", "edit", "Edit", id="outputs.edit",
                tooltip="Change the highlighted output (yours, or any for an admin)"),
        Binding("d", "remove", "Remove", id="outputs.remove",
                tooltip="Remove the highlighted output (asks first)"),
    ]  # fmt: skip

    def __init__(self, outputs: OutputService, actor: str) -> None:
        super().__init__()
        self._service = outputs
        self._actor = actor
        self.outputs: tuple[OutputRecord, ...] = ()
        self.bookings: tuple[OutputBooking, ...] = ()
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading your outputs...", id="outputs-status", markup=False)
        yield FittedTable(id="outputs-table")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#outputs-table", FittedTable)
        table.set_columns(COLUMNS)
        table.focus()
        self.load()

    def load(self) -> None:
        service, actor = self._service, self._actor
        self.call_service(
            lambda: (service.list_outputs(actor), service.choosable_bookings(actor)),
            lambda found: self.Loaded(*found),
            group="outputs",
            drop_if_cancelled=True,
        )

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.outputs, self.bookings, self.loaded = message.outputs, message.bookings, True
        table = self.query_one("#outputs-table", FittedTable)
        table.clear()
        for o in self.outputs:
            table.add_row(
                str(o.year), o.title, o.doi, o.username, str(len(o.bookings)),
                " ".join(o.facility_codes), key=str(o.id),
            )  # fmt: skip
        count = len(self.outputs)
        self.query_one("#outputs-status", Static).update(
            f"{count} output{'' if count == 1 else 's'} you may see · a add · e edit · d remove"
        )

    def highlighted(self) -> OutputRecord | None:
        table = self.query_one("#outputs-table", FittedTable)
        if not self.outputs or table.cursor_row >= len(self.outputs):
            return None
        return self.outputs[table.cursor_row]

    # Changing -------------------------------------------------------------------------

    def action_add(self, draft: OutputDraft | None = None) -> None:
        if not self.loaded:
            self.notify("Your bookings are still loading; press a again in a moment")
            return
        form = OutputForm("Record a research output", self.bookings, draft)
        self.app.push_screen(form, lambda done: self._save(done, None))

    def action_edit(self, draft: OutputDraft | None = None, output_id: int | None = None) -> None:
        chosen = self.highlighted() if output_id is None else None
        if draft is None:
            if chosen is None:
                self.notify("There is no output to edit here", severity="warning")
                return
            output_id = chosen.id
            draft = OutputDraft(
                chosen.doi, chosen.title, str(chosen.year), chosen.project_code or "",
                () if chosen.project_code else tuple(b.booking_id for b in chosen.bookings),
            )  # fmt: skip
        form = OutputForm(f"Edit output {output_id}", self.bookings, draft)
        self.app.push_screen(form, lambda done: self._save(done, output_id))

    def _save(self, draft: OutputDraft | None, output_id: int | None) -> None:
        if draft is None:
            return
        service, actor = self._service, self._actor
        project = draft.project_code.strip() or None

        def save() -> OutputRecord:
            year = _year(draft.year)
            if output_id is None:
                return service.add(actor, draft.doi, draft.title, year,
                                   project_code=project, booking_ids=draft.booking_ids)  # fmt: skip
            if project is not None and draft.booking_ids:
                raise InputError(
                    "bookings: record an output against a project code or bookings, not both",
                    "bookings",
                )
            if project is not None:
                return service.edit(actor, output_id, doi=draft.doi, title=draft.title,
                                    year=year, project_code=project)  # fmt: skip
            return service.edit(actor, output_id, doi=draft.doi, title=draft.title, year=year,
                                booking_ids=draft.booking_ids)  # fmt: skip

        verb = "Recorded" if output_id is None else "Saved"
        self.call_service(
            save,
            lambda record: self.Saved(record, verb),
            group="outputs_save",
            refused=lambda error: self.SaveRefused(str(error), draft, output_id),
        )

    @on(SaveRefused)
    def _save_refused(self, message: SaveRefused) -> None:
        self.notify(message.text, severity="error")
        if message.output_id is None:
            self.action_add(message.draft)
        else:
            self.action_edit(message.draft, message.output_id)

    def action_remove(self) -> None:
        chosen = self.highlighted()
        if chosen is None:
            self.notify("There is no output to remove here", severity="warning")
            return
        service, actor = self._service, self._actor

        def answered(sure: bool | None) -> None:
            if sure:
                self.call_service(
                    lambda: service.remove(actor, chosen.id),
                    lambda record: self.Saved(record, "Removed"),
                    group="outputs_save",
                )

        question = f"Remove output {chosen.id}, {chosen.title!r} ({chosen.doi})?"
        self.app.push_screen(
            ConfirmModal(question, "The audit trail keeps what it held.", go="Remove"), answered
        )

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.notify(f"{message.verb} output {message.output.id}: {message.output.doi}")
        self.load()

    @on(ServiceRefused)
    def _refused(self, message: ServiceRefused) -> None:
        if not self.loaded:
            self.query_one("#outputs-status", Static).update(f"Not shown: {message.text}")

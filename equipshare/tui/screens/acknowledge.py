"""AcknowledgeScreen: the paragraph a paper's acknowledgement needs, and the same as a table.

A researcher sees their own; facility staff and admins type whose (the username completes
as typed). A project code instead shows the bookings under it that the asker may see. The
period is local days typed as 2026-12-16 or 16/12/2026, either end blank for open. `x`
saves the acknowledgement as a Markdown page (the paragraph and the table), `c` copies the
paragraph. The figures are `equipshare acknowledge`'s own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Header, Input, Static

from equipshare.domain.acknowledgements.formats import as_markdown, rows
from equipshare.domain.acknowledgements.wording import nothing_words, paragraph
from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.impact.acknowledgements import Acknowledgement, SubjectKind
from equipshare.domain.time.timeparse import parse_typed_day
from equipshare.services.acknowledgements.service import AcknowledgementService
from equipshare.tui.downloads import save_or_deliver
from equipshare.tui.messages import ServiceRefused
from equipshare.tui.service_screen import ServiceScreen, back_binding
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter
from equipshare.tui.widgets.paragraph import Paragraph
from equipshare.tui.widgets.suggesters import Lookup, UsernameSuggester

#: The role, facility, who or what is credited and the hours are whole at 80 columns.
COLUMNS = (
    ColumnSpec("Role", "role", priority=0),
    ColumnSpec("Facility", "facility", priority=0),
    ColumnSpec("Credited", "credited", priority=0, least=12),
    ColumnSpec("Technique", "technique", priority=1),
    ColumnSpec("Sessions", "sessions", priority=2, justify="right"),
    ColumnSpec("Hours", "hours", priority=0, justify="right"),
    ColumnSpec("ORCID iD", "orcid", priority=3),
    ColumnSpec("Institution", "institution", priority=4),
)


def table_row(row: dict[str, str]) -> list[str]:
    """A data row as the table shows it: the instrument or the technician credited."""
    cells = {**row, "credited": row["instrument"] or row["technician"]}
    return [cells[spec.key] for spec in COLUMNS]


@dataclass(frozen=True)
class Asked:
    """Whose acknowledgement, for which local days (None: open)."""

    username: str
    first_day: date | None
    last_day: date | None
    project: str = ""  # set: the project code's bookings the actor may see, not the user's

    def words(self) -> str:
        return f"project {self.project}'s" if self.project else f"{self.username}'s"


class AcknowledgeScreen(ServiceScreen[None]):
    """A researcher's acknowledgement (their own, or for staff anyone's they may see)."""

    @dataclass
    class Loaded(Message):
        """The acknowledgement asked for arrived."""

        asked: Asked
        acknowledgement: Acknowledgement

    @dataclass
    class Exported(Message):
        """The acknowledgement was saved as Markdown at `path`."""

        path: Path

    DEFAULT_CSS = """
    #ack-fields { height: 3; }
    #ack-fields Input { width: 1fr; }
    #ack-status { height: 1; padding: 0 1; background: $boost; }
    #ack-paragraph-box { height: auto; max-height: 40%; }
    #ack-paragraph { padding: 1 1; }
    #ack-table { height: 1fr; }
    """

    ENTER_WORDS: ClassVar[dict[str, str]] = {
        "ack-table": "Each row is credited in the paragraph above: c copies the paragraph, "
        "x saves it with this table"
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("acknowledge"),
        Binding("u", "pick_user", "User", id="acknowledge.user",
                tooltip="Type whose acknowledgement to show (staff and admins)"),
        Binding("p", "period", "Period", id="acknowledge.period",
                tooltip="Type the first and last day (blank: open), then Enter"),
        Binding("x", "export", "Export", id="acknowledge.export",
                tooltip="Save the paragraph and the table as a Markdown page in your downloads"),
        Binding("c", "copy", "Copy", id="acknowledge.copy",
                tooltip="Copy the paragraph to the clipboard, to paste into a paper"),
    ]  # fmt: skip

    def __init__(
        self,
        acknowledgements: AcknowledgementService,
        actor: str,
        *,
        may_pick: bool,
        usernames: Lookup | None = None,
        downloads: Path | None = None,
    ) -> None:
        """`may_pick`: the actor is staff or an admin, who may ask for someone else's."""
        super().__init__()
        self._service = acknowledgements
        self._actor = actor
        self._may_pick = may_pick
        self._usernames = usernames
        self._downloads = downloads
        self.asked = Asked(actor, None, None)
        self.acknowledgement: Acknowledgement | None = None
        #: What the shown acknowledgement answers (None while nothing is shown).
        self.shown_for: Asked | None = None
        self.refused: str | None = None
        self._export_when_loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="ack-fields"):
            suggester = UsernameSuggester(self._usernames) if self._usernames else None
            yield Input(self._actor, placeholder="username", id="ack-user",
                        disabled=not self._may_pick, suggester=suggester)  # fmt: skip
            yield Input(placeholder="from day", id="ack-from")
            yield Input(placeholder="to day", id="ack-to")
            yield Input(placeholder="project code", id="ack-project")
        yield Static("", id="ack-status", markup=False)
        with VerticalScroll(id="ack-paragraph-box"):
            yield Paragraph(id="ack-paragraph")
        yield FittedTable(id="ack-table")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#ack-table", FittedTable)
        table.set_columns(COLUMNS)
        table.focus()
        self.load(self.asked)

    # Loading --------------------------------------------------------------------------

    def load(self, asked: Asked) -> None:
        self.asked, self.refused = asked, None
        self._status(f"Loading {asked.words()} acknowledgement...")
        service, actor = self._service, self._actor

        def make() -> Acknowledgement:
            period = service.period(asked.first_day, asked.last_day)
            if asked.project:
                return service.for_project(actor, asked.project, period)
            return service.for_user(actor, asked.username, period)

        self.call_service(
            make, lambda found: self.Loaded(asked, found), group="acknowledge",
            drop_if_cancelled=True,
        )  # fmt: skip

    def _status(self, text: str) -> None:
        self.query_one("#ack-status", Static).update(text)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.asked != self.asked:
            return  # overtaken by a newer question
        found = self.acknowledgement = message.acknowledgement
        self.shown_for = message.asked
        table = self.query_one("#ack-table", FittedTable)
        table.clear()
        for row in rows(found):
            table.add_row(*table_row(row))
        shown = nothing_words(found) if found.empty else paragraph(found)
        self.query_one("#ack-paragraph", Paragraph).update(shown)
        period = found.period
        self._status(
            f"{'project ' if found.subject_kind is SubjectKind.PROJECT else ''}{found.subject} · "
            f"{period.words()} ({period.timezone}) · "
            f"{len(found.facilities)} facilities · x export · c copy"
        )
        if self._export_when_loaded:
            self._export_when_loaded = False
            self.action_export()

    @on(ServiceRefused)
    def _refused(self, message: ServiceRefused) -> None:
        self.refused = message.text  # the base class notifies it
        self.acknowledgement, self.shown_for = None, None
        self.query_one("#ack-table", FittedTable).clear()
        self.query_one("#ack-paragraph", Paragraph).update("")
        self._status(f"Not shown: {message.text}")
        if self._export_when_loaded:
            self._export_when_loaded = False
            self.notify(f"Nothing exported: {message.text}", severity="error")

    # Asking ---------------------------------------------------------------------------

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        user = self.query_one("#ack-user", Input).value.strip() or self._actor
        try:
            first = self._day("#ack-from", "from")
            last = self._day("#ack-to", "to")
        except EquipshareError as error:
            self.notify(str(error), severity="error")
            return
        project = self.query_one("#ack-project", Input).value.strip()
        self.load(Asked(user, first, last, project))
        self.query_one("#ack-table", FittedTable).focus()

    def _day(self, selector: str, field: str) -> date | None:
        text = self.query_one(selector, Input).value.strip()
        return parse_typed_day(text, field) if text else None

    def action_pick_user(self) -> None:
        if not self._may_pick:
            self.notify(
                "Only facility staff and admins acknowledge someone else's work; this is your own",
                severity="warning",
            )
            return
        self.query_one("#ack-user", Input).focus()

    def action_period(self) -> None:
        self.query_one("#ack-from", Input).focus()

    def action_copy(self) -> None:
        found = self.acknowledgement
        if found is None or found.empty:
            self.notify("There is no paragraph to copy yet", severity="warning")
            return
        self.app.copy_to_clipboard(paragraph(found))
        self.notify("Copied the paragraph: paste it into your paper")

    # Exporting ------------------------------------------------------------------------

    def action_export(self) -> None:
        found = self.acknowledgement
        if found is None or self.shown_for != self.asked:
            self._export_when_loaded = True  # pressed before it arrived: kept, not dropped
            if self.refused is not None:
                self.load(self.asked)
            self.notify("The acknowledgement is still loading; it is saved when it arrives")
            return
        days = found.period.words().replace(" ", "-")
        self.save_export(as_markdown(found), f"equipshare-acknowledgement-{found.subject}-{days}")

    @work(thread=True, exclusive=True, exit_on_error=False, group="acknowledge_export")
    def save_export(self, page: str, stem: str) -> None:
        saved = save_or_deliver(
            self, page, stem, ".md", directory=self._downloads, what="the acknowledgement"
        )
        if saved is not None:
            self.post_message(self.Exported(saved))

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self.notify(f"Saved the acknowledgement to {message.path}", timeout=10)

"""StrandedBookingsModal: a closing status strands future bookings; cancel them or keep them.

Nothing is written until a choice is made here, and the write is for exactly the bookings
listed (the service refuses if they changed meanwhile), as scheduling downtime is.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from equipshare.domain.display.wording import bookings_words, status_words
from equipshare.domain.records.instruments.instrument_changes import StatusChange
from equipshare.domain.time.timewords import local_range
from equipshare.tui.widgets.broken_bookings import AFFECTED_COLUMNS
from equipshare.tui.widgets.fitted_table import FittedTable


class StrandedBookingsModal(ModalScreen[bool | None]):
    """Returns True to cancel the bookings, False to keep them, None to change nothing."""

    DEFAULT_CSS = """
    StrandedBookingsModal { align: center middle; }
    #stranded-dialog {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    #stranded-question { text-style: bold; padding: 1 0; }
    #stranded-bookings { height: auto; max-height: 10; }
    #stranded-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    #stranded-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Back",
            id="stranded_bookings.back",
            tooltip="Change nothing: the status stays as it is",
        ),
    ]

    def __init__(self, preview: StatusChange, wanted: str, reason: str) -> None:
        super().__init__()
        self.preview = preview
        self._wanted = wanted
        self._reason = reason

    def compose(self) -> ComposeResult:
        record = self.preview.instrument
        count = len(self.preview.affected)
        why = f" ({self._reason})" if self._reason else ""
        with Vertical(id="stranded-dialog"):
            yield Static(
                f"{record.code} {self._wanted}{why} would strand {bookings_words(count)}. "
                "Cancel them (free, their owners are told) or keep them?",
                id="stranded-question",
                markup=False,
            )
            yield FittedTable(id="stranded-bookings")
            with Horizontal(id="stranded-buttons"):
                yield Button("Back", id="stranded-back", compact=True)
                yield Button("Keep them", id="stranded-keep", compact=True)
                yield Button(
                    f"Cancel {bookings_words(count)}",
                    id="stranded-cancel",
                    variant="error",
                    compact=True,
                )

    def on_mount(self) -> None:
        table = self.query_one("#stranded-bookings", FittedTable)
        table.set_columns(AFFECTED_COLUMNS)
        zone = self.preview.instrument.timezone
        for booking in self.preview.affected:
            table.add_row(
                local_range(booking.starts_at, booking.ends_at, zone),
                booking.username,
                booking.user_institution_code,
                booking.status.value.replace("_", " "),
                key=str(booking.id),
            )
        self.query_one("#stranded-back", Button).focus()

    @on(Button.Pressed, "#stranded-cancel")
    def _cancel(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#stranded-keep")
    def _keep(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#stranded-back")
    def action_back(self) -> None:
        self.dismiss(None)


def status_label(change: StatusChange) -> str:
    """'available -> out of service'."""
    return f"{status_words(change.before_status)} -> {status_words(change.instrument.status)}"


def status_result(change: StatusChange) -> str:
    """'WAR-XPS-01: available -> out of service (pump failed); 1 booking cancelled, owners told'."""
    record = change.instrument
    why = f" ({record.status_reason})" if record.status_reason else ""
    text = f"{record.code}: {status_label(change)}{why}"
    if change.affected:
        fate = "cancelled, owners told" if change.cancelled else "kept"
        text += f"; {bookings_words(len(change.affected))} {fate}"
    return text

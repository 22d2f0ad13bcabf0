"""TrainingScreen: the training records a technician looks after; record, renew and revoke.

Two lists: training that lapses within 30 days (soonest first), and every record of the
facilities the technician staffs, by instrument then user. Dates are the facility's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static, Tab, Tabs

from equipshare.domain.enums import TrainingState
from equipshare.domain.errors import EquipshareError, PermissionDenied
from equipshare.domain.records.people import TrainingRecordView
from equipshare.domain.training_rules import day_words, last_valid_day
from equipshare.services.people.service import TrainingService
from equipshare.tui.messages import TrainingRefused
from equipshare.tui.modals.training_form import TrainingForm, parse_day
from equipshare.tui.modals.training_prompt import TrainingPrompt
from equipshare.tui.service_screen import ServiceScreen, back_binding, refusal_notice
from equipshare.tui.widgets.suggesters import Completions

EXPIRING_DAYS = 30
# Actions that change records; hidden once the service says the actor may not.
WRITE_ACTIONS = frozenset({"record", "renew", "revoke"})


def valid_until(record: TrainingRecordView) -> str:
    if record.expires_at is None:
        return "no expiry"
    return day_words(last_valid_day(record.expires_at, record.timezone))


def local_moment(instant: datetime, timezone: str) -> str:
    """'Mon 16 Mar 2026 09:00 GMT' in the facility's zone, naming the zone."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{day_words(local.date())} {local:%H:%M} {local.tzname()}"


def listing_refusal(error: EquipshareError) -> Message:
    """A listing refused for want of a right says so in the status line; others notify."""
    if isinstance(error, PermissionDenied):
        return TrainingRefused(str(error), "actor")
    return refusal_notice(error)


class TrainingScreen(ServiceScreen[None]):
    """Training records of the facilities the actor staffs (all, for an admin)."""

    @dataclass
    class RecordsLoaded(Message):
        """Training records arrived; `expiring` says which list."""

        expiring: bool
        rows: tuple[TrainingRecordView, ...]

    DEFAULT_CSS = """
    #training-table { height: 1fr; margin: 0 1; }
    #training-detail { height: 2; padding: 0 2; color: $text; }
    #training-status { height: 1; padding: 0 2; color: $text-muted; background: $boost; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("training"),
        Binding(
            "n",
            "record",
            "Record training",
            id="training.record",
            tooltip="Record that someone was trained on an instrument",
        ),
        Binding(
            "r",
            "renew",
            "Renew",
            id="training.renew",
            tooltip="Give the selected training record a new expiry date",
        ),
        Binding(
            "x",
            "revoke",
            "Revoke",
            id="training.revoke",
            tooltip="Withdraw the selected training now, with a reason",
        ),
        Binding(
            "t",
            "toggle_list",
            "Expiring/All",
            id="training.toggle",
            tooltip="Switch between training expiring soon and every record",
        ),
    ]

    def __init__(
        self, training: TrainingService, actor: str, *, completions: Completions | None = None
    ) -> None:
        """`completions` make the training form's username and instrument fields complete."""
        super().__init__()
        self._training = training
        self._actor = actor
        self._completions = completions
        self.expiring = True
        self.loaded = False
        self.may_record = True
        self._rows: dict[str, TrainingRecordView] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(
            Tab(f"Expiring within {EXPIRING_DAYS} days", id="expiring"),
            Tab("All records", id="all"),
            id="training-tabs",
        )
        yield DataTable(id="training-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="training-detail", markup=False)
        yield Static("Loading training records...", id="training-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table: DataTable[str] = self.query_one("#training-table", DataTable)
        table.add_column("User", key="user")
        table.add_column("Instrument", key="instrument")
        table.add_column("Level", key="level")
        table.add_column("Valid until", key="until")
        table.add_column("State", key="state")
        table.focus()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.may_record or action not in WRITE_ACTIONS

    # Loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Fetch the shown list again."""
        self.loaded = False
        self.load_records(self.expiring)

    def load_records(self, expiring: bool) -> None:
        def records() -> tuple[TrainingRecordView, ...]:
            if expiring:
                return tuple(self._training.expiring(self._actor, EXPIRING_DAYS))
            return tuple(self._training.for_facility(self._actor, include_inactive=True))

        self.call_service(
            records,
            lambda rows: self.RecordsLoaded(expiring, rows),
            group="training",
            refused=listing_refusal,
        )

    @on(RecordsLoaded)
    def _show_records(self, message: RecordsLoaded) -> None:
        if message.expiring != self.expiring:
            return  # the other list's answer, overtaken by a switch
        table = self.query_one("#training-table", DataTable)
        table.clear()
        self._rows = {str(row.id): row for row in message.rows}
        for key, row in self._rows.items():
            table.add_row(
                f"{row.username} · {row.user_institution_code}",
                row.instrument_code,
                row.level.value,
                valid_until(row),
                row.state.value,
                key=key,
            )
        which = f"expiring within {EXPIRING_DAYS} days" if self.expiring else "training records"
        self.query_one("#training-status", Static).update(
            f"{len(message.rows)} {which}  ·  dates in each facility's own time"
        )
        self._show_detail(self.selected())
        self.loaded = True

    @on(TrainingRefused)
    def _refused(self, message: TrainingRefused) -> None:
        # Only the listing posts here: the actor staffs no facility, so offer no changes.
        self.may_record = False
        self.refresh_bindings()
        self.query_one("#training-status", Static).update(message.text)
        self.loaded = True

    @on(DataTable.RowHighlighted, "#training-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        self._show_detail(self._rows.get(key) if key is not None else None)

    def _show_detail(self, row: TrainingRecordView | None) -> None:
        """Who, when and by whom on the first line; the latest note (or revocation) below."""
        detail = ""
        if row is not None:
            by = f" by {row.trainer_username}" if row.trainer_username else ""
            detail = (
                f"{row.user_display_name} ({row.user_institution_name}) · trained "
                f"{local_moment(row.trained_at, row.timezone)}{by}"
            )
            if row.notes:
                detail += f"\n{row.notes.splitlines()[-1]}"
        self.query_one("#training-detail", Static).update(detail)

    # Switching lists ------------------------------------------------------------------

    @on(Tabs.TabActivated, "#training-tabs")
    def _tab_switched(self, event: Tabs.TabActivated) -> None:
        expiring = event.tab.id == "expiring"
        if expiring != self.expiring:
            self.expiring = expiring
            self.reload()
        self.query_one("#training-table", DataTable).focus()

    def action_toggle_list(self) -> None:
        self.query_one("#training-tabs", Tabs).active = "all" if self.expiring else "expiring"

    # Changing -------------------------------------------------------------------------

    def selected(self) -> TrainingRecordView | None:
        """The record under the cursor, if any."""
        table = self.query_one("#training-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._rows.get(key) if key is not None else None

    def _changed(self, verb: str) -> Callable[[TrainingRecordView | None], None]:
        """What to do when a dialog closes: say what changed and reload the list."""

        def after(record: TrainingRecordView | None) -> None:
            if record is None:
                return
            self.notify(
                f"{verb} {record.level.value} training for {record.username} on "
                f"{record.instrument_code} (valid until {valid_until(record)})"
                if verb != "Revoked"
                else f"Revoked {record.username}'s training on {record.instrument_code}"
            )
            self.reload()

        return after

    def action_record(self) -> None:
        current = self.selected()
        code = current.instrument_code if current else ""
        self.app.push_screen(
            TrainingForm(self._training, self._actor, code, completions=self._completions),
            self._changed("Recorded"),
        )

    def action_renew(self) -> None:
        record = self.selected()
        if record is None:
            self.notify("No training record selected", severity="warning")
            return
        if record.state is TrainingState.REVOKED:
            self.notify(
                f"Record {record.id} was revoked; record new training instead", severity="error"
            )
            return

        def renew(text: str) -> TrainingRecordView:
            return self._training.renew(self._actor, record.id, parse_day(text))

        question = (
            f"Renew {record.username}'s {record.level.value} training on {record.instrument_code} "
            f"(now valid until {valid_until(record)}): valid until which day, in "
            f"{record.timezone}? Leave blank for no expiry."
        )
        self.app.push_screen(
            TrainingPrompt(question, "YYYY-MM-DD", "Renew", "renewed", renew),
            self._changed("Renewed"),
        )

    def action_revoke(self) -> None:
        record = self.selected()
        if record is None:
            self.notify("No training record selected", severity="warning")
            return
        if record.state is TrainingState.REVOKED:
            self.notify(f"Record {record.id} is already revoked", severity="error")
            return

        def revoke(reason: str) -> TrainingRecordView:
            return self._training.revoke(self._actor, record.id, reason)

        question = (
            f"Revoke {record.username}'s {record.level.value} training on "
            f"{record.instrument_code} now? Say why."
        )
        self.app.push_screen(
            TrainingPrompt(question, "Reason", "Revoke", "revoked", revoke, danger=True),
            self._changed("Revoked"),
        )

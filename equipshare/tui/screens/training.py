"""TrainingScreen: the training records a technician looks after; record, renew and revoke.

Two lists: training that lapses within 30 days (soonest first), and every record of the
facilities the technician staffs, by instrument then user. Both page from the database
(TrainingService.page) as the cursor nears the last row loaded, and a search (trainee or
instrument) narrows them as typed. Dates are the facility's own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static, Tab, Tabs

from equipshare.domain.enums import TrainingState
from equipshare.domain.records.changes import TRAINING, Topic
from equipshare.domain.records.pages import Page, PageAfter, TrainingQuery
from equipshare.domain.records.users.people import TrainingRecordView
from equipshare.domain.rules.training_rules import day_words, last_valid_day
from equipshare.services.people.service import TrainingService
from equipshare.tui.messages import PreferenceChosen
from equipshare.tui.modals.training.training_form import TrainingForm, parse_renewal
from equipshare.tui.modals.training.training_prompt import TrainingPrompt
from equipshare.tui.paged_screen import PagedScreen
from equipshare.tui.preferences import with_training_list
from equipshare.tui.service_screen import back_binding, search_binding
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.key_footer import KeyFooter
from equipshare.tui.widgets.paged_table import PagedTable
from equipshare.tui.widgets.search_box import SearchBox
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


#: Who, on what, until when are whole at 80 columns; the level and state as room allows.
COLUMNS = (
    ColumnSpec("User", "user", priority=0),
    ColumnSpec("Instrument", "instrument", priority=0),
    ColumnSpec("Level", "level", priority=1),
    ColumnSpec("Valid until", "until", priority=0),
    ColumnSpec("State", "state", priority=2),
)


def record_cells(row: TrainingRecordView) -> tuple[str, ...]:
    """One row, in COLUMNS order."""
    return (
        f"{row.username} · {row.user_institution_code}",
        row.instrument_code,
        row.level.value,
        valid_until(row),
        row.state.value,
    )


class TrainingScreen(PagedScreen[TrainingRecordView]):
    """Training records of the facilities the actor staffs (all, for an admin)."""

    TABLE_ID, SEARCH_ID, PAGE_GROUP = "training-table", "training-search", "training"
    AUTO_FOCUS = "#training-table"  # keys act on the list; `/` moves to the search

    DEFAULT_CSS = """
    #training-search { margin: 0 1; }
    #training-table { height: 1fr; margin: 0 1; }
    #training-detail { height: 2; padding: 0 2; color: $text; }
    #training-status { height: auto; padding: 0 2; color: $text-muted; background: $boost; }
    """

    ENTER_ACTIONS: ClassVar[dict[str, str]] = {
        "training-table": "renew"
    }  # Enter on a record: its r

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
        search_binding("training", "Search trainee or instrument as you type", in_footer=False),
    ]

    def __init__(
        self,
        training: TrainingService,
        actor: str,
        *,
        completions: Completions | None = None,
        page_size: int = 200,
        expiring: bool = True,
    ) -> None:
        """`completions` make the training form's username and instrument fields complete;
        `expiring` opens on the records expiring soon, else on every record (as chosen last)."""
        super().__init__()
        self._training = training
        self._actor = actor
        self._completions = completions
        self.page_size = page_size
        self.expiring = expiring
        self.may_record = True

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(
            Tab(f"Expiring within {EXPIRING_DAYS} days", id="expiring"),
            Tab("All records", id="all"),
            id="training-tabs",
            active="expiring" if self.expiring else "all",
        )
        yield SearchBox("Search trainee or instrument  ( / )", id="training-search")
        yield PagedTable(id="training-table")
        yield Static("", id="training-detail", markup=False)
        yield Static("Loading training records...", id="training-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.table
        table.set_columns(COLUMNS)
        table.focus()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search":
            return super().check_action(action, parameters)
        return self.may_record or action not in WRITE_ACTIONS

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """What a refused n, r or x says (KeyAnswers)."""
        if action not in WRITE_ACTIONS:
            return None
        return "Training is recorded by the instrument's facility staff; you staff no facility"

    # Loading --------------------------------------------------------------------------

    def fetch_page(
        self, after: PageAfter | None, limit: int
    ) -> Callable[[], Page[TrainingRecordView]]:
        query = TrainingQuery(self.search, EXPIRING_DAYS if self.expiring else None)
        return lambda: self._training.page(self._actor, query, after=after, limit=limit)

    def row_cells(self, row: TrainingRecordView) -> tuple[str, tuple[str, ...]]:
        return str(row.id), record_cells(row)

    def list_changed(self) -> None:
        count, searched = len(self.rows), self.search.strip()
        records = "training record" if count == 1 else "training records"
        which = f"{records} expiring within {EXPIRING_DAYS} days" if self.expiring else records
        if self.refusal:
            words = f"Not shown: {self.refusal}"
        elif not count:
            words = f"No {which}" + (f" match {searched!r}" if searched else "")
        else:
            more = ", more below" if self.table.more else ""
            words = f"{count:,} {which} loaded{more}  ·  dates in each facility's own time"
        self.query_one("#training-status", Static).update(words)
        self._show_detail(self.selected())

    def page_refused(self, message: PagedScreen.PageRefused) -> None:
        if message.denied:
            # The actor staffs no facility: say so in the status line and offer no changes.
            self.may_record = False
            self.refresh_bindings()
            self.loaded = True
        else:
            super().page_refused(message)

    @on(PagedTable.RowHighlighted, "#training-table")
    def _highlighted(self, event: PagedTable.RowHighlighted) -> None:
        key = event.row_key.value
        self._show_detail(self.rows.get(key) if key is not None else None)

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
            self.reload(from_top=True)
            kept = partial(with_training_list, expiring=expiring)
            self.app.post_message(PreferenceChosen(kept))  # the next start opens on this list
        self.table.focus()

    def action_toggle_list(self) -> None:
        self.query_one("#training-tabs", Tabs).active = "all" if self.expiring else "expiring"

    # Changing -------------------------------------------------------------------------

    def selected(self) -> TrainingRecordView | None:
        """The record under the cursor, if any."""
        return self.highlighted()

    def _changed(self, verb: str) -> Callable[[TrainingRecordView | None], None]:
        """What to do when a dialog closes: say what changed, and show it: in place in the
        list of every record (the cursor stays), else by reloading (a renewed or revoked
        record leaves the expiring list; a new one takes its place in order)."""

        def after(record: TrainingRecordView | None) -> None:
            if record is None:
                return
            self.notify(
                f"{verb} {record.level.value} training for {record.username} on "
                f"{record.instrument_code} (valid until {valid_until(record)})"
                if verb != "Revoked"
                else f"Revoked {record.username}'s training on {record.instrument_code}"
            )
            key = str(record.id)
            if verb == "Recorded" or self.expiring or key not in self.rows:
                self.reload()
                return
            self.rows[key] = record
            for column, text in zip(COLUMNS, record_cells(record), strict=True):
                self.table.update_cell(key, column.key, text)
            self._show_detail(self.selected())

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
            today = self._training.today(record.timezone)
            return self._training.renew(self._actor, record.id, parse_renewal(text, today))

        def offer() -> str:
            return self._training.renewal_default(self._actor, record.id).isoformat()

        question = (
            f"Renew {record.username}'s {record.level.value} training on {record.instrument_code} "
            f"(now valid until {valid_until(record)}): valid until which day, in "
            f"{record.timezone}? Offered: as long from today as it was given for; "
            "type never for no expiry."
        )
        self.app.push_screen(
            TrainingPrompt(
                question,
                "16 Dec 2027, 16/12/2027, 2027-12-16 or never",
                "Renew",
                "renewed",
                renew,
                offer=offer,
            ),
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

    # Keeping up with writes made elsewhere ----------------------------------------------------

    def live_topics(self) -> frozenset[Topic]:
        return frozenset({TRAINING})

    def live_changed(self, changed: frozenset[Topic]) -> None:
        self.reload()  # recorded, renewed or revoked elsewhere: the cursor stays on its row

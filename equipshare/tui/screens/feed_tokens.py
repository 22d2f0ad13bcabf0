"""FeedTokensScreen: the user's calendar subscriptions, listed without secrets, and revoked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from equipshare.domain.records.scheduling.calendar import FeedTokenRecord
from equipshare.services.calendar.service import FeedsService
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.service_screen import ServiceScreen, back_binding
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter

#: Which calendar and its label are whole at 80 columns; the rest as the room allows.
COLUMNS = (
    ColumnSpec("Calendar", "calendar", priority=0),
    ColumnSpec("Label", "label", priority=0, least=10),
    ColumnSpec("Starts", "starts", priority=2),
    ColumnSpec("Created", "created", priority=3),
    ColumnSpec("Last used", "used", priority=1, least=16),
)


def when(record: FeedTokenRecord) -> str:
    used = record.last_used_at
    return f"{used:%d %b %Y}" if used else "never"


class FeedTokensScreen(ServiceScreen[None]):
    """Each subscription a calendar app holds; x revokes one, Escape goes back."""

    @dataclass
    class TokensLoaded(Message):
        """The user's active feed tokens arrived, newest first, without their secrets."""

        tokens: tuple[FeedTokenRecord, ...]

    @dataclass
    class TokenRevoked(Message):
        """A feed token was revoked; its next request gets 404."""

        token: FeedTokenRecord

    DEFAULT_CSS = """
    #feeds-table { height: 1fr; margin: 0 1; }
    #feeds-status { height: auto; padding: 0 2; color: $text-muted; background: $boost; }
    """

    ENTER_WORDS: ClassVar[dict[str, str]] = {
        "feeds-table": "A subscription's URL is shown only when it is made (s on My bookings or "
        "an instrument); x revokes this one"
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("feeds"),
        Binding(
            "x",
            "revoke",
            "Revoke",
            id="feeds.revoke",
            tooltip="Stop the selected subscription at once: its next request gets nothing",
        ),
    ]

    def __init__(self, feeds: FeedsService, actor: str) -> None:
        super().__init__()
        self._feeds = feeds
        self._actor = actor
        self.loaded = False
        self.tokens: list[FeedTokenRecord] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield FittedTable(id="feeds-table")
        yield Static("Loading your subscriptions...", id="feeds-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#feeds-table", FittedTable)
        table.set_columns(COLUMNS)
        table.focus()
        self.load_tokens()

    def load_tokens(self) -> None:
        self.call_service(
            lambda: tuple(self._feeds.tokens(self._actor)),
            self.TokensLoaded,
            group="feed_tokens",
        )

    @on(TokensLoaded)
    def _show(self, message: TokensLoaded) -> None:
        self.tokens = list(message.tokens)
        table = self.query_one("#feeds-table", DataTable)
        table.clear()
        for token in self.tokens:
            table.add_row(
                f"{token.kind.value} {token.target}",
                token.label,
                f"{token.prefix}…",
                f"{token.created_at:%d %b %Y}",
                when(token),
                key=str(token.id),
            )
        count = len(self.tokens)
        self.query_one("#feeds-status", Static).update(
            f"{count} active subscription{'s' if count != 1 else ''}"
            "  ·  s on My bookings or an instrument adds one"
        )
        self.loaded = True

    def action_revoke(self) -> None:
        table = self.query_one("#feeds-table", DataTable)
        if table.row_count == 0:
            self.notify("No subscription selected", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        token = next((t for t in self.tokens if str(t.id) == key), None)
        if token is None:
            return

        def answered(go: bool | None) -> None:
            if go:
                self.revoke(token.id)

        # A calendar app cannot be given the old address back: ask first, naming the feed.
        label = f" ({token.label})" if token.label else ""
        self.app.push_screen(
            ConfirmModal(
                f"Revoke the subscription to {token.kind.value} {token.target}{label}, "
                f"address starting {token.prefix}…?",
                "Calendar apps using it get nothing from their next refresh, and the address "
                "cannot be brought back; s on My bookings or an instrument makes a new one.",
                go="Revoke",
            ),
            answered,
        )

    def revoke(self, token_id: int) -> None:
        self.call_service(
            lambda: self._feeds.revoke(self._actor, token_id),
            self.TokenRevoked,
            group="feed_tokens_write",
        )

    @on(TokenRevoked)
    def _revoked(self, message: TokenRevoked) -> None:
        token = message.token
        self.notify(f"Revoked the subscription to {token.kind.value} {token.target}")
        self.load_tokens()

"""UsersScreen: admins find, add and edit user accounts, and deactivate or reactivate them.

A consortium has thousands of users, so the list pages from the database by username
(PeopleService.page_users): the first page on opening or on any change of the search or
filters, the next when the cursor comes within PREFETCH_ROWS of the last loaded row. An
answer for an older search is dropped. A change to one account updates its row in place;
an added account reloads the list from the top. Wording is `equipshare users`'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Select, Static

from equipshare.domain.display.wording import count_words
from equipshare.domain.enums import Role
from equipshare.domain.errors import EquipshareError, PermissionDenied
from equipshare.domain.records.changes import CATALOGUE, Topic
from equipshare.domain.records.consortium import InstitutionRecord
from equipshare.domain.records.operations.admin import UserListRow
from equipshare.domain.records.users.accounts import UserPage, UserQuery
from equipshare.services.consortium.service import InstitutionService
from equipshare.services.people.service import AccountService, PeopleService
from equipshare.tui.screens.administration.user_changes import COLUMNS, UserChanges, user_cells
from equipshare.tui.service_screen import back_binding, search_binding
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter

WRITE_ACTIONS = frozenset({"add", "edit", "deactivate", "reactivate"})
ACTIVE_CHOICES = [("active", "yes"), ("deactivated", "no")]


class UsersScreen(UserChanges):
    """Every user account, searched and filtered, one page at a time (admins)."""

    @dataclass
    class PageLoaded(Message):
        """A page of users arrived; `after` is None for the first page of a query."""

        generation: int
        after: str | None
        page: UserPage

    @dataclass
    class InstitutionsLoaded(Message):
        """The institutions the filter offers arrived."""

        institutions: tuple[InstitutionRecord, ...]

    @dataclass
    class ListRefused(Message):
        """A page was refused; when `denied` the actor may not list users, so no changes
        are offered either. A refused first page (a search too long, say) empties the list."""

        text: str
        denied: bool
        generation: int
        after: str | None

    DEFAULT_CSS = """
    #users-filters { height: auto; padding: 0 1; }
    #users-search { width: 1fr; }
    #users-filters Select { width: 15; margin: 0 0 0 1; }
    #users-table { height: 1fr; }
    #users-status { height: auto; padding: 0 1; color: $text-muted; background: $boost; }
    """

    ENTER_ACTIONS: ClassVar[dict[str, str]] = {"users-table": "edit"}  # Enter on an account: its e

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("users"),
        search_binding(
            "users",
            "Search username, name or email (Tab moves on to the filters)",
            action="focus_search",
        ),
        Binding("n", "add", "Add", id="users.add", tooltip="Add a user account"),
        Binding(
            "e",
            "edit",
            "Edit",
            id="users.edit",
            tooltip="Change the highlighted user's name, email, institution or role",
        ),
        Binding(
            "d",
            "deactivate",
            "Deactivate",
            id="users.deactivate",
            tooltip="Deactivate the highlighted account (asks first)",
        ),
        Binding(
            "r",
            "reactivate",
            "Reactivate",
            id="users.reactivate",
            tooltip="Reactivate the highlighted account (asks first)",
        ),
    ]

    #: Seconds to wait after a keystroke in the search box before searching.
    SEARCH_DELAY = 0.15
    #: Load the next page when the cursor is this close to the last loaded row.
    PREFETCH_ROWS = 20

    def __init__(
        self,
        people: PeopleService,
        accounts: AccountService,
        institutions: InstitutionService,
        actor_username: str,
        *,
        page_size: int = 200,
    ) -> None:
        super().__init__()
        self._people = people
        self._accounts = accounts
        self._institutions = institutions
        self._actor = actor_username
        self.page_size = page_size
        self.query_state = UserQuery()
        self.users: dict[str, UserListRow] = {}
        self.next_after: str | None = None
        self.generation = 0
        self.loaded = False
        self.may_change = True
        self._loading = False
        #: The username the next first page puts the cursor back on (a live reload).
        self._keep: str | None = None
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="users-filters"):
            yield Input(
                placeholder="Search username, name, email  ( / )", id="users-search", compact=True
            )
            yield Select[str]([], prompt="Institution", id="users-institution", compact=True)
            yield Select(
                [(role.value.replace("_", " "), role.value) for role in Role],
                prompt="Role",
                id="users-role",
                compact=True,
            )
            yield Select(ACTIVE_CHOICES, prompt="Active?", id="users-active", compact=True)
        yield FittedTable(id="users-table")
        yield Static("Loading the users...", id="users-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self._table
        table.set_columns(COLUMNS)
        table.focus()
        self.reload()
        self.call_service(
            lambda: tuple(self._institutions.list(self._actor)),
            self.InstitutionsLoaded,
            group="users_institutions",
            refused=lambda _: None,  # the page load says why
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_search":  # in a text box "/" is a character
            return not isinstance(self.focused, Input)
        return self.may_change or action not in WRITE_ACTIONS

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """What a refused n, e, d or r says (KeyAnswers)."""
        return "Accounts are added and changed by admins" if action in WRITE_ACTIONS else None

    @property
    def _table(self) -> FittedTable:
        return self.query_one("#users-table", FittedTable)

    # Loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Start over from the first page of the current search and filters."""
        self.generation += 1
        self.loaded = False
        self.load_page(None)

    def load_page(self, after: str | None) -> None:
        generation, query, limit = self.generation, self.query_state, self.page_size
        self._loading = True
        self.call_service(
            lambda: self._people.page_users(self._actor, query, after=after, limit=limit),
            lambda page: self.PageLoaded(generation, after, page),
            group="users",
            refused=lambda error: self._listing_refusal(error, generation, after),
            live_baseline=after is None,
        )

    def _listing_refusal(
        self, error: EquipshareError, generation: int, after: str | None
    ) -> Message:
        return self.ListRefused(str(error), isinstance(error, PermissionDenied), generation, after)

    @on(PageLoaded)
    def _show_page(self, message: PageLoaded) -> None:
        if message.generation != self.generation:
            return  # an older search's page, overtaken by typing
        table = self._table
        if message.after is None:
            kept, self._keep = self._keep, None
            table.clear()
            self.users = {}
            self.query_one("#users-search", Input).remove_class("-invalid")
        for user in message.page.rows:
            self.users[user.username] = user
            table.add_row(*user_cells(user), key=user.username)
        if message.after is None and kept in self.users:
            table.move_cursor(row=table.get_row_index(kept))
        self.next_after = message.page.next_after
        self._loading = False
        self.loaded = True
        self._update_status()
        self._maybe_next_page()

    @on(ListRefused)
    def _refused(self, message: ListRefused) -> None:
        if message.generation != self.generation:
            return  # an older search's refusal, overtaken by typing
        self._loading = False
        if message.denied:
            self.may_change = False
            self.refresh_bindings()
            self.notify(message.text, severity="error")
        if message.after is None:  # the rows shown answered another search
            self._table.clear()
            self.users, self.next_after = {}, None
            self.query_one("#users-search", Input).set_class(not message.denied, "-invalid")
        self.query_one("#users-status", Static).update(f"Not shown: {message.text}")
        self.loaded = True

    def _update_status(self) -> None:
        shown = len(self.users)
        more = "; more load as you move down" if self.next_after is not None else ""
        self.query_one("#users-status", Static).update(
            f"{count_words(shown, 'user')} shown{more}" if shown else "No users match."
        )

    @on(DataTable.RowHighlighted, "#users-table")
    def _maybe_next_page(self) -> None:
        table = self._table
        near_end = table.cursor_row >= table.row_count - self.PREFETCH_ROWS
        if near_end and self.next_after is not None and not self._loading:
            self.load_page(self.next_after)

    @on(InstitutionsLoaded)
    def _offer_institutions(self, message: InstitutionsLoaded) -> None:
        self.query_one("#users-institution", Select).set_options(
            (f"{row.code}", row.code) for row in message.institutions
        )

    # Searching and filtering ----------------------------------------------------------

    @on(Input.Changed, "#users-search")
    def _search_changed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(self.SEARCH_DELAY, self._apply_filters)

    @on(Input.Submitted, "#users-search")
    def _search_submitted(self) -> None:
        self._table.focus()

    @on(Select.Changed)
    def _apply_filters(self) -> None:
        self._search_timer = None
        institution = self.query_one("#users-institution", Select).value
        role = self.query_one("#users-role", Select).value
        active = self.query_one("#users-active", Select).value
        query = UserQuery(
            search=self.query_one("#users-search", Input).value,
            institution_code=institution if isinstance(institution, str) else None,
            role=Role(role) if isinstance(role, str) else None,
            active=(active == "yes") if isinstance(active, str) else None,
        )
        if query != self.query_state:
            self.query_state = query
            self.reload()

    def action_focus_search(self) -> None:
        # At once, not after what is queued (Widget.focus() waits behind those keys).
        self.set_focus(self.query_one("#users-search", Input))

    # Keeping up with writes made elsewhere ----------------------------------------------------

    def live_topics(self) -> frozenset[Topic]:
        return frozenset({CATALOGUE})

    def live_changed(self, changed: frozenset[Topic]) -> None:
        selected = self.selected()
        self._keep = None if selected is None else selected.username
        self.reload()  # added, changed or deactivated elsewhere: the cursor stays on its row

"""UserChanges: the Users screen's changes to one account: add, edit, deactivate and
reactivate, each asked for (or confirmed) here and done by the services in a worker.

UsersScreen (users.py) lists and pages the accounts; this base changes the highlighted
one and puts the result back in its row, or reloads the list after an addition.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message

from equipshare.domain.records.operations.admin import UserListRow
from equipshare.services.people.service import AccountService, PeopleService
from equipshare.tui.modals.administration.user_form import UserForm, UserSaved, saved_words
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.service_screen import ServiceScreen
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable

#: Who and whether active are whole at 80 columns; the rest show as the room allows.
COLUMNS = (
    ColumnSpec("Username", "username", priority=0),
    ColumnSpec("Name", "name", priority=0, least=12),
    ColumnSpec("Institution", "institution", priority=2),
    ColumnSpec("Role", "role", priority=1),
    ColumnSpec("Active", "active", priority=0),
    ColumnSpec("Email", "email", priority=3),
)


def user_cells(user: UserListRow) -> tuple[str, ...]:
    """One row in `equipshare users list`'s words, in COLUMNS order."""
    return (
        user.username,
        user.name,
        user.institution_code,
        user.role.value,
        "yes" if user.active else "no",
        user.email or "",
    )


class UserChanges(ServiceScreen[None]):
    """The base of UsersScreen: what its n, e, d and r keys do to the highlighted account."""

    @dataclass
    class ActiveSwitched(Message):
        """An account was deactivated or reactivated (or already was); `words` say which."""

        user: UserListRow
        words: str

    _people: PeopleService
    _accounts: AccountService
    _actor: str
    #: The loaded accounts by username (UsersScreen pages them in).
    users: dict[str, UserListRow]

    if TYPE_CHECKING:

        @property
        def _table(self) -> FittedTable: ...

        def reload(self) -> None: ...

    def selected(self) -> UserListRow | None:
        """The highlighted user, if any."""
        table = self._table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.users.get(key) if key is not None else None

    def show_user(self, user: UserListRow) -> None:
        """Put a changed account's values in its row, if the row is loaded."""
        if user.username not in self.users:
            return
        self.users[user.username] = user
        for column, text in zip(COLUMNS, user_cells(user), strict=True):
            self._table.update_cell(user.username, column.key, text)

    def _saved(self, saved: UserSaved | None) -> None:
        if saved is None:
            return
        self.notify(saved_words(saved))
        if saved.added:
            self.reload()
        else:
            self.show_user(saved.user)

    def action_add(self) -> None:
        self.app.push_screen(UserForm(self._accounts, self._actor), self._saved)

    def action_edit(self) -> None:
        user = self.selected()
        if user is None:
            self.notify("No user highlighted", severity="warning")
            return
        self.app.push_screen(UserForm(self._accounts, self._actor, user), self._saved)

    def action_deactivate(self) -> None:
        self._switch(activate=False)

    def action_reactivate(self) -> None:
        self._switch(activate=True)

    def _switch(self, *, activate: bool) -> None:
        user = self.selected()
        if user is None:
            self.notify("No user highlighted", severity="warning")
            return
        if user.active == activate:
            state = "active" if activate else "deactivated"
            self.notify(f"{user.username} is already {state}", severity="warning")
            return

        def confirmed(go: bool | None) -> None:
            if go:
                self.switch_active(user, activate=activate)

        verb = "Reactivate" if activate else "Deactivate"
        note = (
            "They may sign in and book again, with their bookings, training and history "
            "as they were."
            if activate
            else "They can no longer sign in to book; their bookings, training and history stay."
        )
        question = f"{verb} {user.username} ({user.name}, {user.institution_code})?"
        asked = ConfirmModal(question, note, keep="Keep as is", go=verb, destructive=not activate)
        self.app.push_screen(asked, confirmed)

    def switch_active(self, user: UserListRow, *, activate: bool) -> None:
        """Deactivate or reactivate `user` through the services, then show it."""
        name = user.username

        def switch() -> UserChanges.ActiveSwitched:
            if activate:
                report = self._accounts.reactivate(self._actor, [name])
                words = f"reactivated {name}" if report.reactivated else f"{name} already active"
            else:
                done = self._people.deactivate(self._actor, [name])
                words = f"deactivated {name}" if done.deactivated else f"{name} already deactivated"
            return self.ActiveSwitched(replace(user, active=activate), words)

        self.call_service(switch, lambda switched: switched, group="users_active")

    @on(ActiveSwitched)
    def _switched(self, message: ActiveSwitched) -> None:
        self.notify(message.words)
        self.show_user(message.user)

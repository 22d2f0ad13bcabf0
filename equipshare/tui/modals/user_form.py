"""UserForm: add a user account, or edit one's name, email, institution and role.

The form sends what was typed to AccountService in a worker; the service applies the
same checks as `equipshare users add|edit` and the people sheet, and names the field it
refuses (username, name, email, institution, role), so the refusal shows under that
field. Anything else (a missing right, the last admin) shows under the form. The form
closes only once the account is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from equipshare.domain.enums import Role
from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.accounts import AccountEdit
from equipshare.domain.records.admin import UserListRow
from equipshare.services.people.service import AccountService
from equipshare.tui.modals.field_errors import field_error_text, show_field_error
from equipshare.tui.service_screen import ServiceCalls

FIELDS = ("username", "name", "email", "institution", "role", "general")


def plain(text: str, field: str) -> str:
    """The CLI's 'email: ...' names the field; beside the field the name is noise."""
    head, sep, tail = text.partition(": ")
    return tail if sep and head == field else text


@dataclass(frozen=True)
class UserSaved:
    """What the form saved: the account as stored, whether it is new, and the fields an
    edit changed (none: nothing was written)."""

    user: UserListRow
    added: bool
    changed: tuple[str, ...] = ()


def saved_words(saved: UserSaved) -> str:
    """What a save did, in `equipshare users add|edit`'s words."""
    username = saved.user.username
    if saved.added:
        return f"added {username}"
    if saved.changed:
        return f"changed {username}: {', '.join(saved.changed)}"
    return f"{username} unchanged"


class UserForm(ServiceCalls, ModalScreen[UserSaved | None]):
    """Returns the saved account, or None when closed without saving.

    Without a user it adds an active account; with one it edits that account (the
    username stays), the fields starting from its current values.
    """

    @dataclass
    class Saved(Message):
        """The service accepted the account."""

        saved: UserSaved

    @dataclass
    class Refused(Message):
        """The service refused; `field` is the form field to show it beside."""

        text: str
        field: str

    DEFAULT_CSS = """
    UserForm { align: center middle; }
    #user-dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #user-title { text-style: bold; padding: 0 0 1 0; }
    UserForm .field-row { height: auto; }
    UserForm .field-row Label { width: 14; padding: 0 1 0 0; }
    UserForm .field-row Input, UserForm .field-row Select { width: 1fr; }
    /* Blank until the service names this field, so it doubles as the gap between rows. */
    UserForm .field-error { color: $error; padding: 0 0 0 14; height: auto; min-height: 1; }
    #user-buttons { height: auto; align-horizontal: right; }
    #user-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Close",
            id="user_form.close",
            tooltip="Close the form without saving",
        ),
        Binding("ctrl+s", "save", "Save", id="user_form.save", tooltip="Save the account"),
    ]

    def __init__(
        self, accounts: AccountService, actor_username: str, user: UserListRow | None = None
    ) -> None:
        super().__init__()
        self._accounts = accounts
        self._actor = actor_username
        self.user = user
        self.busy = False

    def compose(self) -> ComposeResult:
        user = self.user
        title = f"Edit {user.username}'s account" if user else "Add a user"
        with VerticalScroll(id="user-dialog", can_focus=False):
            yield Static(title, id="user-title", markup=False)
            yield from self._row(
                "Username",
                Input(
                    user.username if user else "",
                    id="user-username",
                    placeholder="their login name, e.g. jsmith",
                    disabled=user is not None,
                    compact=True,
                ),
                "username",
            )
            yield from self._row(
                "Name",
                Input(user.name if user else "", id="user-name", placeholder="e.g. Jo Smith",
                      compact=True),
                "name",
            )  # fmt: skip
            yield from self._row(
                "Email",
                Input(
                    (user.email or "") if user else "",
                    id="user-email",
                    placeholder="optional, e.g. j.smith@warwick.ac.uk",
                    compact=True,
                ),
                "email",
            )
            yield from self._row(
                "Institution",
                Input(
                    user.institution_code if user else "",
                    id="user-institution",
                    placeholder="its code, e.g. WARWICK",
                    compact=True,
                ),
                "institution",
            )
            yield from self._row(
                "Role",
                Select(
                    [(role.value.replace("_", " "), role.value) for role in Role],
                    value=(user.role if user else Role.RESEARCHER).value,
                    allow_blank=False,
                    id="user-role",
                    compact=True,
                ),
                "role",
            )
            yield Static("", id="user-general-error", classes="field-error", markup=False)
            with Horizontal(id="user-buttons"):
                yield Button("Close", id="user-close", compact=True)
                yield Button(
                    "Save" if user else "Add", id="user-save", variant="primary", compact=True
                )

    @staticmethod
    def _row(label: str, field: Input | Select[str], name: str) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(label)
            yield field
        yield Static("", id=f"user-{name}-error", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#user-name" if self.user else "#user-username").focus()

    # Reading and sending --------------------------------------------------------------

    def value(self, name: str) -> str:
        return self.query_one(f"#user-{name}", Input).value

    @on(Input.Submitted)
    @on(Button.Pressed, "#user-save")
    def action_save(self) -> None:
        if self.busy:
            self.notify("Still saving; wait for the answer", severity="warning")
            return
        self.show_error(None, "")
        self.busy = True
        chosen = self.query_one("#user-role", Select).value
        role = chosen if isinstance(chosen, str) else ""
        username, name, email = self.value("username"), self.value("name"), self.value("email")
        institution = self.value("institution")
        user, accounts, actor = self.user, self._accounts, self._actor

        def save() -> UserSaved:
            if user is None:
                row = accounts.add(
                    actor, username, name=name, email=email, institution=institution, role=role
                )
                return UserSaved(row, added=True)
            edit: AccountEdit = accounts.edit(
                actor, user.username, name=name, email=email, institution=institution, role=role
            )
            return UserSaved(edit.user, added=False, changed=edit.changed)

        self.call_service(save, self.Saved, group="user_form", refused=self._refusal)

    def _refusal(self, error: EquipshareError) -> UserForm.Refused:
        field = getattr(error, "field", None) or ""
        where = field if field in FIELDS else "general"
        return self.Refused(plain(str(error), where), where)

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.busy = False
        self.dismiss(message.saved)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.busy = False
        self.show_error(message.field, message.text)

    def show_error(self, field: str | None, text: str) -> None:
        """Show `text` under the field it concerns (under the form if none), clearing others."""
        show_field_error(self, "user", FIELDS, field, text)

    def error_text(self, field: str) -> str:
        """What the form shows under `field` (for tests and screen readers)."""
        return field_error_text(self, "user", field)

    @on(Button.Pressed, "#user-close")
    def action_close(self) -> None:
        self.dismiss(None)

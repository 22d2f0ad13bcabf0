"""UserForm: add a user account, or edit one's name, email, institution and role.

The form sends what was typed to AccountService in a worker; the service applies the
same checks as `equipshare users add|edit` and the people sheet, and names the field it
refuses (username, name, email, institution, role), so the refusal shows under that
field. Anything else (a missing right, the last admin) shows under the form. The form
closes only once the account is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import BindingType

from equipshare.domain.enums import Role
from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.operations.admin import UserListRow
from equipshare.domain.records.users.accounts import AccountEdit
from equipshare.services.people.service import AccountService
from equipshare.tui.modals.record_form import RecordForm, Row, form_bindings


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


class UserForm(RecordForm[UserSaved]):
    """Returns the saved account, or None when closed without saving.

    Without a user it adds an active account; with one it edits that account (the
    username stays), the fields starting from its current values.
    """

    DEFAULT_CSS = """
    UserForm .field-row Label { width: 14; }
    UserForm .field-error { padding: 0 0 0 14; }
    """

    BINDINGS: ClassVar[list[BindingType]] = form_bindings("user_form", "Save", "Save the account")
    PREFIX, FORM_ID = "user", "user_form"
    FIELDS = ("username", "name", "email", "institution", "role", "general")

    def __init__(
        self, accounts: AccountService, actor_username: str, user: UserListRow | None = None
    ) -> None:
        super().__init__()
        self._accounts = accounts
        self._actor = actor_username
        self.user = user

    def title_words(self) -> str:
        return f"Edit {self.user.username}'s account" if self.user else "Add a user"

    def save_words(self) -> str:
        return "Save" if self.user else "Add"

    def first_field(self) -> str:
        return "name" if self.user else "username"

    def rows(self) -> Iterable[Row]:
        user = self.user
        role = (user.role if user else Role.RESEARCHER).value
        return (
            self.input_row("Username", "username", user.username if user else "",
                           "their login name, e.g. jsmith", disabled=user is not None),
            self.input_row("Name", "name", user.name if user else "", "e.g. Jo Smith"),
            self.input_row("Email", "email", (user.email or "") if user else "",
                           "optional, e.g. j.smith@warwick.ac.uk"),
            self.input_row("Institution", "institution", user.institution_code if user else "",
                           "its code, e.g. WARWICK"),
            self.select_row("Role", "role",
                            [(r.value.replace("_", " "), r.value) for r in Role], role),
        )  # fmt: skip

    def submission(self) -> Callable[[], UserSaved]:
        role = self.choice("role")
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

        return save

    def refusal(self, error: EquipshareError) -> tuple[str, str]:
        """The CLI's words, less the field's name: beside the field it is noise."""
        field = getattr(error, "field", None) or ""
        where = field if field in self.FIELDS else "general"
        return plain(str(error), where), where

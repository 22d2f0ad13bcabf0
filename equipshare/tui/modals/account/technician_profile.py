"""ProfileDialog: a staff member's credit profile, how acknowledgements name them; edited here.

The profile is loaded and saved through TechnicianProfileService in workers. Whether the
viewer may change it is the service's answer (the owner, their facility's managers,
admins); a colleague sees it read only. A refusal shows beside the field it names: a
mistyped ORCID iD under the iD, a refusal for want of a right under the form.
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
from textual.widgets import Button, Checkbox, Input, Label, Static

from equipshare.domain.errors import EquipshareError, PermissionDenied
from equipshare.domain.inputs.technician_profiles import (
    CREDIT_NAME_CHARS,
    EXPERTISE_CHARS,
    JOB_TITLE_CHARS,
    ProfileChanges,
)
from equipshare.domain.money.charge_quotes import instant_words
from equipshare.domain.records.impact.credit import (
    UNNAMED_STAFF,
    TechnicianProfileEdit,
    TechnicianProfileView,
)
from equipshare.services.technicians.service import TechnicianProfileService
from equipshare.tui.modals.record_form import field_error_text, show_field_error
from equipshare.tui.service_screen import ServiceCalls

FIELDS = ("credit-name", "orcid", "job-title", "expertise", "named", "general")
INPUTS = ("credit-name", "orcid", "job-title", "expertise")


def field_of(error: EquipshareError) -> str:
    """Where a refusal shows: beside the field the service names, else under the form."""
    field = (getattr(error, "field", None) or "").replace("_", "-")
    if isinstance(error, PermissionDenied) or field not in FIELDS:
        return "general"
    return field


def about_words(view: TechnicianProfileView, timezone: str) -> str:
    """Where they work, how they are printed, and who changed the profile last."""
    posts = ", ".join(f"{p.role.value} of {p.facility_code}" for p in view.posts)
    printed = view.profile.printed_name
    lines = [
        f"{view.profile.display_name} ({view.profile.username})"
        + (f", {posts}" if posts else "")
        + ("" if view.active else "; account deactivated"),
        f'Acknowledgements print: "{printed}"'
        + ("" if printed != UNNAMED_STAFF else " (not named)"),
    ]
    if view.updated_at is not None:
        lines.append(
            f"Last changed {instant_words(view.updated_at, timezone)}"
            + (f" by {view.updated_by}" if view.updated_by else "")
        )
    if not view.editable:
        lines.append("Read only: changed by them, their facility's managers or an admin.")
    return "\n".join(lines)


class ProfileDialog(ServiceCalls, ModalScreen[TechnicianProfileView | None]):
    """Returns the profile as saved, or None when closed without saving."""

    @dataclass
    class ProfileLoaded(Message):
        """The profile arrived, with whether the viewer may change it."""

        view: TechnicianProfileView

    @dataclass
    class ProfileSaved(Message):
        """The service saved the fields that changed (none: nothing was written)."""

        edit: TechnicianProfileEdit

    @dataclass
    class ProfileRefused(Message):
        """The service refused; `field` says where to show it."""

        text: str
        field: str

    DEFAULT_CSS = """
    ProfileDialog { align: center middle; }
    #profile-dialog {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #profile-title { text-style: bold; }
    #profile-about { color: $text-muted; padding: 0 0 1 0; }
    ProfileDialog .field-row { height: auto; }
    ProfileDialog .field-row Label { width: 13; padding: 0 1 0 0; }
    ProfileDialog .field-row Input { width: 1fr; }
    ProfileDialog .field-error { color: $error; padding: 0 0 0 13; height: auto; display: none; }
    ProfileDialog .field-error.shown { display: block; }
    #profile-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    #profile-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="profile.close", tooltip="Close without saving"),
        Binding("ctrl+s", "save", "Save", id="profile.save", tooltip="Save the profile"),
    ]

    def __init__(
        self, profiles: TechnicianProfileService, actor_username: str, username: str, timezone: str
    ) -> None:
        super().__init__()
        self._profiles = profiles
        self._actor = actor_username
        self.username = username
        self._timezone = timezone
        self.view: TechnicianProfileView | None = None
        self.busy = True  # until the profile has loaded

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="profile-dialog", can_focus=False):
            yield Static(f"Profile of {self.username}", id="profile-title", markup=False)
            yield Static("Loading the profile...", id="profile-about", markup=False)
            yield from self._row("Credit name", "credit-name", CREDIT_NAME_CHARS,
                                 "the name to print (blank: their display name)")  # fmt: skip
            yield from self._row("ORCID iD", "orcid", 40, "0000-0002-1825-0097 (optional)")
            yield from self._row(
                "Job title", "job-title", JOB_TITLE_CHARS, "e.g. Senior technician"
            )
            yield from self._row("Expertise", "expertise", EXPERTISE_CHARS,
                                 "techniques and instruments, e.g. XPS, UPS, FEG-SEM")  # fmt: skip
            yield Checkbox(
                "Named in acknowledgements (else: technical staff of the facility)",
                True,
                id="profile-named",
                disabled=True,
                compact=True,
            )
            yield Static("", id="profile-named-error", classes="field-error", markup=False)
            yield Static("", id="profile-general-error", classes="field-error", markup=False)
            with Horizontal(id="profile-buttons"):
                yield Button("Close", id="profile-close", compact=True)
                yield Button("Save", id="profile-save", variant="primary", compact=True,
                             disabled=True)  # fmt: skip

    @staticmethod
    def _row(label: str, name: str, limit: int, placeholder: str) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(label)
            yield Input(id=f"profile-{name}", placeholder=placeholder, max_length=limit,
                        disabled=True, compact=True)  # fmt: skip
        yield Static("", id=f"profile-{name}-error", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#profile-close", Button).focus()
        profiles, actor, username = self._profiles, self._actor, self.username
        self.call_service(
            lambda: profiles.show(username, actor=actor),
            self.ProfileLoaded,
            group="profile_load",
            refused=self._refusal,
        )

    def _refusal(self, error: EquipshareError) -> ProfileDialog.ProfileRefused:
        return self.ProfileRefused(str(error), field_of(error))

    @on(ProfileLoaded)
    def _loaded(self, message: ProfileLoaded) -> None:
        self._fill(message.view)
        self.busy = False
        if message.view.editable:
            self.query_one("#profile-credit-name", Input).focus()

    def _fill(self, view: TechnicianProfileView) -> None:
        self.view = view
        record = view.profile
        values = {
            "credit-name": record.credit_name,
            "orcid": record.orcid or "",
            "job-title": record.job_title,
            "expertise": record.expertise,
        }
        for name, value in values.items():
            field = self.query_one(f"#profile-{name}", Input)
            field.value = value
            field.disabled = not view.editable
        named = self.query_one("#profile-named", Checkbox)
        named.value = record.named
        named.disabled = not view.editable
        save = self.query_one("#profile-save", Button)
        save.disabled = not view.editable
        save.display = view.editable
        self.query_one("#profile-about", Static).update(about_words(view, self._timezone))

    def changes(self) -> ProfileChanges:
        """Every field as the form holds it; the service writes only what differs."""
        return ProfileChanges(
            credit_name=self.query_one("#profile-credit-name", Input).value,
            orcid=self.query_one("#profile-orcid", Input).value,
            job_title=self.query_one("#profile-job-title", Input).value,
            expertise=self.query_one("#profile-expertise", Input).value,
            named=self.query_one("#profile-named", Checkbox).value,
        )

    @on(Input.Submitted)
    @on(Button.Pressed, "#profile-save")
    def action_save(self) -> None:
        if self.view is None or not self.view.editable:
            self.notify("This profile is read only for you", severity="warning")
            return
        if self.busy:
            self.notify("Still saving; wait for the answer", severity="warning")
            return
        self.show_error(None, "")
        self.busy = True
        profiles, actor, username, changes = (
            self._profiles,
            self._actor,
            self.username,
            self.changes(),
        )
        self.call_service(
            lambda: profiles.edit(username, changes, actor=actor),
            self.ProfileSaved,
            group="profile_save",
            refused=self._refusal,
        )

    @on(ProfileSaved)
    def _saved(self, message: ProfileSaved) -> None:
        self.busy = False
        changed = ", ".join(f.replace("_", " ") for f in message.edit.changed)
        self.notify(f"Saved {self.username}'s profile: {changed}" if changed else "Nothing changed")
        self.dismiss(message.edit.view)

    @on(ProfileRefused)
    def _refused(self, message: ProfileRefused) -> None:
        self.busy = False
        if self.view is None:
            self.query_one("#profile-about", Static).update("")
        self.show_error(message.field, message.text)

    def show_error(self, field: str | None, text: str) -> None:
        """Show `text` under the field it concerns (under the form if none), clearing others."""
        show_field_error(self, "profile", FIELDS, field, text)

    def error_text(self, field: str) -> str:
        """What the dialog shows under `field` (for tests and screen readers)."""
        return field_error_text(self, "profile", field)

    @on(Button.Pressed, "#profile-close")
    def action_close(self) -> None:
        self.dismiss(None)

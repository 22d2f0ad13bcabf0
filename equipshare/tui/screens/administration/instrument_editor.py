"""InstrumentEditorScreen: change an instrument's details, booking policy, hours and status.

Each tab saves on its own (ctrl+s saves the tab shown), as the command line's `edit`,
`hours` and `status` do: one service call, one transaction, one audit event. A refused
value shows beside its field, on whichever tab holds it, and nothing is written. After a
policy or hours change the future bookings that now break a rule are listed, untouched.
A status that takes no bookings first lists the bookings it strands, to cancel or keep.

Who may change what is asked of the services themselves, by dry runs that write nothing:
the facility's managers and admins edit everything, its technicians only the status.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Header, Input, Static, TabbedContent, TabPane

from equipshare.domain.errors import EquipshareError, InputError
from equipshare.domain.records.instruments.catalogue import OpeningInterval
from equipshare.domain.records.instruments.instrument_changes import (
    InstrumentChange,
    InstrumentChanges,
    InstrumentProfile,
)
from equipshare.services.catalogue.service import (
    InstrumentEditingService,
    InstrumentStatusService,
)
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.screens.administration.status_changes import InstrumentStatusChanges
from equipshare.tui.service_screen import back_binding
from equipshare.tui.widgets.broken_bookings import BrokenBookings, change_lines
from equipshare.tui.widgets.details_form import DetailsForm
from equipshare.tui.widgets.editor_form import EditorForm
from equipshare.tui.widgets.hours_editor import HoursEditor
from equipshare.tui.widgets.key_footer import KeyFooter
from equipshare.tui.widgets.policy_form import PolicyForm
from equipshare.tui.widgets.status_form import StatusForm
from equipshare.tui.widgets.suggesters import Completions, spelled

# (tab, title): the tab ids are also the keys of the forms they hold.
TABS = (("details", "Details"), ("policy", "Policy"), ("hours", "Hours"), ("status", "Status"))
EDIT_TABS = ("details", "policy", "hours")
# Fields the services name that are shown beside another field.
FIELD_OF = {"user": "contact_technician"}


@dataclass(frozen=True)
class EditorAccess:
    """What the actor may change here, and the service's words when it is nothing."""

    may_edit: bool
    may_change_status: bool
    refusal: str


def without_field(text: str, field: str) -> str:
    """A refusal names its field for the command line; beside the field the name is noise."""
    return text.removeprefix(f"{field}: ")


class InstrumentEditorScreen(InstrumentStatusChanges):
    """One instrument's editable fields, for its facility's managers, technicians and admins."""

    @dataclass
    class ProfileLoaded(Message):
        """The instrument's fields arrived, with what the actor may change of them."""

        profile: InstrumentProfile
        access: EditorAccess
        refill: frozenset[str]

    @dataclass
    class LoadRefused(Message):
        """The instrument could not be read (unknown code, unknown user)."""

        text: str

    @dataclass
    class Saved(Message):
        """A tab's changes were written (or there were none to write)."""

        change: InstrumentChange
        tab: str

    @dataclass
    class Refused(Message):
        """A save was refused; `field` names where to show it (None: under the tabs)."""

        text: str
        field: str | None

    DEFAULT_CSS = """
    #editor-title { text-style: bold; padding: 0 1; }
    #editor-note { color: $text-muted; padding: 0 1; height: auto; }
    #editor-tabs { height: 1fr; }
    #editor-tabs TabPane { padding: 0; }
    #error-general { color: $error; padding: 0 1; height: auto; display: none; }
    #error-general.shown { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("instrument_editor", "Back, leaving unsaved changes unsaved"),
        Binding(
            "ctrl+s",
            "save",
            "Save tab",
            id="instrument_editor.save",
            tooltip="Save the tab shown; a refused value is shown beside its field",
        ),
    ]

    def __init__(
        self,
        editing: InstrumentEditingService,
        status: InstrumentStatusService,
        actor: str,
        code: str,
        *,
        completions: Completions | None = None,
    ) -> None:
        super().__init__()
        self._completions = completions
        self._editing = editing
        self._status = status
        self._actor = actor
        self.code = code
        self.profile: InstrumentProfile | None = None
        self.access = EditorAccess(False, False, "")
        self.loaded = False
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Edit {self.code}", id="editor-title", markup=False)
        yield Static("Loading...", id="editor-note", markup=False)
        details = DetailsForm(id="details-form")
        details.usernames = self._completions.usernames if self._completions else None
        forms: dict[str, EditorForm] = {
            "details": details,
            "policy": PolicyForm(id="policy-form"),
            "hours": HoursEditor(id="hours-form"),
            "status": StatusForm(id="status-form"),
        }
        with TabbedContent(id="editor-tabs"):
            for key, title in TABS:
                with TabPane(title, id=f"tab-{key}"):
                    yield forms[key]
        yield Static("", id="error-general", markup=False)
        yield BrokenBookings(id="editor-broken")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#editor-tabs").display = False
        self.load(frozenset(key for key, _ in TABS))

    def form(self, key: str) -> EditorForm:
        return self.query_one(f"#{key}-form", EditorForm)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return self.access.may_edit or self.access.may_change_status
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """What a refused ctrl+s says (KeyAnswers): the service's words, once it has said."""
        if action != "save":
            return None
        if not self.loaded:
            return f"{self.code} is still loading; nothing to save yet"
        return self.access.refusal or f"You may change nothing on {self.code}"

    # Loading --------------------------------------------------------------------------

    def load(self, refill: frozenset[str]) -> None:
        def read() -> tuple[InstrumentProfile, EditorAccess]:
            profile = self._editing.profile(self._actor, self.code)
            return profile, self._access(profile)

        self.call_service(
            read,
            lambda found: self.ProfileLoaded(*found, refill),
            group="instrument_editor",
            refused=lambda error: self.LoadRefused(str(error)),
        )

    @staticmethod
    def _access(profile: InstrumentProfile) -> EditorAccess:
        """What the profile says the actor may change (the services check again on save)."""
        return EditorAccess(profile.may_edit, profile.may_change_status, profile.refusal)

    @on(ProfileLoaded)
    def _show_profile(self, message: ProfileLoaded) -> None:
        self.profile, self.access = message.profile, message.access
        record = message.profile.instrument
        fields = dict(message.profile.fields)
        self.query_one("#editor-title", Static).update(
            f"Edit {record.code}  {record.name}  ({record.facility_name}, {record.timezone})"
        )
        refill = message.refill
        if "details" in refill:
            self.query_one(DetailsForm).load(fields, message.profile.contact_technician)
        if "policy" in refill:
            self.query_one(PolicyForm).load(fields)
        if "hours" in refill:
            self.query_one(HoursEditor).load(record.policy.opening_hours)
        if "status" in refill:
            self.query_one(StatusForm).load(fields)
        if not self.loaded:
            self._offer(message.access)
        self.loaded = True
        self.refresh_bindings()

    def _offer(self, access: EditorAccess) -> None:
        """Show only the tabs the actor may change; none at all says why."""
        tabs = self.query_one("#editor-tabs", TabbedContent)
        note = self.query_one("#editor-note", Static)
        if not access.may_edit and not access.may_change_status:
            note.update(f"Nothing here you may change: {access.refusal}")
            return
        tabs.display = True
        if not access.may_edit:
            for key in EDIT_TABS:
                tabs.hide_tab(f"tab-{key}")
            tabs.active = "tab-status"
            note.update(
                "You may change only the status; the facility's managers and admins edit the rest."
            )
        elif not access.may_change_status:
            tabs.hide_tab("tab-status")
        if access.may_edit:
            note.update(
                "ctrl+s saves the tab shown. Policy and hours apply to new bookings; "
                "bookings already made are listed if they now break a rule."
            )

    @on(LoadRefused)
    def _load_refused(self, message: LoadRefused) -> None:
        self.query_one("#editor-note", Static).update(message.text)
        self.notify(message.text, severity="error")

    # Saving ---------------------------------------------------------------------------

    def active_tab(self) -> str:
        return self.query_one("#editor-tabs", TabbedContent).active.removeprefix("tab-")

    @on(Input.Submitted)
    def _enter_saves(self) -> None:
        self.action_save()  # Enter in a field saves its tab, as Enter books in the booking form

    def action_save(self) -> None:
        if self.busy or not self.loaded:
            doing = "still saving the last change" if self.busy else "still loading"
            self.notify(f"{self.code}: {doing}; wait for it", severity="warning")
            return
        tab = self.active_tab()
        form = self.form(tab)
        self.clear_errors()
        if not form.changed():
            self.notify(f"{self.code}: nothing to change")
            return
        try:
            if isinstance(form, DetailsForm | PolicyForm):
                self.save_changes(form.changes(), tab)
            elif isinstance(form, HoursEditor):
                self.save_hours(form.intervals())
            elif isinstance(form, StatusForm):
                self.preview_status(*form.wanted())
        except InputError as error:
            self.post_message(self.Refused(str(error), error.field))

    def _refused(self, error: EquipshareError) -> InstrumentEditorScreen.Refused:
        return self.Refused(str(error), getattr(error, "field", None))

    def save_changes(self, changes: InstrumentChanges, tab: str) -> None:
        self.busy = True
        usernames = self._completions.usernames if self._completions else None

        def edit() -> InstrumentChange:
            contact = changes.contact_technician
            if contact:  # typed in any case, taken as the directory spells it
                contact = spelled(usernames, contact)
            return self._editing.edit(
                self._actor, self.code, replace(changes, contact_technician=contact)
            )

        self.call_service(
            edit,
            lambda change: self.Saved(change, tab),
            group="instrument_editor_write",
            refused=self._refused,
        )

    def save_hours(self, intervals: tuple[OpeningInterval, ...]) -> None:
        self.busy = True
        self.call_service(
            lambda: self._editing.set_hours(self._actor, self.code, intervals),
            lambda change: self.Saved(change, "hours"),
            group="instrument_editor_write",
            refused=self._refused,
        )

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.busy = False
        change = message.change
        record = change.instrument
        lines = change_lines(change) or [f"{record.code}: nothing to change"]
        self.notify("\n".join(lines))
        self.query_one(BrokenBookings).show_broken(change.breaking, record.timezone)
        if change.changes:
            # The instrument screen and calendars show the policy; they reload on this.
            self.app.post_message(BookingsChanged(frozenset({record.code})))
        self.load(frozenset({message.tab}))

    # Refusals -------------------------------------------------------------------------

    @on(Refused)
    def _show_refusal(self, message: Refused) -> None:
        self.busy = False
        field = FIELD_OF.get(message.field or "", message.field or "")
        tabs = self.query_one("#editor-tabs", TabbedContent)
        for key, _ in TABS:
            form = self.form(key)
            if field and form.holds(field):
                tabs.active = f"tab-{key}"
                form.show_error(field, without_field(message.text, message.field or ""))
                return
        general = self.query_one("#error-general", Static)
        general.update(message.text)
        general.add_class("shown")

    def clear_errors(self) -> None:
        for key, _ in TABS:
            self.form(key).clear_errors()
        general = self.query_one("#error-general", Static)
        general.update("")
        general.remove_class("shown")

    def errors(self) -> dict[str, str]:
        """Every refusal showing, by field ('general' for the one under the tabs)."""
        found: dict[str, str] = {}
        for key, _ in TABS:
            found |= self.form(key).errors()
        general = self.query_one("#error-general", Static)
        if general.has_class("shown"):
            found["general"] = str(general.content)
        return found

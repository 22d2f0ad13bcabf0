"""FacilitiesScreen: every facility, and the staff of the one under the cursor.

Admins add and edit facilities; admins, and a facility's own managers, add and remove its
staff. Anyone with an account may look. A key the user may not use says why as it is pressed
(the footer leaves it out), not after a form is filled; the services check every call again.
The staff list follows the facility row the cursor is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from equipshare.domain.display.wording import count_words, staff_change_words
from equipshare.domain.records.changes import CATALOGUE, Topic
from equipshare.domain.records.consortium import (
    FacilityChange,
    FacilityRecord,
    StaffChange,
    StaffMember,
)
from equipshare.domain.records.operations.history import HistoryQuery
from equipshare.services.consortium.service import FacilityService, StaffService
from equipshare.tui.messages import HistoryRequested, ProfileRequested
from equipshare.tui.modals.administration.facility_form import FacilityForm
from equipshare.tui.modals.administration.staff_form import StaffForm
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.screens.administration.facility_keys import (
    FACILITY_ACTIONS,
    FACILITY_BINDINGS,
    STAFF_ACTIONS,
    refused_words,
)
from equipshare.tui.screens.administration.facility_words import (
    FACILITY_COLUMNS,
    STAFF_COLUMNS,
    change_words,
    detail_words,
    facility_cells,
    member_cells,
    removal_question,
    staff_title,
)
from equipshare.tui.service_screen import ServiceScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter
from equipshare.tui.widgets.suggesters import Completions


class FacilitiesScreen(ServiceScreen[None]):
    """Facilities by code above, the highlighted facility's staff below."""

    @dataclass
    class FacilitiesLoaded(Message):
        """Every facility, by code, and whether the user may add and edit them."""

        rows: tuple[FacilityRecord, ...]
        admin: bool

    @dataclass
    class StaffLoaded(Message):
        """One facility's managers, then its technicians."""

        facility_code: str
        members: tuple[StaffMember, ...]

    @dataclass
    class RemovalPreviewed(Message):
        """A dry run of a removal passed the service's checks; ask before doing it."""

        change: StaffChange

    @dataclass
    class StaffRemoved(Message):
        """Someone was taken off a facility's staff (or was not on it)."""

        change: StaffChange

    DEFAULT_CSS = """
    #facilities-table { height: 1fr; margin: 0 1; }
    #facility-detail { height: auto; max-height: 5; padding: 0 2; }
    #staff-title { height: 1; padding: 0 1; text-style: bold; }
    #staff-table { height: 1fr; margin: 0 1; }
    #facilities-status { height: auto; padding: 0 2; color: $text-muted; background: $boost; }
    """

    #: Enter on a facility is its e; on a staff member, their profile (p).
    ENTER_ACTIONS: ClassVar[dict[str, str]] = {"facilities-table": "edit", "staff-table": "profile"}

    BINDINGS: ClassVar[list[BindingType]] = FACILITY_BINDINGS

    def __init__(
        self,
        facilities: FacilityService,
        staff: StaffService,
        actor_username: str,
        *,
        completions: Completions | None = None,
    ) -> None:
        """`completions` make the staff form's username field complete as typed."""
        super().__init__()
        self._completions = completions
        self._facilities = facilities
        self._staff = staff
        self._actor = actor_username
        self.loaded = False
        #: The facility whose staff the lower table shows, once loaded.
        self.staff_of: str | None = None
        self._rows: dict[str, FacilityRecord] = {}
        self._members: dict[str, StaffMember] = {}
        self._keep_cursor_on: str | None = None
        self._asked_for: str | None = None  # the facility whose staff was last asked for
        #: Whether the user may add and edit facilities; None until the first load says.
        self.admin: bool | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield FittedTable(id="facilities-table")
        yield Static("", id="facility-detail", markup=False)
        yield Static("Staff", id="staff-title", markup=False)
        yield FittedTable(id="staff-table")
        yield Static("Loading facilities...", id="facilities-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Facilities"
        table = self.query_one("#facilities-table", FittedTable)
        table.set_columns(FACILITY_COLUMNS)
        self.query_one("#staff-table", FittedTable).set_columns(STAFF_COLUMNS)
        table.focus()
        self.reload()

    # Loading --------------------------------------------------------------------------

    def reload(self, keep_cursor_on: str | None = None) -> None:
        """Fetch the facilities again, keeping the cursor on `keep_cursor_on` if given."""
        self.loaded = False
        self._keep_cursor_on = keep_cursor_on or self.selected_code()
        facilities, actor = self._facilities, self._actor
        self.call_service(
            lambda: (tuple(facilities.list(actor)), facilities.may_add(actor)),
            lambda found: self.FacilitiesLoaded(*found),
            group="facilities",
            drop_if_cancelled=True,
            live_baseline=True,
        )

    @on(FacilitiesLoaded)
    def _show_facilities(self, message: FacilitiesLoaded) -> None:
        table = self.query_one("#facilities-table", DataTable)
        table.clear()
        self.admin = message.admin
        self._rows = {row.code: row for row in message.rows}
        for row in message.rows:
            table.add_row(*facility_cells(row), key=row.code)
        keep = self._keep_cursor_on
        if keep in self._rows:
            table.move_cursor(row=table.get_row_index(keep))
        self.query_one("#facilities-status", Static).update(
            f"{count_words(len(message.rows), 'facility')}  ·  charging terms change with "
            "`equipshare facility policy`"
        )
        self.loaded = True
        self.refresh_bindings()
        code = self.selected_code()
        if code is None:
            self._asked_for = None
            self._show_staff_of(None, ())
        else:
            self.load_staff(code)

    @on(DataTable.RowHighlighted, "#facilities-table")
    def _facility_highlighted(self, event: DataTable.RowHighlighted) -> None:
        code = event.row_key.value
        self.refresh_bindings()  # s and x are for the highlighted facility's managers
        # Filling the table highlights rows on the way; only the cursor's row counts.
        if self.loaded and code and code == self.selected_code() and code != self._asked_for:
            self.load_staff(code)

    def load_staff(self, code: str) -> None:
        self.staff_of = None
        self._asked_for = code
        staff, actor = self._staff, self._actor
        self.call_service(
            lambda: (code, tuple(staff.list(actor, code))),
            lambda found: self.StaffLoaded(*found),
            group="staff",
            drop_if_cancelled=True,
        )

    @on(StaffLoaded)
    def _staff_loaded(self, message: StaffLoaded) -> None:
        if message.facility_code != self.selected_code():
            return  # overtaken by a move of the cursor
        self._show_staff_of(message.facility_code, message.members)

    def _show_staff_of(self, code: str | None, members: tuple[StaffMember, ...]) -> None:
        table = self.query_one("#staff-table", DataTable)
        kept = self.selected_member() if code == self.staff_of else None
        table.clear()
        self._members = {m.username: m for m in members}
        for member in members:
            table.add_row(*member_cells(member), key=member.username)
        if kept is not None and kept.username in self._members:
            table.move_cursor(row=table.get_row_index(kept.username))
        facility = self._rows.get(code or "")
        detail = "" if facility is None else detail_words(facility)
        self.query_one("#facility-detail", Static).update(detail)
        self.query_one("#staff-title", Static).update(staff_title(facility, members))
        self.staff_of = code

    # Who may press what -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """n and e for admins, s and x for admins and the facility's own managers; until
        the first load says who the user is, the services answer."""
        if action in FACILITY_ACTIONS:
            return self.admin is not False
        if action in STAFF_ACTIONS:
            return self._may_change_staff()
        return True

    def _may_change_staff(self) -> bool:
        code = self.selected_code()
        return self.admin is not False or code is None or self._actor in self._rows[code].managers

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """What a refused n, e, s or x says (KeyAnswers, and Enter on a row)."""
        return refused_words(action, self._actor, self.selected_code())

    # Reading the cursor ---------------------------------------------------------------

    def selected_code(self) -> str | None:
        """The facility under the cursor, if any."""
        table = self.query_one("#facilities-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key if key in self._rows else None

    def selected_member(self) -> StaffMember | None:
        """The staff member under the staff table's cursor, if any."""
        table = self.query_one("#staff-table", DataTable)
        if table.row_count == 0 or self.staff_of is None:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._members.get(key) if key is not None else None

    # Facilities -----------------------------------------------------------------------

    def action_add(self) -> None:
        self.app.push_screen(FacilityForm(self._facilities, self._actor), self._facility_saved)

    def action_edit(self) -> None:
        code = self.selected_code()
        if code is None:
            self.notify("No facility selected", severity="warning")
            return
        self.app.push_screen(
            FacilityForm(self._facilities, self._actor, self._rows[code]), self._facility_saved
        )

    def _facility_saved(self, change: FacilityChange | None) -> None:
        if change is None:
            return
        self.notify(change_words(change))
        self.reload(keep_cursor_on=change.facility.code)

    def action_history(self) -> None:
        code = self.selected_code()
        if code is None:
            self.notify("No facility selected", severity="warning")
            return
        self.post_message(HistoryRequested(HistoryQuery(entity=f"facility:{code}"), code))

    # Staff ----------------------------------------------------------------------------

    def action_add_staff(self) -> None:
        code = self.selected_code()
        if code is None:
            self.notify("No facility selected", severity="warning")
            return
        form = StaffForm(
            self._staff, self._actor, code, self._rows[code].name, completions=self._completions
        )
        self.app.push_screen(form, self._staff_changed)

    def action_profile(self) -> None:
        """The highlighted staff member's credit profile, editable by their managers."""
        member = self.selected_member()
        if member is None:
            self.notify("No staff member selected", severity="warning")
            return
        self.post_message(ProfileRequested(member.username))

    def profile_saved(self) -> None:
        """A staff member's credit profile was saved: show how they are now credited."""
        if self.staff_of is not None:
            self.load_staff(self.staff_of)

    def _staff_changed(self, change: StaffChange | None) -> None:
        if change is None:
            return
        self._say(change)
        self.reload(keep_cursor_on=change.member.facility_code)

    def _say(self, change: StaffChange) -> None:
        self.notify(staff_change_words(change))
        if change.note:
            self.notify(f"note: {change.note}", severity="warning")

    def action_remove_staff(self) -> None:
        """Ask the service first (a dry run), so a refusal comes before the question."""
        code, member = self.staff_of, self.selected_member()
        if code is None or member is None:
            self.notify("No staff member selected", severity="warning")
            return
        staff, actor, username = self._staff, self._actor, member.username
        self.call_service(
            lambda: staff.remove(actor, code, username, member.role, dry_run=True),
            self.RemovalPreviewed,
            group="staff_change",
        )

    @on(RemovalPreviewed)
    def _ask_removal(self, message: RemovalPreviewed) -> None:
        question = removal_question(message.change.member)

        def answered(remove: bool | None) -> None:
            if remove:
                self._remove(message.change)

        note = message.change.note
        asked = ConfirmModal(question, note and f"Note: {note}", go="Remove", warning=True)
        self.app.push_screen(asked, answered)

    def _remove(self, preview: StaffChange) -> None:
        member = preview.member
        staff, actor = self._staff, self._actor
        self.call_service(
            lambda: staff.remove(actor, member.facility_code, member.username, member.role),
            self.StaffRemoved,
            group="staff_change",
        )

    @on(StaffRemoved)
    def _removed(self, message: StaffRemoved) -> None:
        self._say(message.change)
        self.reload(keep_cursor_on=message.change.member.facility_code)

    # Keeping up with writes made elsewhere ----------------------------------------------------

    def live_topics(self) -> frozenset[Topic]:
        return frozenset({CATALOGUE})

    def live_changed(self, changed: frozenset[Topic]) -> None:
        self.reload()  # a facility or its staff changed elsewhere: the cursors stay

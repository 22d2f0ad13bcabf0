"""The administration screens: their keys, palette entries and openers, kept out of app.py.

Offered by standing (admins see Institutions and Users; admins and facility managers see
Facilities); each screen's service checks every call again, so an offer is never a right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from equipshare.domain.records.users.accounts import Standing

if TYPE_CHECKING:
    from textual.screen import Screen

    from equipshare.services.plumbing.context import ServiceContext
    from equipshare.tui.widgets.suggesters import Completions

#: Action name -> who may be offered it.
ADMIN_ONLY = frozenset({"institutions", "users"})
MANAGERS_TOO = frozenset({"facilities"})


def offered(action: str, standing: Standing) -> bool | None:
    """Whether an administration action is offered; None when `action` is not one of them."""
    if action in ADMIN_ONLY:
        return standing.admin
    if action in MANAGERS_TOO:
        return standing.admin or standing.manager
    return None


class AdministrationActions:
    """Mixed into the app: opens the administration screens, importing each on first use."""

    ADMIN_BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "I",
            "institutions",
            "Institutions",
            id="app.institutions",
            tooltip="Partner and external institutions: add and edit (admins)",
            show=False,
        ),
        Binding(
            "S",
            "facilities",
            "Facilities",
            id="app.facilities",
            tooltip="Facilities and their managers and technicians (admins, managers)",
            show=False,
        ),
        Binding(
            "U",
            "users",
            "Users",
            id="app.users",
            tooltip="Accounts: add, edit, deactivate and reactivate (admins)",
            show=False,
        ),
    ]

    if TYPE_CHECKING:

        @property
        def context(self) -> ServiceContext: ...  # the app's; a launch opens it late

    actor_username: str
    standing: Standing

    if TYPE_CHECKING:

        @property
        def completions(self) -> Completions: ...

        def _show(self, screen_type: type[Screen[None]], make: Screen[None]) -> None: ...

    def action_institutions(self) -> None:
        from equipshare.services.consortium.service import InstitutionService
        from equipshare.tui.screens.administration.institutions import InstitutionsScreen

        screen = InstitutionsScreen(InstitutionService(self.context), self.actor_username)
        self._show(InstitutionsScreen, screen)

    def action_facilities(self) -> None:
        from equipshare.services.consortium.service import FacilityService, StaffService
        from equipshare.tui.screens.administration.facilities import FacilitiesScreen

        screen = FacilitiesScreen(
            FacilityService(self.context),
            StaffService(self.context),
            self.actor_username,
            completions=self.completions,
        )
        self._show(FacilitiesScreen, screen)

    def action_users(self) -> None:
        from equipshare.services.consortium.service import InstitutionService
        from equipshare.services.people.service import AccountService, PeopleService
        from equipshare.tui.screens.administration.users import UsersScreen

        screen = UsersScreen(
            PeopleService(self.context),
            AccountService(self.context),
            InstitutionService(self.context),
            self.actor_username,
        )
        self._show(UsersScreen, screen)

    def open_editor(self, code: str) -> None:
        """The instrument editor, from the instrument screen's `e` or the palette."""
        from equipshare.services.catalogue.service import (
            InstrumentEditingService,
            InstrumentStatusService,
        )
        from equipshare.tui.screens.administration.instrument_editor import InstrumentEditorScreen

        context = self.context
        screen = InstrumentEditorScreen(
            InstrumentEditingService(context),
            InstrumentStatusService(context),
            self.actor_username,
            code,
            completions=self.completions,
        )
        self._show(InstrumentEditorScreen, screen)

    def administration_commands(self) -> Iterable[SystemCommand]:
        """Palette entries for the screens this user is offered."""
        entries: list[tuple[str, str, str, Callable[[], None]]] = [
            ("institutions", "Institutions", "Add and edit institutions", self.action_institutions),
            (
                "facilities",
                "Facilities and staff",
                "Add and edit facilities; assign managers and technicians",
                self.action_facilities,
            ),
            ("users", "Users", "Add, edit, deactivate and reactivate accounts", self.action_users),
        ]
        for action, title, help_text, callback in entries:
            if offered(action, self.standing):
                yield SystemCommand(title, help_text, callback)

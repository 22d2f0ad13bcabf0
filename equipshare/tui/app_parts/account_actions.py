"""The user's own account things beyond bookings: their key, palette entry and opener.

Kept out of app.py, as the administration screens are: the SSH keys screen (`K`), where
anyone manages the public keys that sign them in to equipshare's SSH server, and a staff
member's own credit profile (`P`), how acknowledgements name them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.screen import Screen

    from equipshare.services.plumbing.context import ServiceContext
    from equipshare.tui.messages import ProfileRequested


class AccountActions:
    """Mixed into the app: opens the account screens, importing each on first use."""

    ACCOUNT_BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "K",
            "ssh_keys",
            "SSH keys",
            id="app.ssh_keys",
            tooltip="The SSH keys that sign you in over ssh: list, add and remove",
            show=False,
        ),
        Binding(
            "P",
            "profile",
            "Profile",
            id="app.profile",
            tooltip="Your credit profile (staff): the name, ORCID iD and title papers print",
            show=False,
        ),
    ]

    if TYPE_CHECKING:

        @property
        def context(self) -> ServiceContext: ...  # the app's; a launch opens it late

    actor_username: str
    staff: bool

    if TYPE_CHECKING:

        def _show(self, screen_type: type[Screen[None]], make: Screen[None]) -> None: ...

        def _can_leave(self) -> bool: ...

    def action_ssh_keys(self) -> None:
        from equipshare.services.ssh_keys.service import SshKeysService
        from equipshare.tui.screens.ssh_keys import SshKeysScreen

        screen = SshKeysScreen(
            SshKeysService(self.context),
            self.actor_username,
            self.context.settings.organisation.timezone,
        )
        self._show(SshKeysScreen, screen)

    def action_profile(self) -> None:
        if self._can_leave():  # not from inside another dialog
            self.open_profile(self.actor_username)

    def on_profile_requested(self, message: ProfileRequested) -> None:
        self.open_profile(message.username)

    def open_profile(self, username: str) -> None:
        """The credit profile dialog of `username`; the service says whether it is editable."""
        from equipshare.services.technicians.service import TechnicianProfileService
        from equipshare.tui.modals.account.technician_profile import ProfileDialog

        timezone = self.context.settings.organisation.timezone
        profiles = TechnicianProfileService(self.context)
        assert isinstance(self, App)  # mixed into the app only
        app = self

        def saved(view: object) -> None:
            from equipshare.tui.screens.administration.facilities import FacilitiesScreen

            if view is not None and isinstance(app.screen, FacilitiesScreen):
                app.screen.profile_saved()  # its "Credited as" column follows the change

        self.push_screen(ProfileDialog(profiles, self.actor_username, username, timezone), saved)

    def account_commands(self) -> Iterable[SystemCommand]:
        """Palette entries for the user's own account."""
        yield SystemCommand(
            "SSH keys",
            "The keys that sign you in over ssh: list, add, remove",
            self.action_ssh_keys,
        )
        if self.staff:
            yield SystemCommand(
                "Profile",
                "Your credit profile: the name, ORCID iD and title acknowledgements print",
                self.action_profile,
            )

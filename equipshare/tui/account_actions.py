"""The user's own account things beyond bookings: their key, palette entry and opener.

Kept out of app.py, as the administration screens are: the SSH keys screen (`K`), where
anyone manages the public keys that sign them in to equipshare's SSH server.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from textual.screen import Screen

    from equipshare.services.plumbing.context import ServiceContext


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
    ]

    context: ServiceContext
    actor_username: str

    if TYPE_CHECKING:

        def _show(self, screen_type: type[Screen[None]], make: Screen[None]) -> None: ...

    def action_ssh_keys(self) -> None:
        from equipshare.services.ssh_keys.service import SshKeysService
        from equipshare.tui.screens.ssh_keys import SshKeysScreen

        screen = SshKeysScreen(
            SshKeysService(self.context),
            self.actor_username,
            self.context.settings.organisation.timezone,
        )
        self._show(SshKeysScreen, screen)

    def account_commands(self) -> Iterable[SystemCommand]:
        """Palette entries for the user's own account."""
        yield SystemCommand(
            "SSH keys",
            "The keys that sign you in over ssh: list, add, remove",
            self.action_ssh_keys,
        )

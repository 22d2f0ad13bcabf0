"""[ssh]: the app over SSH for people already in a terminal, identified by their registered keys.

Its own module, beside `sections.py`, which imports it into `Settings`; fields carry the
metadata `sections.doc` gives (doc, bounds, longest) without importing it. The host key's
default place is the user data directory, beside the default SQLite database, so a server
keeps one key for its whole life and clients never see it change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

DAY_MINUTES = 24 * 60
HOST_KEY_NAME = "ssh_host_ed25519_key"


def _doc(text: str, default: Any = None, *, bounds: tuple[int, int] | None = None) -> Any:
    return field(default=default, metadata={"doc": text, "bounds": bounds, "longest": 2000})


def default_host_key_path() -> Path:
    """Where the host key lives when `host_key_file` is empty: the user data directory."""
    return Path(platformdirs.user_data_dir("equipshare")) / HOST_KEY_NAME


@dataclass(frozen=True)
class SshSettings:
    """Whether `equipshare serve` also answers SSH, where, and how many sessions it holds."""

    enabled: bool = _doc(
        "Run the SSH server beside the web app in `equipshare serve` (`serve --ssh-only` "
        "runs it alone whatever this says).",
        False,
    )
    host: str = _doc("Address the SSH server listens on.", "127.0.0.1")
    port: int = _doc("Port the SSH server listens on.", 2222, bounds=(1, 65535))
    host_key_file: str = _doc(
        "The server's private host key (ed25519); created with mode 0600 on first start "
        "and kept. Empty means ssh_host_ed25519_key in the user data directory.",
        "",
    )
    idle_minutes: int = _doc(
        "A session with no keystroke for this long is ended, saying so.",
        60,
        bounds=(1, 7 * DAY_MINUTES),
    )
    max_sessions_per_user: int = _doc(
        "Most SSH sessions one user may hold at once; one more is told so and closed.",
        5,
        bounds=(1, 1000),
    )
    max_sessions: int = _doc(
        "Most SSH sessions the server holds at once (each runs an app process).",
        100,
        bounds=(1, 100_000),
    )

    def __post_init__(self) -> None:
        if self.host_key_file and not Path(self.host_key_file).expanduser().is_absolute():
            raise ValueError(f"[ssh] host_key_file: {self.host_key_file!r} is not an absolute path")

    @property
    def host_key_path(self) -> Path:
        """The host key file this server uses."""
        if self.host_key_file:
            return Path(self.host_key_file).expanduser()
        return default_host_key_path()

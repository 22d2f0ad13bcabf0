"""The SSH server's host key: made once (ed25519, mode 0600) and kept, so clients trust it once.

A changed host key makes every client refuse to connect with a warning about an attack, so
the key is never replaced: an unreadable or too-open file stops the server with one line
saying what to fix. Two servers starting at once on one file agree on one key: the new key
is written to a temporary file and linked into place, and whoever loses reads the winner's.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from equipshare.domain.errors import ServerStartError
from equipshare.server.ssh.library import asyncssh

KEY_ALGORITHM = "ssh-ed25519"


def load_or_create_host_key(path: Path) -> asyncssh.SSHKey:
    """The private host key at `path`, created there if there is none."""
    if not path.exists():
        _create(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ServerStartError(
            f"[ssh] host_key_file: {path} may be read by other users (mode {mode:04o}); "
            f"run chmod 600 {path}"
        )
    try:
        key = asyncssh.read_private_key(path)
    except (OSError, asyncssh.KeyImportError) as exc:
        raise ServerStartError(f"[ssh] host_key_file: cannot read {path}: {exc}") from None
    public = path.with_name(path.name + ".pub")
    with contextlib.suppress(OSError):  # a convenience for admins; the server needs none
        if not public.exists():
            public.write_bytes(key.export_public_key())
    return key


def _create(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = asyncssh.generate_private_key(KEY_ALGORITHM, comment="equipshare host key")
        temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(key.export_private_key())
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another server made it first
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as exc:
        raise ServerStartError(f"[ssh] host_key_file: cannot create {path}: {exc}") from None


def fingerprint(key: asyncssh.SSHKey) -> str:
    """As OpenSSH shows it (SHA256:...), for the log, so admins can tell users what to expect."""
    return str(key.get_fingerprint("sha256"))

"""Frozen records of SSH keys: a registered public key, and a sign-in to the SSH server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SshKeyRecord:
    """A public key on a user's account, as lists show it; times are UTC."""

    id: int
    username: str
    algorithm: str
    fingerprint: str  # "SHA256:...", as `ssh-keygen -l` prints it
    label: str
    created_at: datetime
    last_used_at: datetime | None
    last_used_from: str | None  # the client address of the last sign-in


@dataclass(frozen=True)
class SshSignIn:
    """Who a key signed in as: the SSH server runs the app as this user, whatever name the
    client sent."""

    user_id: int
    username: str
    display_name: str
    fingerprint: str

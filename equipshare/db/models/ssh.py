"""The SSH server's model: the public keys that identify equipshare users over SSH.

A public key is no secret, so it is stored as OpenSSH writes it (base64 of the key blob);
its fingerprint is unique across every user, so a key names exactly one person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from equipshare.db.base import Base, UTCDateTime


class SshKey(Base):
    """One user's public key: who signs in with it, and when and from where it last did."""

    __tablename__ = "ssh_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    algorithm: Mapped[str] = mapped_column(String(64))
    # Base64 of the key blob, as in an OpenSSH .pub line (an RSA key of 16384 bits is
    # under 3,000 characters); the fingerprint is derived from it, never typed.
    public_key: Mapped[str] = mapped_column(Text)
    # "SHA256:" and 43 characters of unpadded base64, as `ssh-keygen -l` prints.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_from: Mapped[str | None] = mapped_column(String(64))

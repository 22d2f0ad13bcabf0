"""The random secrets of cookies and sign-in links, and the hashes the database keeps."""

from __future__ import annotations

import hashlib
import re
import secrets

SECRET_BYTES = 32  # 43 URL-safe characters
_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    """The SHA-256 of a secret, in hex: what a table stores in its place."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def plausible(secret: str) -> bool:
    """Whether `secret` could be one we issued; anything else is refused without a query."""
    return _SHAPE.fullmatch(secret) is not None

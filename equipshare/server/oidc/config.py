"""The OpenID client `serve` signs people in as: settings checked, secret from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from equipshare.config import Settings
from equipshare.domain.errors import ConfigError

CALLBACK_PATH = "/sign-in/oidc/callback"
START_PATH = "/sign-in/oidc"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class OidcClient:
    """Who we are at the provider. The secret is left out of repr, so no log line can show it."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    scopes: tuple[str, ...]
    require_verified_email: bool
    secure_cookie: bool

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def secure_url(url: str) -> bool:
    """https, or http to this machine only (a test provider): nothing else is safe in transit."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and parts.hostname in LOOPBACK


def oidc_client(settings: Settings, environ: Mapping[str, str] | None = None) -> OidcClient:
    """The client `[auth]` describes, or a one-line ConfigError naming what is missing.

    Called when `serve` starts, so a missing secret stops it before it listens (exit 2).
    """
    auth = settings.auth
    env = os.environ if environ is None else environ
    if not auth.oidc_issuer:
        raise ConfigError('[auth] oidc_issuer: needed with method = "oidc"')
    if not secure_url(auth.oidc_issuer):
        raise ConfigError(
            f"[auth] oidc_issuer: {auth.oidc_issuer!r} is not an https URL "
            "(http is allowed to this machine only)"
        )
    if not auth.oidc_client_id:
        raise ConfigError('[auth] oidc_client_id: needed with method = "oidc"')
    if not auth.oidc_client_secret_env:
        raise ConfigError(
            '[auth] oidc_client_secret_env: needed with method = "oidc" (the NAME of the '
            "environment variable holding the client secret)"
        )
    secret = env.get(auth.oidc_client_secret_env, "")
    if not secret:
        raise ConfigError(
            f"[auth] oidc_client_secret_env: the environment variable "
            f"{auth.oidc_client_secret_env} is not set, or is empty"
        )
    if "openid" not in auth.oidc_scopes or "email" not in auth.oidc_scopes:
        raise ConfigError("[auth] oidc_scopes: must include openid and email")
    return OidcClient(
        issuer=auth.oidc_issuer,
        client_id=auth.oidc_client_id,
        client_secret=secret,
        redirect_uri=settings.server.base_url.rstrip("/") + CALLBACK_PATH,
        scopes=auth.oidc_scopes,
        require_verified_email=auth.oidc_require_verified_email,
        secure_cookie=settings.server.secure,
    )

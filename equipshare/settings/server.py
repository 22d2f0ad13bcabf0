"""[server] and [auth]: where `equipshare serve` listens, and how people sign in to it.

Its own module, beside `sections.py`, which imports it into `Settings`; fields carry the
metadata `sections.doc` gives (doc, bounds, longest) without importing it. A rule on one
value that its type cannot say (a method's name, an address's shape) is checked here, in
`__post_init__`, so the loader reports it as one line naming the key.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

AUTH_METHODS = ("proxy", "email", "oidc")
_HEADER = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
DAY_MINUTES = 24 * 60


def _doc(text: str, default: Any = None, *, bounds: tuple[int, int] | None = None) -> Any:
    return field(default=default, metadata={"doc": text, "bounds": bounds, "longest": 2000})


@dataclass(frozen=True)
class ServerSettings:
    """Where `equipshare serve` listens, who may vouch for a user, and how many may be in."""

    host: str = _doc("Address `equipshare serve` listens on.", "127.0.0.1")
    port: int = _doc("Port `equipshare serve` listens on.", 8080, bounds=(1, 65535))
    base_url: str = _doc(
        "Public URL people open (https behind a TLS proxy): sign-in links use it, and the "
        "session cookie is marked Secure when it is https.",
        "http://localhost:8080",
    )
    proxy_addresses: tuple[str, ...] = _doc(
        "Addresses (or networks, as 10.0.0.0/24) of reverse proxies whose identity header "
        "is believed; the header from any other address is ignored and logged.",
        (),
    )
    session_idle_minutes: int = _doc(
        "A session unused this long ends; the next request must sign in again.",
        60,
        bounds=(1, 7 * DAY_MINUTES),
    )
    session_absolute_hours: int = _doc(
        "A session ends this many hours after sign-in however busy it is.", 12, bounds=(1, 720)
    )
    max_sessions_per_user: int = _doc(
        "Most sessions one user may hold at once (browsers, devices), and so the most apps "
        "a `serve` process runs for them.",
        5,
        bounds=(1, 1000),
    )
    max_sessions: int = _doc(
        "Most sessions the whole installation holds at once, and so the most apps a `serve` "
        "process runs (each session runs its app in a process of its own).",
        200,
        bounds=(1, 100_000),
    )

    def __post_init__(self) -> None:
        scheme = urlsplit(self.base_url).scheme
        if scheme not in ("http", "https") or not urlsplit(self.base_url).hostname:
            raise ValueError(
                f"[server] base_url: {self.base_url!r} is not an http or https URL with a host"
            )
        for address in self.proxy_addresses:
            try:
                ipaddress.ip_network(address, strict=False)
            except ValueError:
                raise ValueError(
                    f"[server] proxy_addresses: {address!r} is not an IP address or network"
                ) from None

    @property
    def secure(self) -> bool:
        """Whether people reach the server over https, so cookies must say Secure."""
        return urlsplit(self.base_url).scheme == "https"

    def trusts(self, address: str | None) -> bool:
        """Whether `address` (a peer's IP) is one of the listed proxies."""
        if not address:
            return False
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(peer in ipaddress.ip_network(a, strict=False) for a in self.proxy_addresses)


@dataclass(frozen=True)
class AuthSettings:
    """How a person proves who they are to `equipshare serve`."""

    method: str = _doc(
        "How people sign in: proxy (a header set by a reverse proxy that signed them in), "
        "email (a one-time link sent by email) or oidc (the university's OpenID provider).",
        "email",
    )
    proxy_header: str = _doc(
        "Header holding the signed-in person's email address when method is proxy.",
        "X-Remote-Email",
    )
    email_link_minutes: int = _doc(
        "An emailed sign-in link works once, for this many minutes.", 15, bounds=(1, 1440)
    )
    email_links_per_hour: int = _doc(
        "Most sign-in links one address may be sent in an hour.", 5, bounds=(1, 100)
    )
    create_users: bool = _doc(
        "Give a person signing in with no account one (a researcher) when their email's "
        "domain is a known institution's; otherwise they are told whom to ask.",
        False,
    )
    oidc_issuer: str = _doc("The OpenID provider's issuer URL when method is oidc.", "")
    oidc_client_id: str = _doc("This installation's client id at the OpenID provider.", "")
    oidc_client_secret_env: str = _doc(
        "Name of the environment variable holding the OpenID client secret (the secret "
        "itself never goes in this file).",
        "",
    )
    oidc_scopes: tuple[str, ...] = _doc(
        "Scopes asked of the OpenID provider; email must be among them.",
        ("openid", "email", "profile"),
    )
    oidc_require_verified_email: bool = _doc(
        "Refuse an OpenID sign-in whose email the provider does not vouch for "
        "(email_verified, or Entra ID's xms_edov, true).",
        True,
    )

    def __post_init__(self) -> None:
        if self.method not in AUTH_METHODS:
            raise ValueError(
                f"[auth] method: {self.method!r} is not one of {', '.join(AUTH_METHODS)}"
            )
        if not _HEADER.fullmatch(self.proxy_header):
            raise ValueError(f"[auth] proxy_header: {self.proxy_header!r} is not a header name")
        if self.oidc_client_secret_env and not _ENV_NAME.fullmatch(self.oidc_client_secret_env):
            raise ValueError(
                f"[auth] oidc_client_secret_env: {self.oidc_client_secret_env!r} is not an "
                "environment variable name"
            )

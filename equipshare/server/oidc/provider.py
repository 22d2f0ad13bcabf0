"""The OpenID provider as discovery describes it, and its signing keys, fetched and kept fresh.

Every `serve` process fetches these itself and keeps them for a while (a cache that checks
freshness, so several processes behind a load balancer need share nothing). The keys are
fetched again, at most once a minute, when a token names a key we have not seen: providers
rotate their keys and publish the new one first.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from equipshare.server.oidc.config import OidcClient, secure_url

log = logging.getLogger("equipshare.serve.oidc")

MOST_BYTES = 512 * 1024  # discovery, keys and token answers are a few KB
METADATA_SECONDS = 3600
KEYS_SECONDS = 3600
REFETCH_SECONDS = 60
TIMEOUT = aiohttp.ClientTimeout(total=10)


class ProviderError(Exception):
    """The provider could not be reached, or answered what OpenID Connect does not allow."""


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of the discovery document sign-in uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_auth_methods: tuple[str, ...]

    @classmethod
    def from_document(cls, document: dict[str, Any], expected_issuer: str) -> ProviderMetadata:
        # OpenID Connect Discovery 4.3: the issuer must be exactly the one we asked, or the
        # document is someone else's.
        if document.get("issuer") != expected_issuer:
            raise ProviderError(
                f"the provider's discovery names issuer {str(document.get('issuer'))[:200]!r}, "
                f"not {expected_issuer!r}"
            )
        urls = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = document.get(name)
            if not isinstance(value, str) or not secure_url(value):
                raise ProviderError(f"the provider's discovery has no https {name}")
            urls[name] = value
        methods = document.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
        if not isinstance(methods, list):
            methods = ["client_secret_basic"]
        return cls(
            issuer=expected_issuer,
            authorization_endpoint=urls["authorization_endpoint"],
            token_endpoint=urls["token_endpoint"],
            jwks_uri=urls["jwks_uri"],
            token_auth_methods=tuple(str(m) for m in methods),
        )


async def read_json(response: aiohttp.ClientResponse, what: str) -> dict[str, Any]:
    """A JSON object from `response`, refusing one too large or not an object."""
    body = await response.content.read(MOST_BYTES + 1)
    if len(body) > MOST_BYTES:
        raise ProviderError(f"the provider's {what} is larger than {MOST_BYTES} bytes")
    try:
        value = json.loads(body)
    except ValueError:
        raise ProviderError(f"the provider's {what} is not JSON") from None
    if not isinstance(value, dict):
        raise ProviderError(f"the provider's {what} is not a JSON object")
    return value


class ProviderDirectory:
    """Discovery and keys of one provider, cached per process."""

    def __init__(self, client: OidcClient, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self._monotonic = monotonic
        self._http: aiohttp.ClientSession | None = None
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: tuple[float, KeySet] | None = None

    def attach(self, http: aiohttp.ClientSession | None) -> None:
        """Use `http` for every request to the provider (the server's own client session)."""
        self._http = http

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            raise ProviderError("the server is not running")
        return self._http

    async def _get(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with self.http.get(url, timeout=TIMEOUT, allow_redirects=False) as response:
                if response.status != 200:
                    raise ProviderError(f"the provider's {what} answered {response.status}")
                return await read_json(response, what)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ProviderError(f"the provider's {what} could not be fetched: {exc}") from None

    async def metadata(self) -> ProviderMetadata:
        now = self._monotonic()
        if self._metadata is not None and now - self._metadata[0] < METADATA_SECONDS:
            return self._metadata[1]
        document = await self._get(self.client.discovery_url, "discovery document")
        metadata = ProviderMetadata.from_document(document, self.client.issuer)
        self._metadata = (now, metadata)
        return metadata

    async def keys(self, *, refresh: bool = False) -> KeySet:
        """The provider's signing keys; `refresh` fetches them again unless just fetched."""
        now = self._monotonic()
        if self._keys is not None:
            age = now - self._keys[0]
            if age < REFETCH_SECONDS or (not refresh and age < KEYS_SECONDS):
                return self._keys[1]
        document = await self._get((await self.metadata()).jwks_uri, "key set")
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise ProviderError("the provider's key set holds no usable key") from None
        self._keys = (now, keys)
        return keys

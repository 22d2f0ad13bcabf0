"""An ID token checked as OpenID Connect Core 3.1.3.7 asks, and the person it names.

The signature is checked against the provider's published keys (never a key the token
carries, never `none`, never a shared-secret algorithm a public key could be abused for),
then the issuer, audience, authorised party, expiry and the nonce this attempt asked for.
The email counts only when the provider vouches for it, unless `[auth]` says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import (
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from equipshare.server.oidc.config import OidcClient

#: Asymmetric algorithms only: HS256 with the public key as its secret is an old forgery.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_SECONDS = 60  # clocks drift; a token a minute past its expiry is still refused soon
MOST_CLAIM = 320  # characters of an email or a name we take


class TokenRefused(Exception):
    """The ID token cannot be believed; the message says why, fit for a page and a log."""


class UnknownKey(TokenRefused):
    """The token names a key the provider's set we hold does not have (perhaps rotated)."""


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    email: str
    display_name: str


def _claim_name(error: JoseError) -> str:
    return str(getattr(error, "claim", "") or "a claim")


def verified_claims(
    raw: str, keys: KeySet, client: OidcClient, nonce: str, now: int
) -> dict[str, Any]:
    """The token's claims once its signature and its iss, aud, azp, exp and nonce all hold."""
    try:
        token = jwt.decode(raw, keys, algorithms=list(ALGORITHMS))
    except InvalidKeyIdError:
        raise UnknownKey("the ID token is signed with a key the provider does not list") from None
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        said = exc.error if isinstance(exc, JoseError) else "malformed"
        raise TokenRefused(f"the ID token's signature does not check ({said})") from None
    registry = JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": client.issuer},
        aud={"essential": True, "value": client.client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except ExpiredTokenError:
        raise TokenRefused("the ID token has expired") from None
    except MissingClaimError as exc:
        raise TokenRefused(f"the ID token lacks {_claim_name(exc)}") from None
    except InvalidClaimError as exc:
        raise TokenRefused(f"the ID token's {_claim_name(exc)} is not ours") from None
    except JoseError as exc:
        raise TokenRefused(f"the ID token's claims do not check ({exc.error})") from None
    claims = token.claims
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client.client_id:
        raise TokenRefused("the ID token is meant for several parties and names another")
    return claims


def identity_of(claims: dict[str, Any], client: OidcClient) -> Identity:
    """The person named by checked claims: a vouched-for email, and a name to show."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or len(email) > MOST_CLAIM:
        raise TokenRefused(
            "the provider sent no email address; ask its administrators to release the "
            "email claim to equipshare"
        )
    # Entra ID sends no email_verified; its optional claim xms_edov says the same thing.
    vouched = claims.get("email_verified") is True or claims.get("xms_edov") is True
    if client.require_verified_email and not vouched:
        raise TokenRefused(f"the provider does not vouch for the email address {email}")
    return Identity(email=email.strip().lower(), display_name=display_name(claims, email))


def display_name(claims: dict[str, Any], email: str) -> str:
    """The provider's name for the person, or their email when it gives none."""
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    name = "".join(ch for ch in name if ch.isprintable())[:MOST_CLAIM].strip()
    return name or email

"""OpenID Connect sign-in against a real provider on loopback: what it lets in, and what not."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from equipshare.server.oidc.attempt import COOKIE
from equipshare.server.oidc.config import START_PATH
from tests.server.oidc.conftest import SignInWorld, with_query

pytestmark = pytest.mark.slow


def refused(world: SignInWorld, status: int, body: str, words: str) -> None:
    assert status in (400, 403, 502), (status, body)
    assert "You are not signed in" in body and words in body, body
    assert world.identities == []


async def test_a_full_sign_in_gives_the_vouched_email_and_name(world: SignInWorld) -> None:
    status, body = await world.sign_in()
    assert status == 200, body
    assert world.identities == [("alice@warwick.ac.uk", "Alice Adams")]
    assert "signed in as alice@warwick.ac.uk" in body
    # The attempt's cookie is gone once used.
    assert COOKIE not in {c.key for c in world.browser.cookie_jar}


async def test_the_attempt_cookie_is_httponly_lax_and_scoped(world: SignInWorld) -> None:
    async with world.browser.get(world.base + START_PATH, allow_redirects=False) as response:
        cookie = response.cookies[COOKIE]
        location = response.headers["Location"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == START_PATH
    assert "code_challenge_method=S256" in location and "nonce=" in location
    # The verifier and nonce are sealed, not merely signed: neither shows in the cookie.
    assert "verifier" not in cookie.value and "nonce" not in cookie.value


async def test_a_wrong_state_is_refused(world: SignInWorld) -> None:
    back = await world.callback_url()
    status, body, _ = await world.get(with_query(back, state="forged-state"))
    refused(world, status, body, "state differs")
    assert world.provider.token_requests == 0  # the code was never even redeemed


async def test_a_callback_with_no_attempt_cookie_is_refused(world: SignInWorld) -> None:
    back = await world.callback_url()
    world.browser.cookie_jar.clear()
    status, body, _ = await world.get(back)
    refused(world, status, body, "not started here")


async def test_a_replayed_code_is_refused(world: SignInWorld) -> None:
    back = await world.callback_url()
    sealed = next(c.value for c in world.browser.cookie_jar if c.key == COOKIE)
    status, _, _ = await world.get(back)
    assert status == 200 and len(world.identities) == 1
    # Someone who copied both the callback URL and the attempt cookie tries them again.
    world.browser.cookie_jar.update_cookies({COOKIE: sealed})
    world.identities.clear()
    status, body, _ = await world.get(back)
    refused(world, status, body, "refused the code (invalid_grant)")


async def test_a_code_with_another_attempts_verifier_is_refused(world: SignInWorld) -> None:
    """PKCE: a code stolen from one attempt cannot be redeemed in another's browser."""
    stolen = await world.callback_url()
    world.browser.cookie_jar.clear()
    mine = await world.callback_url()  # a fresh attempt: its own cookie, state and verifier
    injected = with_query(stolen, state=dict(_query(mine))["state"])
    status, body, _ = await world.get(injected)
    refused(world, status, body, "refused the code (invalid_grant)")
    assert world.provider.refused == ["invalid_grant"]


def _query(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query)


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ({"nonce": "another-attempts-nonce"}, "nonce is not ours"),
        ({"sign_with_other_key": True}, "signature does not check"),
        ({"expires_in": -600}, "has expired"),
        ({"audience": "another-client"}, "aud is not ours"),
        ({"email_verified": False}, "does not vouch for the email address"),
        ({"email_verified": None}, "does not vouch for the email address"),
        ({"email": ""}, "sent no email address"),
    ],
)
async def test_a_token_that_cannot_be_believed_is_refused(
    world: SignInWorld, fault: dict[str, Any], words: str
) -> None:
    for name, value in fault.items():
        setattr(world.provider, name, value)
    status, body = await world.sign_in()
    refused(world, status, body, words)
    assert status == 403


async def test_entra_ids_xms_edov_vouches_for_the_email(world: SignInWorld) -> None:
    world.provider.email_verified = None
    world.provider.extra_claims = {"xms_edov": True}
    status, _ = await world.sign_in()
    assert status == 200 and world.identities[0][0] == "alice@warwick.ac.uk"


@pytest.mark.parametrize("auth_options", [{"oidc_require_verified_email": False}])
async def test_an_unverified_email_is_taken_when_configured(world: SignInWorld) -> None:
    world.provider.email_verified = None
    status, _ = await world.sign_in()
    assert status == 200 and world.identities == [("alice@warwick.ac.uk", "Alice Adams")]


async def test_the_providers_error_is_a_page_not_an_identity(world: SignInWorld) -> None:
    back = await world.callback_url()
    status, body, _ = await world.get(with_query(back, code="", error="access_denied"))
    refused(world, status, body, "answered access_denied")


async def test_the_client_secret_never_reaches_a_log_or_a_page(
    world: SignInWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await world.sign_in()
    back = await world.callback_url()
    await world.get(with_query(back, state="x"))
    world.provider.sign_with_other_key = True
    await world.sign_in()
    assert world.provider.token_requests == 2  # the secret was sent, twice
    assert world.pages and all(world.secret not in page for page in world.pages)
    assert world.secret not in caplog.text
    assert "oidc sign-in refused" in caplog.text  # the refusals were logged

"""The OpenID client from `[auth]`: each gap is one line naming its key; the secret stays hidden."""

from __future__ import annotations

from typing import Any

import pytest

from equipshare.domain.errors import ConfigError
from equipshare.server.oidc.config import oidc_client
from tests.server.oidc.conftest import SECRET_ENV, settings_for

BASE = "https://equipshare.example.ac.uk"
ISSUER = "https://login.microsoftonline.com/tenant-id/v2.0"


def test_the_secret_comes_from_the_named_variable_and_is_never_shown() -> None:
    client = oidc_client(settings_for(BASE, ISSUER), {SECRET_ENV: "hunter2-secret"})
    assert client.client_secret == "hunter2-secret"
    assert client.redirect_uri == BASE + "/sign-in/oidc/callback"
    assert client.secure_cookie
    assert client.discovery_url == ISSUER + "/.well-known/openid-configuration"
    assert "hunter2" not in repr(client) and "hunter2" not in str(client)


@pytest.mark.parametrize(
    ("issuer", "auth", "environ", "words"),
    [
        (ISSUER, {}, {}, f"the environment variable {SECRET_ENV} is not set"),
        (ISSUER, {}, {SECRET_ENV: ""}, f"the environment variable {SECRET_ENV} is not set"),
        ("", {}, {SECRET_ENV: "x"}, "[auth] oidc_issuer: needed"),
        ("http://idp.example.org", {}, {SECRET_ENV: "x"}, "is not an https URL"),
        (ISSUER, {"oidc_client_id": ""}, {SECRET_ENV: "x"}, "[auth] oidc_client_id: needed"),
        (ISSUER, {"oidc_client_secret_env": ""}, {}, "[auth] oidc_client_secret_env: needed"),
        (ISSUER, {"oidc_scopes": ("openid",)}, {SECRET_ENV: "x"}, "must include openid and email"),
    ],
)
def test_an_incomplete_client_is_one_line_and_exit_2(
    issuer: str, auth: dict[str, Any], environ: dict[str, str], words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        oidc_client(settings_for(BASE, issuer, **auth), environ)
    message = str(caught.value)
    assert words in message and "\n" not in message
    assert caught.value.exit_code == 2


def test_http_is_allowed_to_a_provider_on_this_machine_only() -> None:
    client = oidc_client(settings_for(BASE, "http://127.0.0.1:9000"), {SECRET_ENV: "x"})
    assert client.issuer == "http://127.0.0.1:9000"

"""OpenID Connect sign-in through the whole `equipshare serve` app on loopback, on both engines:
the provider's vouched-for email becomes an account (created, audited) and a session cookie,
and a missing client secret stops `serve` before it listens, in one line with exit 2."""

from __future__ import annotations

import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import select

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import User
from equipshare.server.oidc.config import CALLBACK_PATH, START_PATH
from equipshare.server.web_app import create_web_app
from equipshare.server.web_auth import SESSION_COOKIE
from equipshare.services.identity.service import SessionsService
from equipshare.services.plumbing.context import ServiceContext
from tests.server.test_serve_command import command_env
from tests.services.identity.signing_in import give_domain, with_server
from tests.support.oidc_provider import HOST, running
from tests.support.oidc_provider import TestProvider as Provider
from tests.support.world import World

SECRET_ENV = "EQUIPSHARE_TEST_SERVE_OIDC_SECRET"
CLIENT_ID = "equipshare-serve-test"


async def test_a_full_sign_in_creates_the_account_and_a_session_naming_them(
    context: ServiceContext, world: World
) -> None:
    give_domain(context, world, "WARWICK", "warwick.ac.uk")
    secret = "s3cret-" + secrets.token_urlsafe(24)
    listener = socket.socket()
    listener.bind((HOST, 0))
    base = f"http://{HOST}:{listener.getsockname()[1]}"
    provider = Provider(
        CLIENT_ID, secret, base + CALLBACK_PATH, email="Zed.Zimmer@warwick.ac.uk", name="Zed Zimmer"
    )
    async with running(provider.app()) as issuer:
        provider.issuer = issuer
        auth = {
            "method": "oidc",
            "oidc_issuer": issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret_env": SECRET_ENV,
            "create_users": True,
        }
        served = with_server(context, auth, base_url=base)
        runner = web.AppRunner(create_web_app(served, environ={SECRET_ENV: secret}))
        await runner.setup()
        await web.SockSite(runner, listener).start()
        try:
            jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address host
            async with aiohttp.ClientSession(cookie_jar=jar) as browser:
                async with browser.get(base + "/") as first:  # not signed in: the sign-in page
                    assert str(first.url) == base + "/sign-in"
                    assert f'href="{START_PATH}"' in await first.text()
                async with browser.get(base + START_PATH) as landed:  # provider, callback, /
                    assert landed.status == 200 and str(landed.url) == base + "/"
                    assert "/app/ws" in await landed.text()
                cookie = next(c.value for c in jar if c.key == SESSION_COOKIE)
                async with browser.get(base + "/sign-out") as account:
                    named = re.search(r"Signed in as (.*?)\.</p>", await account.text())
        finally:
            await runner.cleanup()
    assert named is not None and named.group(1) == "<strong>Zed Zimmer</strong> (zed.zimmer)"
    assert SessionsService(context).check(cookie).username == "zed.zimmer"
    with context.database.readonly() as s:
        user = s.scalars(select(User).where(User.email == "zed.zimmer@warwick.ac.uk")).one()
        created = s.scalars(select(AuditEvent).where(AuditEvent.action == "user.create")).one()
        started = s.scalars(select(AuditEvent).where(AuditEvent.action == "session.start")).one()
    assert (user.username, user.role.value, user.institution_id) == (
        "zed.zimmer",
        "researcher",
        world.institutions["WARWICK"],
    )
    assert created.after is not None and created.after["via"] == "oidc"
    assert started.after is not None and started.after["how"] == "oidc"


def test_a_missing_client_secret_is_one_line_and_exit_2(
    database_url: str, tmp_path: Path, world: World
) -> None:
    env = command_env(database_url, tmp_path)
    (tmp_path / "equipshare.toml").write_text(
        '[auth]\nmethod = "oidc"\noidc_issuer = "https://login.example.ac.uk"\n'
        f'oidc_client_id = "equipshare"\noidc_client_secret_env = "{SECRET_ENV}"\n'
    )
    env.pop(SECRET_ENV, None)
    done = subprocess.run(
        [sys.executable, "-m", "equipshare", "serve", "--port", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"the environment variable {SECRET_ENV} is not set" in lines[0]

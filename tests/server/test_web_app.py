"""`equipshare serve`'s application through aiohttp's test client on 127.0.0.1, on both engines:
signing in by emailed link (through a real SMTP server) and by a proxy's header, every
refusal, sign-out's CSRF check, health, and the feeds still open to their tokens alone."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application, Request

from equipshare.db.engine import Database
from equipshare.domain.enums import ExportKind
from equipshare.domain.time.clock import FrozenClock
from equipshare.server.web_app import ROUTES_KEY, create_web_app
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.identity.service import SessionsService
from equipshare.services.notify.service import NotifyService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.identity.signing_in import set_active, with_server
from tests.support.mailbox import Mailbox, mail_settings, running_mailbox
from tests.support.world import World

WebClient = TestClient[Request, Application]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LINK = re.compile(r"http://equipshare\.test/sign-in/link/([A-Za-z0-9_-]+)")
BASE = "http://equipshare.test"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


@asynccontextmanager
async def web(
    context: ServiceContext, auth: dict[str, Any] | None = None, **server: Any
) -> AsyncIterator[WebClient]:
    settings = with_server(context, auth, **({"base_url": BASE} | server))
    async with TestClient(TestServer(create_web_app(settings))) as client:
        yield client


async def csrf_of(client: WebClient, path: str) -> str:
    answer = await client.get(path)
    found = CSRF.search(await answer.text())
    assert found, await answer.text()
    return found.group(1)


async def home(client: WebClient) -> tuple[int, str]:
    answer = await client.get("/", allow_redirects=False)
    return answer.status, answer.headers.get("Location", "") or await answer.text()


async def signed_in_as(client: WebClient) -> str:
    """What the sign-out page says of who is signed in ('' when nobody is)."""
    assert (await home(client))[0] == 200  # the app's page
    answer = await client.get("/sign-out", allow_redirects=False)
    assert answer.status == 200
    found = re.search(r"Signed in as (.*?)\.</p>", await answer.text())
    return found.group(1) if found else ""


def deliver(context: ServiceContext, box: Mailbox) -> str:
    settings = mail_settings(with_server(context, base_url=BASE).settings, box)
    NotifyService(ServiceContext(context.database, context.clock, settings)).run("root")
    found = LINK.search(box.messages[-1].get_content())
    assert found
    return found.group(1)


async def test_an_emailed_link_signs_in_once_with_a_lax_httponly_cookie(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    async with web(context) as client:
        assert await home(client) == (303, "/sign-in")
        token = await csrf_of(client, "/sign-in")
        sent = await client.post(
            "/sign-in/email", data={"email": "alice@example.ac.uk", "csrf": token}
        )
        assert sent.status == 200 and "alice@example.ac.uk" in await sent.text()
        link = deliver(context, mailbox)
        confirm = await csrf_of(client, f"/sign-in/link/{link}")  # GET signs nobody in
        assert await home(client) == (303, "/sign-in")
        signed = await client.post(
            f"/sign-in/link/{link}", data={"csrf": confirm}, allow_redirects=False
        )
        assert (signed.status, signed.headers["Location"]) == (303, "/")
        cookie = signed.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
        assert await signed_in_as(client) == "<strong>Alice</strong> (alice)"
        replayed = await client.post(f"/sign-in/link/{link}", data={"csrf": confirm})
        assert replayed.status == 403 and "has been used already" in await replayed.text()


async def test_an_expired_link_and_a_form_without_its_token_are_refused(
    context: ServiceContext, world: World, mailbox: Mailbox, clock: FrozenClock
) -> None:
    async with web(context) as client:
        token = await csrf_of(client, "/sign-in")
        for data in ({"email": "bob@example.ac.uk"}, {"email": "bob@example.ac.uk", "csrf": "x"}):
            refused = await client.post("/sign-in/email", data=data)
            assert refused.status == 403
        foreign = await client.post(
            "/sign-in/email",
            data={"email": "bob@example.ac.uk", "csrf": token},
            headers={"Origin": "https://evil.example"},
        )
        assert foreign.status == 403
        assert mailbox.messages == []
        await client.post("/sign-in/email", data={"email": "bob@example.ac.uk", "csrf": token})
        link = deliver(context, mailbox)
        clock.advance(minutes=16)
        confirm = await csrf_of(client, f"/sign-in/link/{link}")
        expired = await client.post(f"/sign-in/link/{link}", data={"csrf": confirm})
        assert expired.status == 403 and "expired at" in await expired.text()
        assert await home(client) == (303, "/sign-in")


async def test_an_unknown_address_is_told_whom_to_ask_beside_the_field(
    context: ServiceContext, world: World
) -> None:
    async with web(context) as client:
        token = await csrf_of(client, "/sign-in")
        answer = await client.post(
            "/sign-in/email", data={"email": "zed@warwick.ac.uk", "csrf": token}
        )
        text = await answer.text()
        assert answer.status == 403
        assert (
            'role="alert" id="email-refusal"' in text and "ask an equipshare administrator" in text
        )
        bad = await client.post("/sign-in/email", data={"email": "<b>", "csrf": token})
        assert bad.status == 400 and "email: not an email address" in await bad.text()
        assert "<b>" not in await bad.text()  # escaped


async def test_no_session_forged_and_expired_cookies_are_sent_to_sign_in(
    context: ServiceContext, world: World, clock: FrozenClock
) -> None:
    started = SessionsService(context).start("alice", how="proxy")
    async with web(context, session_idle_minutes=30) as client:
        for cookie in ("", "forged", "A" * 43, started.secret + "x"):
            client.session.cookie_jar.update_cookies({"equipshare_session": cookie})
            assert await home(client) == (303, "/sign-in")
        client.session.cookie_jar.update_cookies({"equipshare_session": started.secret})
        assert (await home(client))[0] == 200
        clock.advance(minutes=31)
        assert await home(client) == (303, "/sign-in")


async def test_a_proxy_header_is_believed_only_from_a_listed_address(
    context: ServiceContext, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    header = {"X-Remote-Email": "carol@example.ac.uk"}
    async with web(context, {"method": "proxy"}, proxy_addresses=("10.1.2.3",)) as client:
        with caplog.at_level(logging.WARNING, logger="equipshare.serve"):
            answer = await client.get("/sign-in", headers=header, allow_redirects=False)
        assert answer.status == 401 and "equipshare_session" not in answer.cookies
        assert "ignored the X-Remote-Email header from 127.0.0.1" in caplog.text
    async with web(context, {"method": "proxy"}, proxy_addresses=("127.0.0.0/8",)) as client:
        answer = await client.get("/sign-in", headers=header, allow_redirects=False)
        assert (answer.status, answer.headers["Location"]) == (303, "/")
        assert (await signed_in_as(client)).endswith("(carol)")


async def test_a_deactivated_user_and_one_sign_in_too_many_are_refused(
    context: ServiceContext, world: World
) -> None:
    proxied = {"method": "proxy"}
    async with web(
        context, proxied, proxy_addresses=("127.0.0.1",), max_sessions_per_user=1
    ) as client:
        gone = await client.get("/sign-in", headers={"X-Remote-Email": "gone@example.ac.uk"})
        assert gone.status == 403 and "is deactivated" in await gone.text()
        erin = {"X-Remote-Email": "erin@example.ac.uk"}
        assert (await client.get("/sign-in", headers=erin, allow_redirects=False)).status == 303
        client.session.cookie_jar.clear()
        again = await client.get("/sign-in", headers=erin)
        assert (
            again.status == 403 and "already signed in once, the most allowed" in await again.text()
        )
    async with web(context, proxied, proxy_addresses=("127.0.0.1",)) as client:
        answer = await client.get("/sign-in", headers=erin, allow_redirects=False)
        secret = answer.cookies["equipshare_session"].value
        session_id = SessionsService(context).check(secret).id
        ended: list[int] = []

        async def on_end() -> None:
            ended.append(session_id)

        watch = client.app[ROUTES_KEY].watch
        watch.watch(session_id, on_end)
        assert await watch.sweep() == ()
        set_active(context, world, "erin", False)
        assert await watch.sweep() == (session_id,)  # what the minute's sweep closes
        assert ended == [session_id]
        assert await home(client) == (303, "/sign-in")


async def test_a_sign_in_past_the_total_limit_gets_a_page_saying_so_and_no_cookie(
    context: ServiceContext, world: World
) -> None:
    proxied = {"method": "proxy"}
    async with web(context, proxied, proxy_addresses=("127.0.0.1",), max_sessions=1) as client:
        alice = {"X-Remote-Email": "alice@example.ac.uk"}
        assert (await client.get("/sign-in", headers=alice, allow_redirects=False)).status == 303
        client.session.cookie_jar.clear()
        bob = await client.get(
            "/sign-in", headers={"X-Remote-Email": "bob@example.ac.uk"}, allow_redirects=False
        )
        text = await bob.text()
        assert bob.status == 403 and "equipshare_session" not in bob.cookies
        assert "<h1>Not signed in</h1>" in text and 'role="alert"' in text
        assert "equipshare is full: 1 session is open" in text and "max_sessions" in text
        assert '<a href="/sign-in">Back to signing in</a>' in text
        assert await home(client) == (303, "/sign-in")


async def test_sign_out_needs_its_csrf_token_and_ends_the_session(
    context: ServiceContext, world: World
) -> None:
    started = SessionsService(context).start("bob", how="proxy")
    async with web(context) as client:
        client.session.cookie_jar.update_cookies({"equipshare_session": started.secret})
        token = await csrf_of(client, "/sign-out")
        for data in ({}, {"csrf": "0" * 32}):
            refused = await client.post("/sign-out", data=data)
            assert refused.status == 403
        assert (await home(client))[0] == 200
        foreign = await client.post(
            "/sign-out", data={"csrf": token}, headers={"Origin": "https://evil.example"}
        )
        assert foreign.status == 403
        out = await client.post("/sign-out", data={"csrf": token}, allow_redirects=False)
        assert (out.status, out.headers["Location"]) == (303, "/sign-in")
        client.session.cookie_jar.update_cookies({"equipshare_session": started.secret})
        assert await home(client) == (303, "/sign-in")


async def test_the_cookie_is_secure_behind_https(context: ServiceContext, world: World) -> None:
    async with web(
        context, {"method": "proxy"}, proxy_addresses=("127.0.0.1",), base_url="https://e.test"
    ) as client:
        answer = await client.get(
            "/sign-in", headers={"X-Remote-Email": "dave@example.ac.uk"}, allow_redirects=False
        )
        assert "Secure" in answer.headers["Set-Cookie"]


async def test_health_and_the_feeds_need_no_sign_in(context: ServiceContext, world: World) -> None:
    issued = FeedsService(context).create("bob", ExportKind.INSTRUMENT, "WAR-XPS-01")
    async with web(context) as client:
        health = await client.get("/health")
        assert (health.status, await health.text()) == (200, "ok\n")
        feed = await client.get(issued.https_url.removeprefix("http://localhost:8080"))
        assert feed.status == 200 and feed.content_type == "text/calendar"
        assert (await client.get("/feeds/" + "A" * 43 + "/instrument/WAR-XPS-01.ics")).status == 404
        page = await client.get("/sign-in")
        assert "https://" not in await page.text()  # nothing loaded from anywhere else
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]


async def test_health_is_503_when_the_database_is_unreachable(context: ServiceContext) -> None:
    nowhere = Database.connect("postgresql+psycopg://nobody@127.0.0.1:9/none", create=False)
    unreachable = ServiceContext(nowhere, context.clock, context.settings)
    try:
        async with TestClient(TestServer(create_web_app(unreachable))) as client:
            answer = await client.get("/health")
            assert (answer.status, await answer.text()) == (503, "database unreachable\n")
    finally:
        nowhere.dispose()

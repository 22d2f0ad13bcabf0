"""A researcher in a real headless Chromium, against `equipshare serve` run as operators run it,
on both engines: signs in through the university's (test) OpenID provider, sees the catalogue,
books an instrument with the keyboard, downloads the booking's .ics, and signs out, which ends
their app. The booking is in the database under them; the screenshots are kept as artefacts.
"""

from __future__ import annotations

import base64
import re
import secrets
import socket
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus
from equipshare.server.oidc.config import CALLBACK_PATH
from equipshare.server.web_app import APP_BASE
from equipshare.server.web_auth import SESSION_COOKIE
from tests.server.browser import (
    RECORD_OUTPUT,
    ScreenText,
    Seeded,
    Serve,
    artefact_dir,
    chromium,
    distinct_colours,
    provider_running,
    seed,
    serve,
)
from tests.server.test_serve_process import free_port
from tests.support.oidc_provider import HOST
from tests.support.oidc_provider import TestProvider as Provider

if TYPE_CHECKING:
    from playwright.sync_api import Page

SECRET_ENV = "EQUIPSHARE_TEST_BROWSER_OIDC_SECRET"
CLIENT_ID = "equipshare-browser-test"
LONDON = ZoneInfo("Europe/London")


def config_text(base: str, issuer: str) -> str:
    return (
        f'[server]\nbase_url = "{base}"\n\n'
        f'[auth]\nmethod = "oidc"\noidc_issuer = "{issuer}"\n'
        f'oidc_client_id = "{CLIENT_ID}"\noidc_client_secret_env = "{SECRET_ENV}"\n'
    )


def bookings_of(database: Database, seeded: Seeded) -> list[Booking]:
    with database.readonly() as s:
        return list(s.scalars(select(Booking).where(Booking.instrument_id == seeded.instrument_id)))


def websocket_status(base: str, cookie: str) -> int:
    """The status the app's websocket answers a same-site handshake carrying `cookie` with."""
    parts = urlsplit(base)
    request = (
        f"GET {APP_BASE}/ws HTTP/1.1\r\nHost: {parts.netloc}\r\nOrigin: {base}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(secrets.token_bytes(16)).decode()}\r\n"
        f"Cookie: {SESSION_COOKIE}={cookie}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as sock:
        sock.sendall(request.encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            assert chunk, f"the server closed the connection after {answer!r}"
            answer += chunk
    return int(answer.split()[1])


@pytest.mark.slow
def test_sign_in_book_download_the_ics_and_sign_out_in_a_real_browser(
    database: Database, database_url: str, backend: str, tmp_path: Path
) -> None:
    executable = chromium()
    from playwright.sync_api import sync_playwright

    seeded = seed(database)
    artefacts = artefact_dir(f"browser-end-to-end-{backend}")
    print(f"\nbrowser test artefacts: {artefacts}")
    port = free_port()
    base = f"http://{HOST}:{port}"
    secret = "s3cret-" + secrets.token_urlsafe(24)
    provider = Provider(
        CLIENT_ID, secret, base + CALLBACK_PATH, email=seeded.email, name="Ada Lovelace"
    )
    purpose = f"depth profile {secrets.token_hex(3)}"
    with provider_running(provider) as issuer:
        config = tmp_path / "equipshare.toml"
        config.write_text(config_text(base, issuer))
        with serve(config, database_url, port, {SECRET_ENV: secret}) as server:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=executable, args=["--no-sandbox"]
                )
                context = browser.new_context(
                    viewport={"width": 1280, "height": 800}, accept_downloads=True
                )
                context.add_init_script(RECORD_OUTPUT)
                page = context.new_page()
                page.set_default_timeout(30_000)
                screen = ScreenText(page)
                try:
                    visit(page, screen, server, database, seeded, purpose, artefacts)
                except BaseException as exc:
                    exc.add_note(f"screenshots and what the app drew: {artefacts}")
                    with suppress(Exception):  # the browser may be what failed
                        page.screenshot(path=artefacts / "failed.png")
                        (artefacts / "failed-drawn.txt").write_text(screen.text())
                    raise
                finally:
                    browser.close()
            assert server.stop() == 0
    assert provider.token_requests == 1
    assert "Traceback" not in server.log, server.log
    assert secret not in server.log


def next_monday(now: datetime) -> str:
    """The week `]` pages to from today's, as the week title words it: "Mon 14 Dec 2026"."""
    today = now.astimezone(LONDON).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return f"{monday:%a} {monday.day} {monday:%b %Y}"


#: The week's status line for a free cursor cell: "Mon 14 Dec 2026 03:00-04:00 GMT · free".
FREE_CELL = re.compile(r"(\w{3} \d{1,2} \w{3} \d{4}) (\d\d:\d\d)-(\d\d:\d\d) (\S+) · free")


def cursor_slot(drawn: str) -> tuple[datetime, datetime]:
    """The free slot the week's status line last named, as UTC instants."""
    found = FREE_CELL.findall(drawn)
    assert found, f"no free cell named in {drawn[-1500:]!r}"
    day, start, end, _zone = found[-1]
    starts = datetime.strptime(f"{day} {start}", "%a %d %b %Y %H:%M").replace(tzinfo=LONDON)
    ends = datetime.strptime(f"{day} {end}", "%a %d %b %Y %H:%M").replace(tzinfo=LONDON)
    if ends <= starts:  # 23:00-00:00
        ends += timedelta(days=1)
    return starts.astimezone(UTC), ends.astimezone(UTC)


def visit(
    page: Page,
    screen: ScreenText,
    server: Serve,
    database: Database,
    seeded: Seeded,
    purpose: str,
    artefacts: Path,
) -> None:
    """What the researcher does, step by step; each waits for what the step itself draws."""
    # Signing in: the sign-in page, the provider (which asks nothing), and back to the app.
    page.goto(server.base + "/")
    assert page.url == server.base + "/sign-in"
    page.get_by_text("Sign in with your university account").click()
    page.wait_for_url(server.base + "/")
    page.wait_for_selector("#terminal canvas", state="attached")
    screen.wait_for(f"signed in as {seeded.username}", seeded.instrument, "1 of 1 instrument shown")
    catalogue = page.screenshot(path=artefacts / "1-catalogue.png")
    assert distinct_colours(catalogue) >= 16, "the catalogue's frame is blank"
    (app,) = server.app_processes()
    assert b"equipshare.tui.served" in Path(f"/proc/{app}/cmdline").read_bytes()

    # Booking with the keyboard: w (the week), ] (next week), Enter (book the cursor's hour).
    page.focus("textarea.xterm-helper-textarea")  # where xterm.js takes keys from
    screen.mark()
    page.keyboard.press("w")
    screen.wait_for(f"{seeded.instrument} · week of", "free: Enter books it")
    next_week = next_monday(datetime.now(UTC))
    screen.mark()
    page.keyboard.press("]")
    screen.wait_for(f"week of {next_week}", "free: Enter books it")
    starts, ends = cursor_slot(screen.text())
    page.screenshot(path=artefacts / "2-week.png")
    screen.mark()
    page.keyboard.press("Enter")
    screen.wait_for(f"Book {seeded.instrument}", "Purpose", "Skip conflicts")
    page.keyboard.type(purpose)
    screen.wait_for(purpose)  # typed into the purpose field, which has the focus
    page.screenshot(path=artefacts / "3-booking-form.png")
    screen.mark()
    page.keyboard.press("Enter")
    (booking,) = screen.poll("the booking in the database", lambda: bookings_of(database, seeded))
    assert (booking.user_id, booking.created_by_id) == (seeded.user_id, seeded.user_id)
    assert (booking.starts_at, booking.ends_at) == (starts, ends)
    assert (booking.purpose, booking.status) == (purpose, BookingStatus.CONFIRMED)
    screen.wait_for("your booking")  # the week reloaded and the cursor's hour is now hers
    page.screenshot(path=artefacts / "4-booked.png")

    # My bookings (m), and its .ics (i), which reaches the browser as a download.
    screen.mark()
    page.keyboard.press("m")
    screen.wait_for("1 upcoming booking ", "Download .ics")
    page.screenshot(path=artefacts / "5-my-bookings.png")
    with page.expect_download() as downloading:
        page.keyboard.press("i")
    download = downloading.value
    assert download.suggested_filename == f"equipshare-user-{seeded.username}.ics"
    saved = artefacts / download.suggested_filename
    download.save_as(saved)
    (event,) = icalendar.Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
    assert str(event["UID"]) == booking.ical_uid
    assert seeded.instrument in str(event["SUMMARY"])
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (starts, ends)

    # Signing out (the corner link, then the form's button) ends the session and its app.
    (artefacts / "drawn.txt").write_text(screen.text())
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    page.get_by_role("link", name="Sign out").click()
    page.wait_for_url(server.base + "/sign-out")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(server.base + "/sign-in")
    screen.poll("the app process gone", lambda: app not in server.app_processes(), 15)
    assert server.app_processes() == []
    assert websocket_status(server.base, cookie) == 401
    page.goto(server.base + "/")
    assert page.url == server.base + "/sign-in"
    page.screenshot(path=artefacts / "6-signed-out.png")

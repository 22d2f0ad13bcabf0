"""The feed server against hostile clients, over raw sockets on loopback, on both engines.

Path tricks, malformed and oversized requests, slow and half-sent requests, and generated
garbage: each is answered or dropped within the limits, no log line holds the feed token (or
a long piece of it), and no client's mistake is logged as a traceback or at ERROR.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equipshare.domain.enums import ExportKind
from equipshare.domain.records.scheduling.calendar import IssuedFeedToken
from equipshare.server.feed_app import FeedHandler
from equipshare.server.limits import ServerLimits
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.plumbing.context import ServiceContext
from tests.server.live import HOST, exchange, live_server, read_until_closed
from tests.support.world import World

XPS = "WAR-XPS-01"
TAIL = f"/instrument/{XPS}.ics"
# Short enough that the slow tests take about a second; serve() uses ServerLimits().
LIMITS = ServerLimits(read_timeout=1.0, lingering_time=0.5)
SLACK = 3.0  # the event loop's timer, a client that sees the close a send later, a busy machine


@pytest.fixture
def token(context: ServiceContext, world: World) -> str:
    issued: IssuedFeedToken = FeedsService(context).create("bob", ExportKind.INSTRUMENT, XPS)
    return issued.token


@pytest.fixture
def port(context: ServiceContext, token: str) -> Iterator[int]:
    with live_server(context, LIMITS) as port:
        yield port


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def get(target: str, *headers: str) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: localhost", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record as a handler would write it: message and any traceback."""
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return [formatter.format(record) for record in caplog.records]


def assert_clean(caplog: pytest.LogCaptureFixture, token: str) -> None:
    """No token, nor any 8 characters of it past the prefix a log may show; no traceback."""
    pieces = [token[i : i + 8] for i in range(6, len(token) - 7)]
    for line in logged(caplog):
        assert not any(piece in line for piece in pieces), line
        assert "Traceback" not in line, line
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert record.levelno < logging.ERROR, record.getMessage()


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "equipshare.feeds.access"]


def bad_request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("bad request from")]


def test_a_token_is_redacted_however_the_path_is_written(
    port: int, token: str, logs: pytest.LogCaptureFixture
) -> None:
    encoded_first = f"%{ord(token[0]):02X}{token[1:]}"
    tricks = [
        f"/feeds/{token}{TAIL}",
        f"//feeds/{token}{TAIL}",
        f"/./feeds/{token}{TAIL}",
        f"/x/../feeds/{token}{TAIL}",
        f"/a/b/../../feeds/./{token}{TAIL}",
        f"/FEEDS/{token}{TAIL}",
        f"/Feeds/{token}",
        f"/%66eeds/{token}{TAIL}",
        f"/feeds/{encoded_first}{TAIL}",
        f"/feeds%2F{token}{TAIL}",
        f"/%252Ffeeds%252F{token}{TAIL}",
        f"/feeds//{token}{TAIL}",
        f"/feeds;x/{token}{TAIL}",
        f"/feeds/{token}/../../elsewhere",
        f"http://localhost/feeds/{token}{TAIL}",
        f"/feeds/{token}{TAIL}?token={token}",
        f"/nothing/{token}",
    ]
    statuses = [exchange(port, get(target)).status for target in tricks]
    assert statuses[0] == 200
    assert all(status in (200, 400, 404) for status in statuses), statuses
    lines = access_lines(logs)
    assert len(lines) == len([s for s in statuses if s != 400])
    assert sum(f"/feeds/{token[:6]}…/instrument/{XPS}.ics" in line for line in lines) >= 8
    assert_clean(logs, token)


def test_malformed_and_oversized_requests_get_400_and_one_info_line(
    port: int, token: str, logs: pytest.LogCaptureFixture
) -> None:
    near_the_cut = "/" + "a/" * 40 + f"feeds/{token}{TAIL}"  # the parser quotes 100 bytes
    hostile = [
        b"GARBAGE\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + token.encode(),  # TLS to HTTP
        f"GET /feeds/{token}{TAIL} HTTP/9.9\r\n\r\n".encode(),
        f"G\x00T /feeds/{token}{TAIL} HTTP/1.1\r\n\r\n".encode(),
        get(f"/feeds/{token}{TAIL}", "X-Nul: a\x00b"),
        get(f"/feeds/{token}{TAIL}", "NoColonHere"),
        get(f"/feeds/{token}{TAIL}", f"X-{token}\x7f: y"),
        get(f"/feeds/{token}/" + "A" * 9000),
        get(near_the_cut + "x" * 9000),
        get(f"/feeds/{token}{TAIL}", *[f"X-H{i}: v" for i in range(100)]),
        get(f"/feeds/{token}{TAIL}", "X-Big: " + token * 400),
        get(f"/feeds/{token}{TAIL}", "Content-Length: -5"),
        get(f"/feeds/{token}{TAIL}", "Content-Length: 5", "Transfer-Encoding: chunked"),
        f"GET /feeds/{token}{TAIL} HTTP/1.1\r\nHost: x\r\n Folded: y\r\n\r\n".encode(),
        f"POST /feeds/{token}{TAIL} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".encode(),
    ]
    for raw in hostile:
        started = time.monotonic()
        answer = exchange(port, raw)
        assert answer.status in (400, 405, 404, None), (raw[:40], answer.data[:80])
        assert time.monotonic() - started < LIMITS.read_timeout + SLACK, raw[:40]
    refused = bad_request_lines(logs)
    assert len(refused) >= 10
    for record in refused:
        assert record.levelno == logging.INFO
        assert "\n" not in record.getMessage()
        assert record.getMessage().startswith(f"bad request from {HOST}: 400 ")
    assert not [line for line in access_lines(logs) if "UNKNOWN" in line]
    assert_clean(logs, token)


def test_half_sent_and_trickling_requests_are_dropped_within_the_read_timeout(
    port: int, token: str, logs: pytest.LogCaptureFixture
) -> None:
    half = f"GET /feeds/{token}{TAIL} HTTP/1.1\r\nHost: localhost\r\n".encode()
    started = time.monotonic()
    held = [socket.create_connection((HOST, port)) for _ in range(40)]
    for i, sock in enumerate(held):
        sock.sendall(half[: 5 + i])
    trickling = socket.create_connection((HOST, port))
    connected = time.monotonic()
    trickled_for = float("inf")
    for byte in half * 10:  # a byte every 0.2 s, for up to 10 s, until the server hangs up
        try:
            trickling.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            trickled_for = time.monotonic() - connected
            break
        time.sleep(0.2)
    answers = [read_until_closed(sock, 0.5) for sock in held]
    elapsed = time.monotonic() - started
    for sock in [*held, trickling]:
        sock.close()
    assert trickled_for < LIMITS.read_timeout + SLACK
    assert all(a.closed_after != float("inf") and a.data == b"" for a in answers)
    assert elapsed < LIMITS.read_timeout + 2 * SLACK
    assert_clean(logs, token)


def test_a_slow_but_whole_request_is_answered_and_an_idle_connection_then_closed(
    port: int, token: str
) -> None:
    request = f"GET /feeds/{token}{TAIL} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
    with socket.create_connection((HOST, port)) as sock:
        sock.sendall(request[:20])
        time.sleep(LIMITS.read_timeout / 3)
        sock.sendall(request[20:])
        answer = read_until_closed(sock, LIMITS.read_timeout + SLACK)  # kept alive, then idle
    assert answer.status == 200
    assert answer.closed_after != float("inf")


def test_a_body_nobody_reads_is_not_waited_for(
    port: int, token: str, logs: pytest.LogCaptureFixture
) -> None:
    raw = f"POST /feeds/{token}{TAIL} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"
    answer = exchange(port, raw.encode() + b"x" * 10)
    assert answer.status == 405
    assert answer.closed_after < LIMITS.lingering_time + SLACK
    assert_clean(logs, token)


def test_a_server_bug_is_logged_with_its_traceback_but_without_the_token(
    context: ServiceContext,
    token: str,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: FeedHandler, token: str, kind: str, target: str) -> None:
        raise RuntimeError(f"could not build /feeds/{token}/{kind}/{target}")

    monkeypatch.setattr(FeedHandler, "build", broken)
    with live_server(context, LIMITS) as port:
        answer = exchange(port, get(f"/feeds/{token}{TAIL}"))
    assert answer.status == 500
    assert token not in answer.data.decode("latin-1")
    (error,) = [r for r in logs.records if r.levelno >= logging.ERROR]
    text = error.getMessage()
    assert "Traceback" in text and "RuntimeError: could not build /feeds/" in text
    assert token not in text and f"{token[:6]}…" in text


REQUEST_PARTS = st.sampled_from(
    ["GET", "HEAD", "POST", "G\x00", "\xff", "/", "//", "/./", "/../", "%", "%2F", "%00", "feeds",
     "FEEDS", "{token}", "\r\n", "\n", "\r", " ", ":", "HTTP/1.1", "HTTP/1.0", "HTTP/0.9",
     "Host: x", "Content-Length: 3", "Transfer-Encoding: chunked", "abc", "\t", "\x7f"]
)  # fmt: skip


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(parts=st.lists(REQUEST_PARTS, max_size=30), noise=st.binary(max_size=40))
def test_generated_requests_never_log_a_token_or_a_traceback(
    port: int, token: str, caplog: pytest.LogCaptureFixture, parts: list[str], noise: bytes
) -> None:
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        text = "".join(parts).replace("{token}", token)
        raw = text.encode("utf-8", "surrogateescape") + noise + b"\r\n\r\n"
        with socket.create_connection((HOST, port), timeout=5) as sock:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)  # no more bytes: do not wait for the read timeout
            read_until_closed(sock, LIMITS.read_timeout + SLACK)
        time.sleep(0.01)  # the server logs after it answers
        assert_clean(caplog, token)


def test_serve_uses_bounded_defaults() -> None:
    limits = ServerLimits()
    assert limits.read_timeout <= 30 and limits.max_line_size <= 8190
    assert replace(limits, read_timeout=1.0) != limits

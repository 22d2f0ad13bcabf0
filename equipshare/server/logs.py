"""What the feed server writes to its log: never a feed token, and one line per bad request.

A feed URL is a secret that anyone can send back to the server in any shape (`//feeds/`,
`/./feeds/`, `/x/../feeds/`, `/FEEDS/`, percent-encoded, or 8 KB long), and whatever the
server logs about a request (its path, its request line in a parser error, an exception's
message) may carry it. Paths are logged normalised with the token cut to the prefix that
`feeds token list` shows, and any text logged is scrubbed of token-like runs besides.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any
from urllib.parse import unquote

from aiohttp import HttpVersion10
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from equipshare.services.calendar.service import PREFIX_LENGTH

FEEDS_SEGMENT = "feeds"
# A token is 43 URL-safe base64 characters; any run of 40 or more in logged text is cut, so
# neither a token nor most of one survives in a message that was never meant to hold one.
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{40,}")
# Bytes a client sent reach a parser error's message after a ':' or inside quotes.
CLIENT_DATA = re.compile(r"[:'\"]")
UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
REASON_LENGTH = 80
# aiohttp answers a request it could not parse as this placeholder request.
UNPARSED = ("UNKNOWN", HttpVersion10)


def cut(secret: str) -> str:
    """A secret as logs may show it: its first characters, as `feeds token list` shows."""
    return secret[:PREFIX_LENGTH] + "…"


def scrub(text: str) -> str:
    """`text` with every token-like run cut to its prefix."""
    return TOKEN_LIKE.sub(lambda match: cut(match.group()), text)


def normalise(path: str) -> list[str]:
    """The path's segments after percent-decoding (until stable) and resolving //, . and ..,
    as a lenient server or a proxy in front of this one might see them."""
    for _ in range(3):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    segments: list[str] = []
    for segment in path.replace("\\", "/").split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return segments


def redact(path: str) -> str:
    """`path` normalised, with the segment after any `feeds` segment (in any case) cut: the
    token of every path that resolves to a feed route, however it was written."""
    segments = normalise(UNPRINTABLE.sub("?", path))
    for index, segment in enumerate(segments[:-1]):
        if segment.strip().casefold() == FEEDS_SEGMENT:
            segments[index + 1] = cut(segments[index + 1])
    return scrub("/" + "/".join(segments))


def reason(exc: HttpProcessingError) -> str:
    """A parser error's reason without the client's bytes, on one printable line."""
    message = (exc.message or type(exc).__name__).strip().split("\n", 1)[0]
    words = CLIENT_DATA.split(message, 1)[0].strip()
    return UNPRINTABLE.sub("?", words)[:REASON_LENGTH] or type(exc).__name__


class RedactingAccessLogger(AbstractAccessLogger):
    """One access line per answered request, with its path redacted. A request that could not
    be parsed has its own line from `RequestLog` instead, which says why."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        if (request.method, request.version) == UNPARSED and not request.raw_headers:
            return
        self.logger.info(
            '%s "%s %s" %d %d %.3fs',
            request.remote,
            UNPRINTABLE.sub("?", request.method),
            redact(request.path),
            response.status,
            response.body_length,
            time,
        )


class RequestLog:
    """The logger aiohttp's request handler writes its errors to (its `logger` argument).

    A request the parser refused (malformed, oversized, not HTTP) is the client's mistake: one
    INFO line naming the client and the reason, no traceback, so a client cannot flood the log
    with them. Anything else is the server's bug: ERROR with its traceback, scrubbed.
    """

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def debug(self, msg: str, *args: Any, exc_info: BaseException | None = None, **kw: Any) -> None:
        self._log(logging.DEBUG, msg, args, exc_info)

    def exception(
        self, msg: str, *args: Any, exc_info: BaseException | None = None, **kw: Any
    ) -> None:
        self._log(logging.ERROR, msg, args, exc_info)

    def _log(self, level: int, msg: str, args: tuple[Any, ...], exc: BaseException | None) -> None:
        if isinstance(exc, HttpProcessingError):
            remote = args[0] if args else "a client"
            self.logger.info("bad request from %s: %d %s", remote, exc.code, reason(exc))
            return
        if not self.logger.isEnabledFor(level):
            return
        text = msg % args if args else msg
        if exc is not None:
            text += "\n" + "".join(traceback.format_exception(exc)).rstrip()
        self.logger.log(level, "%s", scrub(text))


class ScrubbingFilter(logging.Filter):
    """Scrubs every record a handler writes, whichever library logged it: the last guard."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = scrub(record.getMessage())
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        record.msg, record.args = message, None
        return True


def log_to_stderr() -> None:
    """A server's log: INFO and up on stderr, every line scrubbed of tokens."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(ScrubbingFilter())

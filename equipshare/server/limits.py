"""How much of a request, and how much time, the feed server gives a client.

A calendar client sends a short GET with a few headers and no body. Anything much bigger is
refused by the parser with a 400 before any work, and a client that does not finish its
request within the read timeout is disconnected, so half-sent requests cannot pile up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from equipshare.server.logs import RedactingAccessLogger, RequestLog


@dataclass(frozen=True)
class ServerLimits:
    """Bounds on one connection. Feed URLs are about 100 bytes."""

    max_line_size: int = 2048  # the request line, and each header line
    max_field_size: int = 8190  # one header's value
    max_headers: int = 64
    # From connecting (or the previous answer) to a whole request line and headers; also how
    # long an idle kept-alive connection stays open. A client sending slowly is dropped here.
    read_timeout: float = 10.0
    # After answering a request whose body was never read (feeds take none), how long its
    # remaining bytes are drained before the connection closes.
    lingering_time: float = 2.0
    max_body_size: int = 1024  # what request.read() accepts; the feed route reads nothing


LIMITS = ServerLimits()


def runner_options(limits: ServerLimits, access_log: logging.Logger) -> dict[str, Any]:
    """Keyword arguments for aiohttp's `run_app`/`AppRunner`: limits, timeouts and logs."""
    return {
        "keepalive_timeout": limits.read_timeout,
        "max_line_size": limits.max_line_size,
        "max_field_size": limits.max_field_size,
        "max_headers": limits.max_headers,
        "lingering_time": limits.lingering_time,
        "access_log_class": RedactingAccessLogger,
        "access_log": access_log,
        "logger": RequestLog(logging.getLogger("equipshare.feeds.requests")),
    }

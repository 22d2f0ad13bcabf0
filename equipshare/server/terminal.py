"""The terminal app in the browser: its page, websocket and downloads, for signed-in users only.

The sign-in itself belongs to the server core, which passes `user_of_request`; here every route
that reaches an app asks it, and a websocket or a download from another site's page is refused
(textual-serve checks neither), so no other site can open a user's app or fetch its files.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import textual_serve
from aiohttp import WSMsgType, web

from equipshare.server.terminal_apps import AppLaunch, ServedApp, TerminalSessions
from equipshare.server.terminal_page import page_html

log = logging.getLogger("equipshare.terminal")

UserOfRequest = Callable[[web.Request], Awaitable[str | None]]
#: Told of each app as it starts with the way to end it; returns how to stop watching it.
WatchApp = Callable[[web.Request, Callable[[], Awaitable[None]]], Callable[[], None]]
SESSIONS_KEY = web.AppKey("equipshare_terminal_sessions", TerminalSessions)
#: textual-serve's page script, xterm's stylesheet and the Roboto Mono fonts it ships.
STATIC = Path(textual_serve.__file__).parent / "static"
MAX_CELLS = 1000  # a terminal wider or taller than this is a hostile resize, not a screen


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased, as browsers send it in `Origin`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_site(request: web.Request, public_origin: str, *, require_origin: bool) -> bool:
    """Whether the request comes from our own pages (or, for a download, from no page at all)."""
    origin = request.headers.get("Origin")
    if origin is None:
        if require_origin:
            return False
    elif origin.lower() != public_origin:
        return False
    return request.headers.get("Sec-Fetch-Site", "same-origin") in {"same-origin", "none"}


def _size(value: str | None, default: int) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return min(max(number, 1), MAX_CELLS)


def add_terminal_routes(
    app: web.Application,
    *,
    user_of_request: UserOfRequest,
    public_origin: str,
    launch: AppLaunch,
    per_user: int,
    total: int,
    page_path: str = "/terminal",
    base_path: str | None = None,
    sign_in_path: str = "/sign-in",
    sign_out_path: str | None = None,
    watch_app: WatchApp | None = None,
    title: str = "equipshare",
) -> TerminalSessions:
    """Mount the page, websocket, static files and `/download/{key}`; returns the live apps.

    At most `per_user` apps run for one user and `total` in all (`serve` passes `[server]
    max_sessions_per_user` and `max_sessions`); one more websocket is refused with a 503.

    The page is at `page_path`, the websocket and static files under `base_path` (default
    `page_path`). The server ends a user's apps with `sessions.end_sessions_of(username)`, or
    one browser session's through `watch_app`, which is handed each app's end as it starts;
    every app is reaped when `app` shuts down.
    """
    origin = origin_of(public_origin)
    sessions = TerminalSessions(launch, per_user=per_user, total=total)
    app[SESSIONS_KEY] = sessions
    base = (page_path if base_path is None else base_path).rstrip("/")
    websocket_path = f"{base}/ws"
    static_path = f"{base}/static"

    async def page(request: web.Request) -> web.Response:
        if await user_of_request(request) is None:
            raise web.HTTPSeeOther(sign_in_path)
        scheme = "wss" if origin.startswith("https:") else "ws"
        websocket_url = f"{scheme}://{urlsplit(origin).netloc}{websocket_path}"
        font_size = _size(request.query.get("fontsize"), 16)
        body = page_html(title, websocket_url, f"{static_path}/", min(font_size, 64), sign_out_path)
        response = web.Response(text=body, content_type="text/html")
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-eval'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; "
            f"connect-src 'self' {websocket_url}; worker-src 'self' blob:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def websocket(request: web.Request) -> web.StreamResponse:
        if not same_site(request, origin, require_origin=True):
            log.warning(
                "terminal websocket refused: cross-site origin %r", request.headers.get("Origin")
            )
            raise web.HTTPForbidden(text="this page may only be opened from equipshare itself")
        username = await user_of_request(request)
        if username is None:
            raise web.HTTPUnauthorized(text="sign in first")
        refusal = sessions.refusal(username)
        if refusal is not None:
            raise web.HTTPServiceUnavailable(text=refusal)
        return await _run_app(request, sessions, username, watch_app)

    async def download(request: web.Request) -> web.StreamResponse:
        if not same_site(request, origin, require_origin=False):
            raise web.HTTPForbidden(text="downloads may only be opened from equipshare itself")
        username = await user_of_request(request)
        if username is None:
            raise web.HTTPUnauthorized(text="sign in first")
        return await _download(request, sessions, username)

    async def on_shutdown(_app: web.Application) -> None:
        await sessions.shutdown()

    app.add_routes(
        [
            web.get(page_path, page),
            web.get(websocket_path, websocket),
            web.get("/download/{key}", download),
            web.static(static_path, STATIC),
        ]
    )
    app.on_shutdown.append(on_shutdown)
    return sessions


async def _run_app(
    request: web.Request, sessions: TerminalSessions, username: str, watch_app: WatchApp | None
) -> web.StreamResponse:
    socket = web.WebSocketResponse(heartbeat=15, max_msg_size=64 * 1024)
    await socket.prepare(request)

    async def close() -> None:
        await socket.close()

    served = ServedApp(
        sessions.launch,
        username,
        write_bytes=socket.send_bytes,
        write_str=socket.send_str,
        close=close,
        download_manager=sessions.downloads,
    )
    sessions.add(served)

    async def end() -> None:
        await sessions.end(served)

    forget = watch_app(request, end) if watch_app is not None else None
    try:
        await served.start(
            _size(request.query.get("width"), 80), _size(request.query.get("height"), 24)
        )
        log.info("terminal app %s started for %s", served.pid, username)
        await _relay(socket, served)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await socket.close()
    except (OSError, RuntimeError) as exc:
        log.warning("terminal app for %s failed: %s", username, exc)
    finally:
        if forget is not None:
            forget()
        await sessions.end(served)
        log.info("terminal app %s for %s ended", served.pid, username)
    return socket


async def _relay(socket: web.WebSocketResponse, served: ServedApp) -> None:
    """What the browser may send: keys, a size, focus, blur and pings; anything else is dropped."""
    async for message in socket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            envelope = json.loads(message.data)
        except ValueError:
            continue
        if not isinstance(envelope, list) or not envelope:
            continue
        kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
        if kind == "stdin" and isinstance(data, str):
            await served.send_bytes(data.encode("utf-8"))
        elif kind == "resize" and isinstance(data, dict):
            await served.set_terminal_size(
                _size(str(data.get("width")), 80), _size(str(data.get("height")), 24)
            )
        elif kind == "ping":
            await socket.send_json(["pong", data])
        elif kind == "blur":
            await served.blur()
        elif kind == "focus":
            await served.focus()


async def _download(
    request: web.Request, sessions: TerminalSessions, username: str
) -> web.StreamResponse:
    key = request.match_info["key"]
    try:
        meta = await sessions.downloads.get_download_metadata(key)
    except KeyError:
        raise web.HTTPNotFound(text="no such download (each link works once)") from None
    if not isinstance(meta.app_service, ServedApp) or meta.app_service.username != username:
        raise web.HTTPNotFound(text="no such download (each link works once)")
    response = web.StreamResponse()
    content_type = meta.mime_type + (f"; charset={meta.encoding}" if meta.encoding else "")
    response.headers["Content-Type"] = content_type
    disposition = "inline" if meta.open_method == "browser" else "attachment"
    safe = "".join(c for c in meta.file_name if c.isalnum() or c in "._-") or "download"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{safe}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    await response.prepare(request)
    async for chunk in sessions.downloads.download(key):
        await response.write(chunk)
    await response.write_eof()
    return response

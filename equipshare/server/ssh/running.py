"""Running the SSH server: beside the web app in its event loop, or alone (`serve --ssh-only`).

Beside the web app it starts and stops with the aiohttp application (a cleanup context), so
one SIGTERM ends both, and a taken SSH port stops `serve` before anything answers. Alone it
runs until SIGINT or SIGTERM. Either way every app process is ended and reaped on the way out.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from equipshare.server.logs import log_to_stderr
from equipshare.server.ssh.server import SshOptions, SshServer
from equipshare.server.terminal_apps import AppLaunch
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.ssh_keys.service import SshKeysService


def ssh_server(
    context: ServiceContext, launch: AppLaunch, *, host: str | None = None, port: int | None = None
) -> SshServer:
    """The SSH server [ssh] describes, signing keys in through the key registry.

    asyncssh's own log says a line per channel at INFO; the server's "equipshare.ssh" lines
    say what matters (sign-ins, refusals, each app's end), so asyncssh keeps to warnings.
    """
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    options = SshOptions.from_settings(context.settings, launch, host=host, port=port)
    return SshServer(options, SshKeysService(context))


def beside(app: web.Application, server: SshServer) -> None:
    """Run `server` while `app` runs, in its event loop."""

    async def running(_app: web.Application) -> AsyncIterator[None]:
        await server.start()
        try:
            yield
        finally:
            await server.stop()

    app.cleanup_ctx.append(running)


def serve_alone(
    context: ServiceContext,
    launch: AppLaunch,
    *,
    host: str | None = None,
    port: int | None = None,
    announce: Callable[[str], None] = lambda _where: None,
) -> None:
    """`serve --ssh-only`: the SSH server [ssh] describes (or at host:port) until stopped;
    `announce` is told where it listens."""
    server = ssh_server(context, launch, host=host, port=port)
    run_alone(server, lambda: announce(f"{server.options.host}:{server.port}"))


def run_alone(server: SshServer, announce: Callable[[], None] = lambda: None) -> None:
    """Serve SSH until SIGINT or SIGTERM (blocking); `announce` once it listens.

    A failure to listen, or a host key that will not do, is one ServerStartError line.
    """
    log_to_stderr()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await server.start()
        try:
            announce()
            await stopping.wait()
        finally:
            await server.stop()

    asyncio.run(main())

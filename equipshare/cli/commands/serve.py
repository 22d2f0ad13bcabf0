"""`equipshare serve`: the consortium's server (sign-in, the app, calendar feeds) on one port."""

from __future__ import annotations

import click

from equipshare.cli.options import cli_state, common_options


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: [server] host).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Default: [server] port.")
@common_options
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve sign-in, the app in the browser and the calendar feeds until stopped.

    Who is signed in is decided by the server ([auth] method), never by the user. Put it
    behind a TLS-terminating proxy and set [server] base_url to the public URL. SIGTERM
    stops it cleanly.
    """
    from equipshare.server.web_app import serve as run_server

    with cli_state(ctx).open() as context:
        server = context.settings.server
        listen_host, listen_port = host or server.host, port or server.port
        run_server(
            context,
            listen_host,
            listen_port,
            announce=lambda: click.echo(
                f"serving on http://{listen_host}:{listen_port} (public URL {server.base_url}, "
                f"sign-in by {context.settings.auth.method})",
                err=True,
            ),
        )

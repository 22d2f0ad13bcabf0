"""`equipshare serve`: the consortium's server (sign-in, the app, calendar feeds) on one port,
and the app over SSH beside it when [ssh] enabled says so, or alone with --ssh-only."""

from __future__ import annotations

import click

from equipshare.cli.options import cli_state, common_options


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: [server] host).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Default: [server] port.")
@click.option(
    "--ssh-only",
    is_flag=True,
    help="Serve only the app over SSH; --host and --port then default to [ssh] host and port.",
)
@common_options
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, ssh_only: bool) -> None:
    """Serve sign-in, the app in the browser and the calendar feeds until stopped.

    Who is signed in is decided by the server ([auth] method), never by the user. Put it
    behind a TLS-terminating proxy and set [server] base_url to the public URL. With [ssh]
    enabled the app is served over SSH too, to registered keys (equipshare users keys add).
    SIGTERM stops it cleanly.
    """
    from equipshare.server.web_app import app_launch
    from equipshare.server.web_app import serve as run_server

    with cli_state(ctx).open() as context:
        settings = context.settings
        if ssh_only:
            from equipshare.server.ssh.running import serve_alone

            serve_alone(context, app_launch(settings), host=host, port=port, announce=lambda at: (
                click.echo(f"serving the app over SSH on {at}", err=True)
            ))  # fmt: skip
            return
        server, ssh = settings.server, settings.ssh
        listen_host, listen_port = host or server.host, port or server.port
        also = f"; the app over SSH on {ssh.host}:{ssh.port}" if ssh.enabled else ""
        run_server(context, listen_host, listen_port, announce=lambda: click.echo(
            f"serving on http://{listen_host}:{listen_port} (public URL {server.base_url}, "
            f"sign-in by {settings.auth.method}){also}",
            err=True,
        ))  # fmt: skip

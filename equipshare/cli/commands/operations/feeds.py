"""`equipshare feeds`: subscription tokens for calendar apps, and the server that feeds them."""

from __future__ import annotations

import json

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.domain.enums import ExportKind
from equipshare.domain.records.scheduling.calendar import FeedTokenRecord
from equipshare.services.calendar.service import FeedsService

KINDS = click.Choice([k.value for k in ExportKind])


@click.group("feeds")
def feeds_group() -> None:
    """Calendar subscription feeds: tokens, and the feed server.

    \b
    Examples:
      equipshare feeds token create user --label phone      your own bookings
      equipshare feeds token create instrument WAR-XPS-01   who booked it when, no names
      equipshare feeds token list
      equipshare feeds token revoke 3
      equipshare feeds serve --host 0.0.0.0 --port 8080
    """


@feeds_group.group("token")
def token_group() -> None:
    """Create, list and revoke feed tokens."""


@token_group.command("create")
@click.argument("kind", type=KINDS)
@click.argument("target", required=False)
@click.option("--label", default="", help="A name to tell this token apart, e.g. the device.")
@as_option
@common_options
@click.pass_context
def create(
    ctx: click.Context, kind: str, target: str | None, label: str, as_user: str | None
) -> None:
    """Make a token for one calendar and print its webcal:// and https:// URLs.

    TARGET is an instrument code, a facility id or code, or an institution code; a
    `user` feed is your own calendar. The token is shown this once: keep the URL.
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        issued = FeedsService(context).create(actor, kind, target, label)
    click.echo(issued.webcal_url)
    click.echo(issued.https_url)
    click.echo(
        f"token {issued.record.id} ({issued.record.prefix}…) for the {kind} feed "
        f"{issued.record.target}: it is shown only now; revoke it with "
        f"`equipshare feeds token revoke {issued.record.id}`",
        err=True,
    )


def _row(record: FeedTokenRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "user": record.username,
        "prefix": record.prefix,
        "kind": record.kind.value,
        "target": record.target,
        "label": record.label,
        "created": record.created_at.isoformat(),
        "last_used": record.last_used_at.isoformat() if record.last_used_at else None,
        "revoked": record.revoked_at.isoformat() if record.revoked_at else None,
    }


@token_group.command("list")
@click.option("--user", "username", metavar="USER", help="Another user's tokens (admins only).")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@click.option(
    "--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@as_option
@common_options
@click.pass_context
def list_tokens(
    ctx: click.Context,
    username: str | None,
    include_revoked: bool,
    output: str,
    as_user: str | None,
) -> None:
    """List feed tokens by id, prefix and label; tokens themselves are never shown."""
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        records = FeedsService(context).tokens(actor, username, include_revoked=include_revoked)
    rows = [_row(r) for r in records]
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no feed tokens", err=True)
        return
    table = [("ID", "PREFIX", "FEED", "LABEL", "LAST USED", "STATE")]
    for r in records:
        used = r.last_used_at.strftime("%Y-%m-%d %H:%M UTC") if r.last_used_at else "never"
        state = "revoked" if r.revoked else "active"
        table.append(
            (str(r.id), r.prefix + "…", f"{r.kind.value} {r.target}", r.label, used, state)
        )
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[5]]))


@token_group.command("revoke")
@click.argument("token_id", type=int)
@as_option
@common_options
@click.pass_context
def revoke(ctx: click.Context, token_id: int, as_user: str | None) -> None:
    """Revoke token TOKEN_ID (yours, or anyone's for an admin): its feed answers 404 at once."""
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        record = FeedsService(context).revoke(actor, token_id)
    click.echo(f"revoked token {record.id} ({record.prefix}…) of {record.username}")


@feeds_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@common_options
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve /feeds/<token>/<kind>/<id>.ics over HTTP until interrupted.

    Put it behind a TLS-terminating proxy and set [feeds] base_url to the public URL.
    """
    from equipshare.server.feed_app import serve as run_server

    with cli_state(ctx).open() as context:
        base_url = context.settings.feeds.base_url
        run_server(
            context,
            host,
            port,
            announce=lambda: click.echo(
                f"serving feeds on http://{host}:{port} (links use {base_url})", err=True
            ),
        )

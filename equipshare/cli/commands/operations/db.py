"""`equipshare db`: create, upgrade, downgrade and inspect the database schema."""

from __future__ import annotations

import click

from equipshare.cli.options import cli_state, common_options
from equipshare.domain.errors import DatabaseNotAtHead
from equipshare.services.admin.service import SchemaService, SchemaState


def _describe(state: SchemaState) -> str:
    current = state.current or "empty (no schema)"
    marker = "(head)" if state.at_head else f"(head is {state.head})"
    replica = f"; reads on the replica {state.replica}" if state.replica else ""
    return f"{state.backend} {state.url}: {current} {marker}{replica}"


@click.group("db")
def db_group() -> None:
    """Manage the database schema.

    \b
    Examples:
      equipshare db upgrade                      create the schema or bring it up to date
      equipshare --db sqlite:///demo.db db current
    """


@db_group.command("upgrade")
@click.argument("revision", default="head")
@common_options
@click.pass_context
def upgrade(ctx: click.Context, revision: str) -> None:
    """Upgrade the schema to REVISION (default: head). Safe to run twice."""
    with cli_state(ctx).open(require_head=False, create=True) as context:
        schema = SchemaService(context)
        before = schema.state()
        after = schema.upgrade(revision)
    if before.current == after.current:
        click.echo(f"already up to date: {_describe(after)}")
    else:
        click.echo(f"upgraded {before.current or 'empty'} -> {after.current}: {_describe(after)}")


@db_group.command("downgrade")
@click.argument("revision")
@common_options
@click.pass_context
def downgrade(ctx: click.Context, revision: str) -> None:
    """Downgrade the schema to REVISION ('base' drops every table, and its data)."""
    with cli_state(ctx).open(require_head=False) as context:
        after = SchemaService(context).downgrade(revision)
    click.echo(f"downgraded to {after.current or 'base'}: {_describe(after)}")


@db_group.command("current")
@common_options
@click.pass_context
def current(ctx: click.Context) -> None:
    """Print the schema revision the database is at."""
    with cli_state(ctx).open(require_head=False) as context:
        click.echo(_describe(SchemaService(context).state()))


@db_group.command("check")
@common_options
@click.pass_context
def check(ctx: click.Context) -> None:
    """Exit 0 when the schema is at head; else say what to run and exit 1 (for cron)."""
    with cli_state(ctx).open(require_head=False) as context:
        state = SchemaService(context).state()
    if not state.at_head:
        raise DatabaseNotAtHead(state.current, state.head)
    click.echo(f"ok: {_describe(state)}")

"""`equipshare users keys add|remove|list`: the SSH public keys that identify users.

Anyone may manage their own keys, admins anyone's; a facility's managers may list their
staff's. The `users` group (commands/people.py) holds this one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.domain.errors import InputError
from equipshare.domain.money.charge_quotes import instant_words
from equipshare.domain.records.users.ssh_keys import SshKeyRecord

#: A .pub file is one line; anything much longer is not one.
MAX_KEY_FILE_BYTES = 64 * 1024
STDIN = "-"


@click.group("keys")
def keys_group() -> None:
    """SSH public keys: the keys a user signs in to equipshare's SSH server with.

    \b
    Examples:
      equipshare users keys add alice ~/.ssh/id_ed25519.pub --label laptop
      ssh-add -L | head -1 | equipshare users keys add alice -
      equipshare users keys list alice --format json
      equipshare users keys remove alice SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s
    """


def _key_text(keyfile: str) -> tuple[str, str]:
    """The key file's text and the name to call it by in a refusal; InputError (exit 2)."""
    source = "stdin" if keyfile == STDIN else keyfile
    try:
        if keyfile == STDIN:
            data = sys.stdin.buffer.read(MAX_KEY_FILE_BYTES + 1)
        else:
            with Path(keyfile).open("rb") as handle:  # a FIFO or /dev/zero: read no further
                data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file", "file") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read it: {exc.strerror}", "file") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise InputError(
            f"{source}: over {MAX_KEY_FILE_BYTES // 1024} KB, too long for a public key file",
            "file",
        )
    try:
        return data.decode("utf-8"), source
    except UnicodeDecodeError:
        raise InputError(f"{source}: not text; give the .pub file of an SSH key", "file") from None


@keys_group.command("add")
@click.argument("username", metavar="USER")
@click.argument("keyfile", metavar="KEYFILE|-")
@click.option("--label", help="A name to tell the key apart (default: the key's comment).")
@as_option
@common_options
@click.pass_context
def add_key(
    ctx: click.Context, username: str, keyfile: str, label: str | None, as_user: str | None
) -> None:
    """Register the public key in KEYFILE (an OpenSSH .pub line; - reads stdin) to USER.

    Your own account, or anyone's for an admin. Accepted: ssh-ed25519, ecdsa-sha2-nistp256,
    -nistp384, -nistp521, their sk- security-key forms, and ssh-rsa of 2048 bits or more.
    A bad file is refused in one line naming it and what is wrong (exit 2); a key already
    registered, to anyone, is refused (exit 1). Prints the key's SHA256 fingerprint.
    """
    text, source = _key_text(keyfile)
    with cli_state(ctx).open() as context:
        from equipshare.services.ssh_keys.service import SshKeysService

        actor = resolve_actor(context, as_user)
        try:
            record = SshKeysService(context).add(username, text, label, actor=actor)
        except InputError as bad:
            if bad.field != "public_key":
                raise
            raise InputError(f"{source}: {bad}", bad.field) from None
    click.echo(record.fingerprint)
    shown = f" ({record.label})" if record.label else ""
    click.echo(f"added {record.algorithm} key {record.fingerprint}{shown} to {username}", err=True)


@keys_group.command("remove")
@click.argument("username", metavar="USER")
@click.argument("fingerprint")
@as_option
@common_options
@click.pass_context
def remove_key(ctx: click.Context, username: str, fingerprint: str, as_user: str | None) -> None:
    """Remove the key with FINGERPRINT (SHA256:..., as `keys list` shows) from USER.

    Your own, or anyone's for an admin. The SSH server refuses the key from the next
    connection and ends sessions signed in with it within a minute.
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.ssh_keys.service import SshKeysService

        actor = resolve_actor(context, as_user)
        SshKeysService(context).remove(username, fingerprint, actor=actor)
    click.echo(f"removed key {fingerprint.strip()} from {username}", err=True)


def _json_row(record: SshKeyRecord) -> dict[str, object]:
    return {
        "fingerprint": record.fingerprint,
        "algorithm": record.algorithm,
        "label": record.label,
        "added": record.created_at.isoformat(),
        "last_used": record.last_used_at.isoformat() if record.last_used_at else None,
        "last_used_from": record.last_used_from,
    }


@keys_group.command("list")
@click.argument("username", metavar="USER")
@click.option(
    "--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@as_option
@common_options
@click.pass_context
def list_keys(ctx: click.Context, username: str, output: str, as_user: str | None) -> None:
    """List USER's SSH keys, oldest first, with when and from where each last signed in.

    Your own, anyone's for an admin, and your staff's for a facility manager. The table
    shows times in the organisation's zone, named; json gives them in UTC (ISO 8601).
    """
    with cli_state(ctx).open() as context:
        from equipshare.services.ssh_keys.service import SshKeysService

        actor = resolve_actor(context, as_user)
        records = SshKeysService(context).list(username, actor=actor)
        zone = context.settings.organisation.timezone
    if output == "json":
        click.echo(json.dumps([_json_row(r) for r in records], indent=2, ensure_ascii=False))
        return
    if not records:
        click.echo(f"{username} has no SSH keys", err=True)
        return
    # Plain columns, not a boxed table: a fingerprint is copied whole, never wrapped.
    table = [("FINGERPRINT", "ALGORITHM", "LABEL", "ADDED", "LAST USED", "FROM")]
    for r in records:
        used = instant_words(r.last_used_at, zone) if r.last_used_at else "never"
        added = instant_words(r.created_at, zone)
        table.append((r.fingerprint, r.algorithm, r.label, added, used, r.last_used_from or ""))
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[5]]).rstrip())

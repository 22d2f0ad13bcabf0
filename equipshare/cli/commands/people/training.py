"""`equipshare training record|renew|revoke|list|import`: who may use which instrument.

The same service and wording as the TUI's training screen. Who may run them: admins and
the staff of the instrument's facility; dates are the facility's own.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from equipshare.cli.files import (
    dry_run_option,
    listing_bad_rows,
    print_report,
    read_sheet_file,
    skip_bad_option,
)
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.cli.time_input import parse_date
from equipshare.domain.enums import TrainingLevel
from equipshare.domain.records.users.people import TrainingRecordView
from equipshare.domain.rules.training_rules import day_words, last_valid_day
from equipshare.services.people.service import TrainingImportService, TrainingService

COLUMNS = [
    "record",
    "user",
    "institution",
    "instrument",
    "level",
    "valid_until",
    "state",
    "trained",
    "trainer",
]
# The training screen's columns; csv and json carry every one.
TABLE = ["record", "user", "instrument", "level", "valid_until", "state"]


def valid_until(record: TrainingRecordView) -> str:
    """'Tue 16 Mar 2027', the last day it is good for in the facility's zone; or no expiry."""
    if record.expires_at is None:
        return "no expiry"
    return day_words(last_valid_day(record.expires_at, record.timezone))


def _expiry(text: str) -> date | None:
    """--expires DATE (valid through that day), or 'never'."""
    return None if text.strip().lower() == "never" else parse_date(text, "--expires")


def _say(verb: str, record: TrainingRecordView) -> None:
    if verb == "Revoked":
        line = f"Revoked {record.username}'s training on {record.instrument_code}"
    else:
        line = (
            f"{verb} {record.level.value} training for {record.username} on "
            f"{record.instrument_code} (valid until {valid_until(record)})"
        )
    click.echo(f"record {record.id}: {line}")


@click.group("training")
def training_group() -> None:
    """Training records: record, renew, revoke, list, and import the sheets facilities keep."""


@training_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@dry_run_option
@skip_bad_option
@format_option
@as_option
@common_options
@click.pass_context
def import_training(
    ctx: click.Context,
    file: Path,
    dry_run: bool,
    skip_bad: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Import training records from a CSV FILE (admins, or staff of each row's facility).

    Columns: username, instrument (its code), level (supervised or independent),
    trained_at, expires_at (blank: never) and trainer (a username, optional). Dates are
    2026-03-16 or 16/03/2026, read in the instrument's facility's zone; an expiry date
    means valid through that day. Past training and expiries already over are fine.

    A record is keyed by user, instrument and trained_at: the same row twice is one
    record, and a changed level, expiry or trainer updates it. A row that would give a
    user a second active record on an instrument is bad. Any bad row: each is listed as
    FILE:LINE, nothing is imported, exit 2; --skip-bad imports the good rows instead.

    \b
    Examples:
      equipshare training import xps-training.csv --dry-run
      equipshare training import xps-training.csv --skip-bad --format csv
    """
    data = read_sheet_file(ctx, file)
    with cli_state(ctx).open() as context, listing_bad_rows():
        actor = resolve_actor(context, as_user)
        report = TrainingImportService(context).import_records(
            actor, data, str(file), dry_run=dry_run, skip_bad=skip_bad
        )
    print_report(report, output, "training records")


@training_group.command("record")
@click.argument("username")
@click.argument("instrument_code", metavar="INSTRUMENT")
@click.option(
    "--level",
    type=click.Choice([level.value for level in TrainingLevel]),
    required=True,
    help="independent: may book alone; supervised: only with a technician.",
)
@click.option("--expires", metavar="DATE", help="Valid through this day (default: never).")
@click.option("--notes", default="", help="Anything worth keeping with the record.")
@as_option
@common_options
@click.pass_context
def record_training(
    ctx: click.Context,
    username: str,
    instrument_code: str,
    level: str,
    expires: str | None,
    notes: str,
    as_user: str | None,
) -> None:
    """Record that USERNAME was trained today on INSTRUMENT, by you.

    One active record per user and instrument: when they already hold one, renew it,
    or revoke it first (exit 1). The expiry is a day in the facility's zone, and the
    training is valid through it. Prints the record's id.

    \b
    Examples:
      equipshare training record alice WAR-XPS-01 --level independent --expires 2027-03-16
    """
    until = _expiry(expires) if expires is not None else None
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        record = TrainingService(context).record(
            actor, username, instrument_code, level, until, notes
        )
    _say("Recorded", record)


@training_group.command("renew")
@click.argument("username")
@click.argument("instrument_code", metavar="INSTRUMENT")
@click.option("--expires", required=True, metavar="DATE", help="Valid through this day, or never.")
@as_option
@common_options
@click.pass_context
def renew_training(
    ctx: click.Context, username: str, instrument_code: str, expires: str, as_user: str | None
) -> None:
    """Give USERNAME's training on INSTRUMENT a new expiry; expired training is active again.

    Renews their latest record that was not revoked; revoked training cannot be renewed
    (record new training instead).

    \b
    Examples:
      equipshare training renew alice WAR-XPS-01 --expires 2028-03-31
    """
    until = _expiry(expires)
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        record = TrainingService(context).renew_for(actor, username, instrument_code, until)
    _say("Renewed", record)


@training_group.command("revoke")
@click.argument("username")
@click.argument("instrument_code", metavar="INSTRUMENT")
@click.option("--reason", required=True, help="Why; kept in the record's notes and the audit.")
@as_option
@common_options
@click.pass_context
def revoke_training(
    ctx: click.Context, username: str, instrument_code: str, reason: str, as_user: str | None
) -> None:
    """Withdraw USERNAME's training on INSTRUMENT now.

    \b
    Examples:
      equipshare training revoke bob WAR-XPS-01 --reason "left the group"
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        record = TrainingService(context).revoke_for(actor, username, instrument_code, reason)
    _say("Revoked", record)


@training_group.command("list")
@click.option("--instrument", "instrument_code", metavar="CODE", help="Only this instrument's.")
@click.option("--user", "username", metavar="USER", help="Only this user's.")
@click.option(
    "--expiring-within",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Only active training that lapses within DAYS days, soonest first.",
)
@format_option
@as_option
@common_options
@click.pass_context
def list_training(
    ctx: click.Context,
    instrument_code: str | None,
    username: str | None,
    expiring_within: int | None,
    output: str,
    as_user: str | None,
) -> None:
    """List the training records of the facilities you staff (all, for an admin).

    Every record, by instrument then user, with its state (active, expired, revoked);
    dates are each facility's own.

    \b
    Examples:
      equipshare training list --expiring-within 30
      equipshare training list --instrument WAR-XPS-01 --format csv
      equipshare training list --user alice
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        records = TrainingService(context).listing(
            actor,
            instrument_code=instrument_code,
            username=username,
            expiring_within=expiring_within,
        )
    rows = [
        {
            "record": record.id,
            "user": record.username
            if output != "table"
            else f"{record.username} · {record.user_institution_code}",
            "institution": record.user_institution_code,
            "instrument": record.instrument_code,
            "level": record.level.value,
            "valid_until": valid_until(record),
            "state": record.state.value,
            "trained": day_words(record.trained_at.astimezone(ZoneInfo(record.timezone)).date()),
            "trainer": record.trainer_username or "",
        }
        for record in records
    ]
    emit(rows, TABLE if output == "table" else COLUMNS, output)

"""`equipshare backup`, `restore`, `check`, `purge`, `anonymise` and `close-past`: keeping
the data safe from the shell and from cron.

Who may run them: `backup`, `restore` and `check` work on the database itself, like
`equipshare db upgrade`, so holding its URL (or file) is the right needed, and no
equipshare account is asked for (a restore usually targets a database with no users yet).
`purge`, `anonymise` and `close-past` change booking and personal data, so they act as a
user (`--as`, $EQUIPSHARE_USER or the login name) who must be an admin.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.cli.time_input import parse_date
from equipshare.domain.display.wording import count_words

if TYPE_CHECKING:
    from equipshare.domain.records.operations.maintenance import ClosePastReport, RollupRepair


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner on stderr while a long step runs, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def say(line: str) -> None:
    """One line of what was done, on stderr, so stdout stays data."""
    click.echo(line, err=True)


def _size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} kB"


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@common_options
@click.pass_context
def backup(ctx: click.Context, path: Path) -> None:
    """Copy the database to PATH, safely while the app is in use.

    SQLite is copied with its online backup API from one snapshot, so the app can go on
    booking meanwhile; PostgreSQL is dumped with pg_dump (custom format), found on PATH
    or under /usr/lib/postgresql/*/bin (exit 1 when it is not installed). The copy is
    written beside PATH and renamed into place, so PATH always holds a whole backup.

    \b
    Examples:
      equipshare backup /srv/backups/equipshare-$(date +%F).db
      equipshare --db postgresql://equipshare@db/equipshare backup equipshare.dump
    """
    with cli_state(ctx).open(require_head=False) as context, working("backing up"):
        from equipshare.services.admin.service import BackupService

        result = BackupService(context).backup(path)
    say(
        f"backed up {result.engine} {result.database} (schema {result.revision or 'empty'}) "
        f"to {result.path} ({_size(result.size_bytes)}, {result.tool})"
    )


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@common_options
@click.pass_context
def restore(ctx: click.Context, path: Path, force: bool) -> None:
    """Load the backup at PATH into the database.

    Refuses (exit 1) when the database holds any data, unless --force; a database with an
    empty schema counts as empty. A SQLite backup goes into a SQLite database, a pg_dump
    file into a PostgreSQL one (run `createdb` first). Run `equipshare check` after.

    \b
    Examples:
      equipshare --db restored.db restore /srv/backups/equipshare-2026-03-16.db
      equipshare --db postgresql://equipshare@db/equipshare restore --force equipshare.dump
    """
    with cli_state(ctx).open(require_head=False, create=True) as context, working("restoring"):
        from equipshare.services.admin.service import BackupService

        result = BackupService(context).restore(path, force=force)
    replaced = ", replacing its data" if result.replaced_data else ""
    say(
        f"restored {result.path} into {result.engine} {result.database}{replaced} "
        f"(schema {result.revision or 'empty'}, {result.tool})"
    )
    if not result.at_head:
        say("the restored schema is not current: run `equipshare db upgrade`")


@click.command("check")
@click.option(
    "--repair",
    is_flag=True,
    help="Rebuild the booking roll-ups from the bookings (admins; audited), then check.",
)
@click.option("--dry-run", is_flag=True, help="With --repair: say what differs; change nothing.")
@format_option
@as_option
@common_options
@click.pass_context
def check(
    ctx: click.Context, repair: bool, dry_run: bool, output: str, as_user: str | None
) -> None:
    """Check the database: the engine's own integrity check, then the domain rules.

    \b
    Reported, each with the ids involved:
      engine                 SQLite integrity_check; PostgreSQL invalid constraints and
                             indexes, the audit trigger, and amcheck when installed
      schema at head         the database is at this equipshare's migration
      overlapping bookings   active bookings overlapping on one instrument
      booking in downtime    active bookings overlapping a downtime
      untrained booking      confirmed, unassisted bookings by users without
                             training valid at the booking's end
      orphan rows            rows naming missing rows; series with no occurrences
      series                 occurrences the series' RRULE does not generate
      booking roll-ups       instrument-days whose roll-up (what the utilisation and
                             sharing reports read) differs from their bookings
    Exit 0 when all is well, 1 when anything is found (for cron and monitoring).
    --repair rebuilds the roll-ups (as an admin: --as, $EQUIPSHARE_USER or the login
    name), audited, before checking; --repair --dry-run only counts what differs.

    \b
    Examples:
      equipshare check
      equipshare check --format json > problems.json
      equipshare check --repair --dry-run
    """
    if dry_run and not repair:
        raise click.UsageError("--dry-run goes with --repair", ctx)
    with cli_state(ctx).open(require_head=not repair) as context, working("checking"):
        from equipshare.services.admin.service import IntegrityService, RollupRepairService

        if repair:
            actor = resolve_actor(context, as_user)
            done = RollupRepairService(context).repair(actor, dry_run=dry_run)
            say(_repaired(done))
        report = IntegrityService(context).check()
    rows = [{"check": p.check, "ids": p.ids, "detail": p.detail} for p in report.problems]
    if rows or output != "table":
        emit(rows, ["check", "ids", "detail"], output)
    summary = f"{report.engine}, {len(report.checks)} checks ({report.checks[0]})"
    if report.clean:
        say(f"ok: no problems found: {summary}")
        return
    say(f"found {len(rows)} problem{'s' if len(rows) != 1 else ''}: {summary}")
    ctx.exit(1)


def _repaired(done: RollupRepair) -> str:
    days, before, after = done.differing_days, done.rows_before, done.rows_after
    differ = f"{count_words(days, 'instrument-day')} of the booking roll-ups differed"
    if done.differing_months:
        months = count_words(done.differing_months, "instrument-month")
        differ = f"{differ} ({months} from their days)"
    if done.differing_host_months:
        hosts = count_words(done.differing_host_months, "host institution-month")
        differ = f"{differ} ({hosts} from their instrument-months)"
    rows = count_words(before, "row")
    rolled = days or done.differing_months or done.differing_host_months
    weeks = ""
    if done.differing_opening_weeks:
        counted = count_words(done.differing_opening_weeks, "instrument")
        weeks = f"the opening weeks of {counted} differed from their hours"
    if done.dry_run:
        if weeks and not rolled:  # the roll-ups' rows are beside the point
            return f"dry run: {weeks}; nothing changed"
        found = f"{differ} from their bookings" + (f"; {weeks}" if weeks else "")
        return f"dry run: {found}; nothing changed ({rows})"
    if not (rolled or weeks):
        return f"repair: the booking roll-ups match their bookings; nothing to do ({rows})"
    done_parts = [f"{differ}; rebuilt from the bookings, {rows} -> {after:,}"] if rolled else []
    if weeks:
        done_parts.append(f"{weeks}; rebuilt from the hours")
    return f"repaired: {'; '.join(done_parts)}"


@click.command("purge")
@click.option("--before", "before", required=True, metavar="DATE", help="e.g. 2025-09-01.")
@click.option("--dry-run", is_flag=True, help="Report what would be deleted; delete nothing.")
@format_option
@as_option
@common_options
@click.pass_context
def purge(ctx: click.Context, before: str, dry_run: bool, output: str, as_user: str | None) -> None:
    """Delete cancelled and rejected bookings, and audit events, from before DATE (admins).

    The [retention] periods in equipshare.toml are a floor: bookings that ended within
    cancelled_days and audit events within audit_days are kept whatever DATE says. A
    charged late cancellation stays until an issued statement has billed it and it is
    past financial_days (six years), so no statement ever loses a line. The
    messages of deleted bookings go with them, and so does a series once all its
    occurrences have. Safe to run twice: the second run deletes nothing.

    \b
    Examples:
      equipshare purge --before 2025-09-01 --dry-run
      equipshare purge --before $(date -d '1 year ago' +%F)     # nightly cron
    """
    day = parse_date(before, "--before")
    with cli_state(ctx).open() as context, working("purging"):
        from equipshare.services.admin.service import RetentionService

        actor = resolve_actor(context, as_user)
        report = RetentionService(context).purge(actor, day, dry_run=dry_run)
    rows = [
        {"deleted": "bookings", "count": report.bookings, "before": report.bookings_before},
        {"deleted": "notifications", "count": report.notifications, "before": None},
        {"deleted": "series", "count": report.series, "before": None},
        {"deleted": "audit_events", "count": report.audit_events, "before": report.audit_before},
        {"deleted": "sign_ins", "count": report.sign_ins, "before": report.audit_before},
    ]
    emit(rows, ["deleted", "count", "before"], output)
    verb = "dry run: would delete" if dry_run else "deleted"
    say(
        f"{verb} {count_words(report.bookings, 'booking')} ended before "
        f"{report.bookings_before:%Y-%m-%d %H:%M} UTC, "
        f"{count_words(report.notifications, 'notification')}, {report.series} series and "
        f"{count_words(report.audit_events, 'audit event')} from before "
        f"{report.audit_before:%Y-%m-%d %H:%M} UTC"
        + (f", with {report.sign_ins} browser sign-ins" if report.sign_ins else "")
        + (
            f"; kept {report.kept_charged} charged bookings that statements bill "
            "([retention] financial_days)"
            if report.kept_charged
            else ""
        )
    )


@click.command("anonymise")
@click.option("--inactive-since", "since", required=True, metavar="DATE", help="e.g. 2023-01-01.")
@click.option("--dry-run", is_flag=True, help="List who would be anonymised; change nothing.")
@format_option
@as_option
@common_options
@click.pass_context
def anonymise(
    ctx: click.Context, since: str, dry_run: bool, output: str, as_user: str | None
) -> None:
    """Replace the personal data of users inactive since DATE (admins).

    Inactive means nothing from DATE on: no booking held, made or assisted, no audited
    action, no training given or taken, no calendar feed used, no browser or SSH sign-in.
    Their name, email and username become anon-<id>, the account is deactivated, and their
    feed tokens, SSH keys, browser sessions, messages and credit profile are deleted.
    Bookings keep the user id and institution, so usage statistics still add up (as UK GDPR
    expects). You are never anonymised, so neither is the last admin. One audit event per
    user, without the old data. Safe to run twice.

    \b
    Examples:
      equipshare anonymise --inactive-since 2023-01-01 --dry-run
      equipshare anonymise --inactive-since $(date -d '3 years ago' +%F)
    """
    day = parse_date(since, "--inactive-since")
    with cli_state(ctx).open() as context, working("anonymising"):
        from equipshare.services.admin.service import RetentionService

        actor = resolve_actor(context, as_user)
        report = RetentionService(context).anonymise(actor, day, dry_run=dry_run)
    rows = [
        {
            "user_id": user.user_id,
            "pseudonym": user.pseudonym,
            "role": user.role,
            "institution": user.institution_code,
            "bookings": user.bookings,
        }
        for user in report.users
    ]
    if rows or output != "table":
        emit(rows, ["user_id", "pseudonym", "role", "institution", "bookings"], output)
    verb = "dry run: would anonymise" if dry_run else "anonymised"
    say(f"{verb} {count_words(len(rows), 'user')} inactive since {day:%Y-%m-%d}")


@click.command("close-past")
@click.option("--dry-run", is_flag=True, help="Count what would be closed; change nothing.")
@as_option
@common_options
@click.pass_context
def close_past(ctx: click.Context, dry_run: bool, as_user: str | None) -> None:
    """Mark confirmed bookings that have ended as completed (admins; for nightly cron).

    Where the facility requires check-in and nobody checked in, the booking becomes a
    no-show instead, and keeps its full price (no-shows pay in full). Where the facility
    charges for actual time, a session checked in but never checked out is billed from
    check-in to its booked end. A request nobody decided before it ended lapses: it is
    rejected, free, "not decided before it ended" (it can no longer be approved). Safe to
    run twice: the second run finds none.

    \b
    Examples:
      equipshare close-past --dry-run
      15 2 * * *  EQUIPSHARE_USER=root equipshare close-past      # crontab
    """
    with cli_state(ctx).open() as context, working("closing past bookings"):
        from equipshare.services.bookings.service import PastBookingService

        actor = resolve_actor(context, as_user)
        report = PastBookingService(context).close_past(actor, dry_run=dry_run)
    say(closed_words(report))


def closed_words(report: ClosePastReport) -> str:
    """What a close-past run did (or, dry, would do), in one line."""
    verb = "dry run: would mark" if report.dry_run else "marked"
    return (
        f"{verb} {count_words(len(report.completed_ids), 'booking')} completed and "
        f"{count_words(len(report.no_show_ids), 'no-show')}, and lapsed "
        f"{count_words(len(report.lapsed_ids), 'undecided request')} "
        f"(ended by {report.now:%Y-%m-%d %H:%M} UTC)"
    )

"""`equipshare notify`: send the outbox by email, at most once per message; fit for cron."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.enums import NotificationStatus
from equipshare.domain.errors import InputError
from equipshare.domain.records.operations.notify import NotifyReport
from equipshare.services.bookings.service import WaitlistService
from equipshare.services.notify.service import NotifyService, Progress

COLUMNS = ("id", "kind", "user", "to", "status", "attempts", "subject", "detail")
SHOWN = {
    NotificationStatus.SENT: "sent",
    NotificationStatus.PENDING: "retry later",
    NotificationStatus.FAILED: "failed",
    NotificationStatus.SKIPPED: "skipped",
    NotificationStatus.SENDING: "unknown",
}


@contextmanager
def _progress_bar() -> Iterator[Progress | None]:
    """A rich bar on stderr when a person watches; nothing under cron."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar

    with Bar(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("sending", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _say(report: NotifyReport) -> None:
    """One line per kind of thing done, on stderr."""
    if report.reminders_queued or report.training_warnings_queued:
        verb = "would queue" if report.dry_run else "queued"
        click.echo(
            f"{verb} {report.reminders_queued} reminder(s) and "
            f"{report.training_warnings_queued} training expiry warning(s)",
            err=True,
        )
    if not report.deliveries:
        click.echo("nothing due to send", err=True)
    elif report.dry_run:
        sent = report.count(NotificationStatus.SENT)
        skipped = report.count(NotificationStatus.SKIPPED)
        click.echo(
            f"dry run: would send {sent}, would skip {skipped}; nothing was sent or changed",
            err=True,
        )
    else:
        parts = [f"{report.count(status)} {SHOWN[status]}" for status in SHOWN]
        click.echo("delivered: " + ", ".join(parts), err=True)
    if report.stopped:
        click.echo(f"stopped early: {report.stopped}", err=True)
    for failed in report.failed:
        click.echo(
            f"attention: message {failed.notification_id} ({failed.kind.value} to "
            f"{failed.to or failed.username}) failed: {failed.detail}; once the address or "
            f"the mail server is put right, `equipshare notify --requeue {failed.notification_id}`",
            err=True,
        )
    for stuck in report.stuck:
        click.echo(
            f"attention: message {stuck.notification_id} ({stuck.kind.value} to "
            f"{stuck.to or stuck.username}) was claimed {stuck.claimed_at:%Y-%m-%d %H:%M} UTC "
            "and never marked sent, so it was not sent again; check the mail server's log, "
            f"then run `equipshare notify --mark-sent {stuck.notification_id}` or "
            f"`--requeue {stuck.notification_id}`",
            err=True,
        )


@click.command("notify")
@click.option(
    "--dry-run", is_flag=True, help="Show what would be queued and sent; send and change nothing."
)
@click.option(
    "--limit", type=click.IntRange(min=1), metavar="N", help="Send at most N messages this run."
)
@click.option(
    "--requeue",
    type=int,
    multiple=True,
    metavar="ID",
    help="Send a stuck or failed message again (repeatable); sends nothing else.",
)
@click.option(
    "--mark-sent",
    type=int,
    multiple=True,
    metavar="ID",
    help="Settle a stuck message that the mail log shows was delivered (repeatable).",
)
@format_option
@as_option
@common_options
@click.pass_context
def notify(
    ctx: click.Context,
    dry_run: bool,
    limit: int | None,
    requeue: tuple[int, ...],
    mark_sent: tuple[int, ...],
    output: str,
    as_user: str | None,
) -> None:
    """Email what the outbox holds: confirmations, approvals, cancellations, waitlist
    offers, reminders before bookings and warnings before training expires (admins).

    Each run first passes on the waitlist holds that ran out (offering each range to the
    next in line) and queues the reminders ([notifications] reminder_hours before a confirmed
    booking) and training warnings (training_expiry_days ahead) that have come due; each is
    queued once however often notify runs. It then sends every due message through the
    [smtp] server of equipshare.toml, one row per message on stdout, a summary on stderr.

    Exactly once: a message is claimed before it is sent and marked sent after. If notify
    dies in between, the message is NOT sent again; after claim_timeout_minutes it is
    reported as needing attention until --mark-sent or --requeue settles it.
    A 4xx refusal is retried later with doubling waits up to max_attempts; a 5xx fails at
    once. Messages to deactivated or anonymised users are skipped, with the reason kept,
    and so is a message whose subject has moved on since it was queued (an approval asked
    for a booking approved since, a confirmation of a booking cancelled or moved since, a
    notice superseded by a newer one about the same booking, an offer no longer standing).

    Exit 1 when anything needs a person: a message failed this run, one is stuck, or the
    run stopped early (the mail server went away); cron then mails its output to you.
    A message still to be retried after a 4xx is not a failure (yet).

    \b
    Examples:
      equipshare notify --dry-run              what would go out now
      equipshare notify --limit 200 --format json
      equipshare notify --requeue 812          after checking the mail log
    \b
    From cron, every five minutes:
      */5 * * * * equipshare notify
    """
    if (requeue or mark_sent) and dry_run:
        raise InputError("--dry-run cannot be combined with --requeue or --mark-sent")
    if set(requeue) & set(mark_sent):
        raise InputError("a message cannot be both requeued and marked sent", "--requeue")
    state = cli_state(ctx)
    with state.open() as context:
        actor = resolve_actor(context, as_user)
        service = NotifyService(context)
        if requeue or mark_sent:
            for ids, sent in ((requeue, False), (mark_sent, True)):
                if ids:
                    service.settle(actor, ids, sent=sent)
                    verb = "marked sent" if sent else "queued to send again"
                    click.echo(f"{verb}: {', '.join(map(str, ids))}", err=True)
            return
        if not dry_run:  # waitlist holds that ran out pass on, so their offers go out now
            WaitlistService(context).pass_lapsed_holds(actor)
        with _progress_bar() as progress:
            report = service.run(actor, dry_run=dry_run, limit=limit, progress=progress)
    rows = [
        {
            "id": d.notification_id,
            "kind": d.kind,
            "user": d.username,
            "to": d.to,
            "status": SHOWN[d.status] if not report.dry_run else f"would be {d.status.value}",
            "attempts": d.attempts,
            "subject": d.subject,
            "detail": d.detail,
        }
        for d in report.deliveries
    ]
    if rows or output != "table":
        emit(rows, COLUMNS, output)
    _say(report)
    if report.needs_attention:
        ctx.exit(1)

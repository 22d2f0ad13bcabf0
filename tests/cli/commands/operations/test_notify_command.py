"""`equipshare notify` through the real CLI, a real local SMTP server and both engines.

The CLI runs on the system clock, so messages are queued at the real now.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.queue import Notification
from equipshare.domain.enums import NotificationKind, NotificationStatus
from equipshare.services.notify.outbox import queue_notification
from tests.cli.conftest import Invoke
from tests.support.mailbox import Mailbox, running_mailbox, smtp_toml
from tests.support.world import World

ROOT = {"EQUIPSHARE_USER": "root"}


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


@pytest.fixture
def config(tmp_path: Path, mailbox: Mailbox) -> Path:
    path = tmp_path / "mail.toml"
    path.write_text(smtp_toml(mailbox), encoding="utf-8")
    return path


@pytest.fixture
def queued(database: Database, world: World) -> list[int]:
    """Two messages due now: one for alice, one for the deactivated user `gone`."""
    ids = []
    with database.sessions.begin() as session:
        for user in ("alice", "gone"):
            row = queue_notification(
                session,
                user_id=world.users[user],
                kind=NotificationKind.BOOKING_CONFIRMED,
                subject=f"Booked: for {user}",
                body="Your booking is confirmed.",
                at=datetime.now(UTC),
            )
            session.flush()
            ids.append(row.id)
    return ids


def statuses(database: Database) -> list[NotificationStatus]:
    with database.readonly() as session:
        return list(session.scalars(select(Notification.status).order_by(Notification.id)))


def test_sends_what_is_due_once_and_a_second_run_sends_nothing(
    invoke: Invoke, database_url: str, database: Database, config: Path, mailbox: Mailbox,
    queued: list[int],
) -> None:  # fmt: skip
    first = invoke(
        "notify", "--format", "csv", "--db", database_url, "--config", str(config), env=ROOT
    )
    assert first.exit_code == 0, first.output
    assert [m["To"] for m in mailbox.messages] == ["alice@example.ac.uk"]
    assert first.stdout.splitlines() == [
        "id,kind,user,to,status,attempts,subject,detail",
        f"{queued[0]},booking_confirmed,alice,alice@example.ac.uk,sent,1,Booked: for alice,",
        f"{queued[1]},booking_confirmed,gone,,skipped,0,Booked: for gone,"
        "recipient's account is deactivated",
    ]
    assert first.stderr == "delivered: 1 sent, 0 retry later, 0 failed, 1 skipped, 0 unknown\n"
    assert statuses(database) == [NotificationStatus.SENT, NotificationStatus.SKIPPED]

    second = invoke("notify", "--db", database_url, "--config", str(config), env=ROOT)
    assert second.exit_code == 0, second.output
    assert (second.stdout, second.stderr) == ("", "nothing due to send\n")
    assert len(mailbox.messages) == 1


def test_dry_run_lists_what_would_go_and_sends_and_changes_nothing(
    invoke: Invoke, database_url: str, database: Database, config: Path, mailbox: Mailbox,
    queued: list[int],
) -> None:  # fmt: skip
    result = invoke(
        "notify", "--dry-run", "--format", "json", "--db", database_url, "--config", str(config),
        env=ROOT,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["id"], r["user"], r["status"]) for r in rows] == [
        (queued[0], "alice", "would be sent"),
        (queued[1], "gone", "would be skipped"),
    ]
    assert "dry run: would send 1, would skip 1; nothing was sent or changed" in result.stderr
    assert mailbox.messages == []
    assert statuses(database) == [NotificationStatus.PENDING, NotificationStatus.PENDING]


def test_without_an_smtp_host_it_says_so_on_one_line_and_exits_2(
    invoke: Invoke, database_url: str, tmp_path: Path, queued: list[int], database: Database
) -> None:
    config = tmp_path / "no-mail.toml"
    config.write_text('[smtp]\nfrom_address = "equipshare@example.ac.uk"\n', encoding="utf-8")
    result = invoke("notify", "--db", database_url, "--config", str(config), env=ROOT)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {config}: [smtp] host is not set; notify needs an SMTP server\n"
    )
    assert statuses(database) == [NotificationStatus.PENDING, NotificationStatus.PENDING]


def test_bad_usage_and_non_admins_are_refused(
    invoke: Invoke, database_url: str, config: Path, mailbox: Mailbox, queued: list[int]
) -> None:
    args = ("--db", database_url, "--config", str(config))
    refused = invoke("notify", *args, env={"EQUIPSHARE_USER": "alice"})
    assert refused.exit_code == 1
    assert refused.stderr.startswith("refused: alice may not deliver or settle notifications")
    mixed = invoke("notify", "--dry-run", "--requeue", str(queued[0]), *args, env=ROOT)
    assert mixed.exit_code == 2 and mixed.stderr.count("\n") == 1
    wrong = invoke("notify", "--requeue", str(queued[0]), *args, env=ROOT)
    assert wrong.exit_code == 1
    assert "is pending; only sending (stuck) or failed messages" in wrong.stderr
    assert mailbox.messages == []


def test_a_message_refused_for_good_exits_1_and_names_it(
    invoke: Invoke, database_url: str, database: Database, config: Path, mailbox: Mailbox,
    queued: list[int],
) -> None:  # fmt: skip
    mailbox.permanent.add("alice@example.ac.uk")
    result = invoke("notify", "--db", database_url, "--config", str(config), env=ROOT)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        "delivered: 0 sent, 0 retry later, 1 failed, 1 skipped, 0 unknown",
        f"attention: message {queued[0]} (booking_confirmed to alice@example.ac.uk) failed: "
        "550 5.1.1 no such user here (permanent refusal); once the address or the mail server "
        f"is put right, `equipshare notify --requeue {queued[0]}`",
    ]
    assert statuses(database) == [NotificationStatus.FAILED, NotificationStatus.SKIPPED]
    assert mailbox.messages == []

    quiet = invoke("notify", "--db", database_url, "--config", str(config), env=ROOT)
    assert (quiet.exit_code, quiet.stderr) == (0, "nothing due to send\n")  # told once


def test_a_message_retried_later_is_no_failure_yet(
    invoke: Invoke, database_url: str, database: Database, config: Path, mailbox: Mailbox,
    queued: list[int],
) -> None:  # fmt: skip
    mailbox.temporary.add("alice@example.ac.uk")
    result = invoke("notify", "--db", database_url, "--config", str(config), env=ROOT)
    assert result.exit_code == 0, result.output
    assert "1 retry later, 0 failed" in result.stderr

"""A real SMTP server on localhost (aiosmtpd) that keeps what it accepts and refuses on cue."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from equipshare.config import NotificationSettings, Settings, SmtpSettings


class Mailbox:
    """The handler: RCPT to `temporary` gets 451, to `permanent` 550; DATA is kept.

    DATA for an address in `drop` is kept too, but the connection is cut before the reply:
    the server has the message and the client cannot know it.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.temporary: set[str] = set()
        self.permanent: set[str] = set()
        self.drop: set[str] = set()
        self.port = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.temporary:
            return "451 4.2.1 mailbox busy, try again later"
        if address in self.permanent:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        if set(envelope.rcpt_tos) & self.drop:
            server.transport.close()
        return "250 OK: queued"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def mail_settings(base: Settings, box: Mailbox, **notifications: int) -> Settings:
    """`base` sending to the local mailbox, with notification settings changed as given."""
    return replace(
        base,
        smtp=SmtpSettings(
            host="127.0.0.1",
            port=box.port,
            security="none",
            from_address="equipshare@example.ac.uk",
            timeout_seconds=5,
        ),
        notifications=replace(NotificationSettings(), **notifications),
    )


def smtp_toml(box: Mailbox) -> str:
    """The [smtp] table of an equipshare.toml that sends to the local mailbox."""
    return (
        f'[smtp]\nhost = "127.0.0.1"\nport = {box.port}\nsecurity = "none"\n'
        'from_address = "equipshare@example.ac.uk"\ntimeout_seconds = 5\n'
    )

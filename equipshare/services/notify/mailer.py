"""Sending plain-text mail over SMTP, with every failure sorted into what notify can do about it.

A refusal the server states with a code is certain: 4xx means "not now" (retry later),
5xx means "never" (give up). Anything else while a message is on the wire (a dropped
connection, a timeout) leaves its fate unknown: the server may have queued it. Notify
delivers at most once, so it never retries those by itself.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

from equipshare.config import SmtpSettings
from equipshare.domain.errors import ConfigError, EquipshareError


class MailServerUnavailable(EquipshareError):
    """The SMTP server cannot be reached or refuses our login; nothing was sent."""

    exit_code = 1


class SendRefused(Exception):
    """The server answered a message with an error code; nothing was delivered."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.code = code

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500


class DeliveryUncertain(Exception):
    """The connection failed while a message was on the wire; it may have been delivered."""


@dataclass(frozen=True)
class Outgoing:
    """One message ready to go: who to, what, and a Message-ID that names its outbox row."""

    to: str
    subject: str
    body: str
    message_id: str
    date: datetime


class Mailer(Protocol):
    """What notify needs from a mail transport; tests can wrap the real one."""

    def ready(self) -> None:
        """Make sure a connection is open, reconnecting if need be; raise if impossible."""

    def send(self, message: Outgoing) -> None:
        """Hand over one message; raise SendRefused or DeliveryUncertain on failure."""

    def close(self) -> None: ...


def smtp_password(settings: SmtpSettings) -> str | None:
    """The password from the environment variable the config names, or None for no login."""
    if not settings.username:
        return None
    if not settings.password_env:
        raise ConfigError("[smtp] username is set but password_env is not")
    password = os.environ.get(settings.password_env)
    if password is None:
        raise ConfigError(f"[smtp] password_env names ${settings.password_env}, which is not set")
    return password


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def sender_domain(from_address: str) -> str:
    return from_address.rpartition("@")[2] or "equipshare.invalid"


def build_email(message: Outgoing, from_address: str) -> EmailMessage:
    """A plain-text UTF-8 email, marked auto-generated so vacation replies stay quiet."""
    email = EmailMessage()
    email["From"] = from_address
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.date)
    email["Message-ID"] = message.message_id
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    return email


class SmtpMailer:
    """One SMTP connection reused for a run's messages, reopened when the server drops it."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._password = smtp_password(settings)
        self._smtp: smtplib.SMTP | None = None

    def _where(self) -> str:
        return f"{self._settings.host}:{self._settings.port}"

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        try:
            smtp: smtplib.SMTP
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout_seconds, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, self._password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise MailServerUnavailable(
                f"SMTP server {self._where()} refused the login of {s.username!r}: "
                f"{exc.smtp_code} {_text(exc.smtp_error)}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailServerUnavailable(
                f"cannot reach SMTP server {self._where()}: {exc}"
            ) from None
        return smtp

    def ready(self) -> None:
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
        self._smtp = self._connect()

    def send(self, message: Outgoing) -> None:
        if self._smtp is None:
            raise DeliveryUncertain("not connected")  # pragma: no cover - ready() first
        email = build_email(message, self._settings.from_address)
        try:
            self._smtp.send_message(email, self._settings.from_address, [message.to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise SendRefused(code, _text(text)) from None
        except smtplib.SMTPResponseException as exc:
            shown = _text(exc.smtp_error)
            if 400 <= exc.smtp_code < 600:
                raise SendRefused(exc.smtp_code, shown) from None
            self._smtp = None
            raise DeliveryUncertain(f"{exc.smtp_code} {shown}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._smtp = None
            raise DeliveryUncertain(f"connection lost while sending: {exc}") from None

    def close(self) -> None:
        if self._smtp is None:
            return
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self._smtp.quit()
        self._smtp = None

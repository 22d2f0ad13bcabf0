"""The real app over SSH, on both engines: OpenSSH's own client, in a terminal as a person runs
it, signs in with alice's key under any username, books WAR-XPS-01 with the keyboard and
quits; the booking is alice's in the database, and her sign-in is audited with the key."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument, User
from equipshare.server.ssh.server import SshOptions
from equipshare.services.plumbing.context import ServiceContext
from tests.server.ssh.clients import OpenSshTerminal, app_terminal, openssh_terminal
from tests.server.ssh.live import ClientKey, audit_afters, live_ssh, until

pytestmark = pytest.mark.slow

XPS = "WAR-XPS-01"
ESC = b"\x1b"
UP, DOWN = b"\x1b[A", b"\x1b[B"


def next_monday(today: date) -> date:
    """A Monday at least three days ahead: open 09:00-17:00 and far past the notice."""
    ahead = (7 - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead + (7 if ahead < 3 else 0))


def next_free_shown(screen: str) -> bool:
    rows = [line for line in screen.splitlines() if line.strip().startswith("WAR-")]
    return bool(rows) and "instruments shown" in screen and not any("…" in r for r in rows)


def bookings_of(context: ServiceContext, code: str) -> list[tuple[str, str]]:
    with context.database.sessions() as session:
        rows = session.execute(
            select(User.username, Booking.purpose)
            .join(User, User.id == Booking.user_id)
            .join(Instrument, Instrument.id == Booking.instrument_id)
            .where(Instrument.code == code)
        ).all()
    return [(str(username), str(purpose)) for username, purpose in rows]


async def to_ten_o_clock(ssh: OpenSshTerminal, day: date) -> None:
    """Move the week's cursor from the hour it kept (now's, which may be after closing) to
    10:00 on `day`, a slot at a time, as a person would with the arrow keys."""
    said = f"{day:%a} {day.day} {day:%b %Y} "
    slot_line = re.compile(re.escape(said) + r"(\d\d):(\d\d)-(\d\d):(\d\d)")
    await until(lambda: bool(slot_line.search(ssh.screen.text())), 30, "the slot line",
                ssh.screen.text)  # fmt: skip
    found = slot_line.search(ssh.screen.text())
    assert found, ssh.screen.text()
    start, end = (int(found[1]) * 60 + int(found[2]), int(found[3]) * 60 + int(found[4]))
    slot = (end - start) % (24 * 60) or 60
    steps = (10 * 60 - start) // slot
    await ssh.keys(*([DOWN] if steps > 0 else [UP]) * abs(steps))
    await ssh.shows(f"{said}10:00-")


async def test_openssh_signs_in_by_key_books_with_the_keyboard_and_quits(
    context: ServiceContext, alice_key: ClientKey, options: SshOptions, tmp_path: Path
) -> None:
    monday = next_monday(datetime.now(UTC).date())
    before = bookings_of(context, XPS)
    async with live_ssh(context, options) as server:
        started = time.monotonic()
        async with openssh_terminal(server.port, alice_key, tmp_path / "known_hosts") as ssh:
            await ssh.shows("signed in as alice", 60)
            first_frame = time.monotonic() - started
            # Typed while "Next free" still loads, the search loses characters (the app's
            # doing, not the server's); a person waits for the table to settle, and so do we.
            await until(lambda: next_free_shown(ssh.screen.text()), 60, "next free times",
                        ssh.screen.text)  # fmt: skip
            await ssh.shows("Institution")  # the filter bar, built after the first rows
            await asyncio.sleep(0.5)  # a person reads the screen before searching it
            await ssh.keys("/", *"XPS", pause=0.15)  # at a person's pace
            await ssh.shows("1 of 1 instrument shown")
            # A lone ESC is told from the start of an escape sequence by the gap after it.
            await ssh.keys(ESC, pause=0.3)
            await ssh.keys("w")
            await ssh.shows(f"{XPS} · week of")
            await ssh.keys("g")
            await ssh.shows("Go to the week of")
            await asyncio.sleep(0.3)  # a person reads the dialog first; its input takes focus
            await ssh.keys(b"\x01", b"\x0b", *monday.isoformat())
            await ssh.shows(f"  {monday.isoformat()}  ")
            await ssh.keys(b"\r")
            await ssh.shows(f"week of {monday:%a} {monday.day} {monday:%b %Y}")
            await to_ten_o_clock(ssh, monday)  # the cursor keeps the hour of now: maybe closed
            await ssh.keys(b"\r")
            await ssh.shows(f"Book {XPS}")
            await ssh.keys(*"over ssh", b"\r")
            await ssh.shows(f"Booked {XPS}")
            await ssh.keys("q")
            assert await ssh.exit_code() == 0
    print(f"OpenSSH: connection to first frame {first_frame:.2f} s")
    assert bookings_of(context, XPS) == [*before, ("alice", "over ssh")]
    assert "whoever" not in {name for name, _ in bookings_of(context, XPS)}
    sign_ins = audit_afters(context, "ssh.sign_in")
    assert [(e["user"], e["fingerprint"], e["address"]) for e in sign_ins] == [
        ("alice", alice_key.fingerprint, "127.0.0.1")
    ]


async def test_asyncssh_sees_the_catalogue_as_the_key_s_owner_whatever_username_it_sends(
    context: ServiceContext, alice_key: ClientKey, options: SshOptions
) -> None:
    async with live_ssh(context, options) as server:
        async with app_terminal(server.port, alice_key, username="root") as terminal:
            await terminal.shows("signed in as alice", 60)
            await terminal.shows(XPS)
            assert "signed in as root" not in terminal.screen.text()
            await terminal.keys("q")
            await terminal.closed.wait()
        assert terminal.exit_status == 0
        assert server.sessions.running() == []

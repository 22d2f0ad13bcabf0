"""The seeded world the snapshots show, and the step that shoots a screen in both themes.

Issue 20 ("snapshots", "nothing cut off"): every screen and main dialog is kept as an SVG
at 80x24 and 160x50, in the dark and the light theme, each looked at when accepted (no
word, heading or label cut, no column out of reach, no text overlapping). Layout does not
depend on the engine, so these run on SQLite only (tests/tui/conftest.py). One app run
per screen shoots both sizes (resizing the terminal, as a user does in tmux) and both
themes, in the order that switches the theme once: a quarter of the app runs that one
run per shot would cost.

Update with `pytest tests/tui/snapshots --snapshot-update`, then render each changed SVG
and look at it before committing.
"""

from __future__ import annotations

import contextlib
import io
import random
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension  # type: ignore[import-untyped]
from rich.console import Console
from rich.segment import Segment
from syrupy.assertion import SnapshotAssertion
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input

from equipshare.db.engine import Database
from equipshare.db.models.charging import RateCard
from equipshare.domain.enums import DowntimeReason, ExportKind, TrainingLevel, UserClass
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.service import BookingService, PastBookingService
from equipshare.services.calendar.service import FeedsService
from equipshare.services.downtime.service import DowntimeService
from equipshare.services.outputs.service import OutputService
from equipshare.services.people.service import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.ssh_keys.service import SshKeysService
from tests.support.ssh_keys import ECDSA_P256, ED25519
from tests.support.world import World, london
from tests.tui.conftest import settle

XPS, MEG, RAM, SEM = "WAR-XPS-01", "WAR-MEG-01", "WAR-RAM-01", "AST-SEM-01"
SIZES = ((80, 24), (160, 50))
FIRST_SIZE = SIZES[0]
THEMES = ("textual-dark", "textual-light")


def fixed_tokens() -> Iterator[str]:
    """Feed tokens the same on every run, so a token's prefix or URL can be snapshotted."""
    alphabet = string.ascii_letters + string.digits + "-_"
    picks = random.Random(20)
    while True:
        yield "".join(picks.choice(alphabet) for _ in range(43))


@pytest.fixture
def fixed_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """secrets.token_urlsafe gives known tokens for the whole test (the feed dialog's URL)."""
    tokens = fixed_tokens()
    monkeypatch.setattr("secrets.token_urlsafe", lambda nbytes=None: next(tokens))


@pytest.fixture
def seeded(
    context: ServiceContext,
    world: World,
    clock: FrozenClock,
    database: Database,
    fixed_secrets: None,
) -> ServiceContext:
    """The world with a February to report on and a week of bookings ahead.

    The clock stands at Mon 16 Mar 2026 09:00 UTC. February was booked with the clock
    moved back: Aston's bob on Warwick's XPS (once assisted by tech), alice on the XPS and
    Aston's SEM, erin on the Raman, one cancellation and a downtime; the sessions are
    since completed. Ahead: bob's pending XPS request, alice's XPS session and her pending
    MEG request, erin's assisted XPS session, a maintenance on Thursday; erin's XPS
    training runs out in April; alice has two calendar feeds and two SSH keys; bob and
    alice each recorded a paper or dataset against their February sessions.
    """
    with database.sessions.begin() as session:
        session.add(
            RateCard(
                instrument_id=world.instruments[XPS],
                user_class=UserClass.PARTNER,
                hourly_rate=Decimal("30.00"),
                technician_hourly_rate=Decimal("40.00"),
                currency="GBP",
                valid_from=date(2020, 1, 1),
            )
        )
    bookings = BookingService(context)

    def book(user: str, code: str, day: tuple[int, int], start: int, end: int, **extra: Any) -> int:
        request = BookingRequest(code, london(2026, *day, start), london(2026, *day, end), **extra)
        return bookings.book(user, request).id

    now = clock.instant
    clock.instant = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
    shared = [
        book("bob", XPS, (2, 2), 10, 12, purpose="XPS of perovskite films"),
        book("bob", XPS, (2, 3), 10, 13, technician_username="tech", purpose="depth profile"),
        book("alice", SEM, (2, 5), 10, 12, purpose="grain size survey"),
    ]
    surveyed = book("alice", XPS, (2, 4), 10, 11, purpose="survey scans")
    book("erin", RAM, (2, 6), 10, 14, purpose="mapping")
    bookings.cancel("alice", book("alice", XPS, (2, 9), 10, 11), "sample not ready")
    downtime = DowntimeService(context)
    downtime.schedule(
        "tech", XPS, london(2026, 2, 10, 13), london(2026, 2, 10, 15), DowntimeReason.MAINTENANCE
    )
    for booking_id in shared:
        bookings.approve("root", booking_id)
    clock.instant = now
    PastBookingService(context).close_past("root")  # February's sessions completed
    outputs = OutputService(context)
    outputs.add("bob", "10.1000/pvsk.2026.014", "Depth profiles of perovskite films", 2026,
                booking_ids=shared[:2])  # fmt: skip
    outputs.add("alice", "10.5281/zenodo.1234567", "Grain size survey data", 2026,
                booking_ids=(shared[2], surveyed))  # fmt: skip
    book("bob", XPS, (3, 17), 10, 12, purpose="XPS of perovskite films")  # pending
    book("alice", XPS, (3, 18), 10, 11, purpose="survey scans")
    book("alice", MEG, (3, 19), 10, 12, project_code="EP/T01234/1", purpose="magnetometry")
    book("erin", XPS, (3, 20), 13, 16, technician_username="tech", purpose="first session")
    downtime.schedule(
        "tech",
        XPS,
        london(2026, 3, 19, 13),
        london(2026, 3, 19, 15),
        DowntimeReason.MAINTENANCE,
        "new filament",
    )
    TrainingService(context).record(
        "tech", "erin", XPS, TrainingLevel.SUPERVISED, date(2026, 4, 10), "assisted only"
    )
    FeedsService(context).create("alice", ExportKind.USER, "alice", label="phone")
    FeedsService(context).create("alice", ExportKind.INSTRUMENT, XPS, label="lab screen")
    keys = SshKeysService(context)
    keys.add("alice", ED25519.line, actor="alice")
    keys.add("alice", ECDSA_P256.line, "office desktop", actor="alice")
    return context


async def quiet(pilot: Pilot[None]) -> None:
    """Let workers, animations and repaints finish, and hide what moves by itself."""
    app = pilot.app
    with contextlib.suppress(Exception):
        await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    for field in app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor would differ between runs
    # A clicked button shows its press for 0.2 s: shoot it after, however fast the work was.
    pressed = [button for button in app.screen.query(Button) if button.has_class("-active")]
    while any(button.has_class("-active") for button in pressed):
        await pilot.pause(0.05)
    await pilot.pause()


class Shot:
    """What the screen draws at one moment, as the segments an SVG screenshot is made of.

    Equal segments make byte-equal SVGs (the SVG is drawn from them and its ids are a
    checksum of them), so telling whether the screen moved needs no SVG: exporting one
    costs four times what drawing the segments does, and only the last shot is kept.
    """

    def __init__(self, app: App[Any]) -> None:
        # As App.export_screenshot draws the screen, stopping short of the SVG.
        width, height = app.size
        self._console = Console(
            width=width,
            height=height,
            file=io.StringIO(),
            force_terminal=True,
            color_system="truecolor",
            record=True,
            legacy_windows=False,
            safe_box=False,
        )
        self._console.print(
            app.screen._compositor.render_update(
                full=True, screen_stack=app._background_screens, simplify=False
            )
        )
        self.segments = tuple(Segment.filter_control(self._console._record_buffer))
        self._title = app.title

    def svg(self) -> str:
        """The SVG App.export_screenshot gives of the same screen."""
        return self._console.export_svg(title=self._title)


async def steady(pilot: Pilot[None]) -> Shot:
    """The screen once three shots in a row agree: a resize can take more than one refresh
    (a table fits its columns after the refresh that sized it)."""
    await quiet(pilot)
    app = pilot.app
    shot = Shot(app)
    for _ in range(10):
        # Three shots over 0.15 s, workers done between them: on a loaded machine a message
        # that fills a table can wait longer than one short pause.
        shots = [shot]
        for wait in (0.05, 0.1):
            await pilot.pause(wait)
            with contextlib.suppress(Exception):
                await app.workers.wait_for_complete()
            shots.append(Shot(app))
        shot = shots[-1]
        if len({each.segments for each in shots}) == 1:
            break
    return shot


class Shots:
    """Compares the screen in front with its accepted SVG at each size in each theme.

    From the size and theme the app is in: shoot, resize, shoot, switch the theme, shoot,
    resize back, shoot. The app ends at the size it started at, in the other theme.
    """

    def __init__(self, snapshot: SnapshotAssertion) -> None:
        self._snapshot = snapshot.use_extension(SVGImageExtension)

    async def __call__(self, pilot: Pilot[None], name: str = "") -> None:
        app = pilot.app
        app.clear_notifications()  # toasts come and go with the clock
        here = (app.size.width, app.size.height)
        there = next(size for size in SIZES if size != here)
        theme = app.theme
        other = next(each for each in THEMES if each != theme)
        differ = []
        for size, shown_theme in ((here, theme), (there, theme), (there, other), (here, other)):
            if shown_theme != app.theme:
                app.theme = shown_theme
            if size != (app.size.width, app.size.height):
                await pilot.resize_terminal(*size)
            label = "-".join(part for part in (name, f"{size[0]}x{size[1]}", shown_theme) if part)
            if not await self._matches(pilot, label, size, there if size == here else here):
                differ.append(label)
        assert not differ, f"differs from the accepted snapshot: {differ}"

    async def _matches(
        self, pilot: Pilot[None], label: str, size: tuple[int, int], other: tuple[int, int]
    ) -> bool:
        """Whether the screen matches `label`'s snapshot, drawn up to three times.

        A table can settle on either of two drawings of the same layout (its header's
        background as wide as its columns or as itself, by which of its size and its
        columns Textual saw first), so every table is drawn afresh before a shot, which
        always gives the second. A redraw after a resize away and back is the fallback; a
        screen that shows the wrong thing differs every time.
        """
        for attempt in range(3):
            if attempt:
                await pilot.resize_terminal(*other)
                await steady(pilot)
                await pilot.resize_terminal(*size)
            await steady(pilot)
            redraw_tables(pilot)
            if self._snapshot(name=label) == (await steady(pilot)).svg():
                return True
        return False


def redraw_tables(pilot: Pilot[None]) -> None:
    """Draw every table on the screen again from its final size and columns."""
    for table in pilot.app.screen.query(DataTable):
        table._clear_caches()
        table.refresh()


@pytest.fixture
def shots(snapshot: SnapshotAssertion) -> Shots:
    return Shots(snapshot)


async def until(pilot: Pilot[None], screen_name: str) -> Any:
    """Wait for a screen named `screen_name` to be in front and mounted; return it.

    By class name, so the tests survive modules moving under tui/.
    """
    app = pilot.app
    await settle(pilot, lambda: type(app.screen).__name__ == screen_name and app.screen.is_mounted)
    await pilot.pause()
    return app.screen


async def loaded(pilot: Pilot[None], screen_name: str) -> Any:
    """`until`, then wait for the screen's first load (screens with a `loaded` flag)."""
    screen = await until(pilot, screen_name)
    await settle(pilot, lambda: bool(getattr(screen, "loaded", True)))
    return screen


async def started(pilot: Pilot[None], staff: bool = False) -> None:
    """The catalogue is in front with its rows (and, for `staff`, the staff keys offered)."""
    app = pilot.app
    screen = await until(pilot, "CatalogueScreen")
    table = screen.query_one("#catalogue-table")
    await settle(
        pilot, lambda: table.row_count > 0 and (not staff or bool(getattr(app, "staff", False)))
    )
    await settle(pilot, lambda: all(table.cell(c, "next_free") != "…" for c in table.codes))

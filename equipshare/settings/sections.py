"""The settings' frozen dataclasses: one per equipshare.toml table, each field documented.

A new setting goes here, in the table it belongs to, declared with `doc(...)` so its text
reaches the README check; a whole number names its `bounds=(lowest, highest)` there too.
Rules that span fields (a URL's scheme, hours that overlap) are in `checks.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from equipshare.domain.enums import LONGEST_BOOKING_MINUTES
from equipshare.settings.limits import LimitSettings
from equipshare.settings.server import AuthSettings, ServerSettings
from equipshare.settings.ssh import SshSettings

APP_NAME = "equipshare"
SMTP_SECURITY = ("starttls", "ssl", "none")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
YEAR_MINUTES = 366 * DAY_MINUTES
MAX_DAYS = 3660  # ten years: the furthest any window, horizon or warning reaches
MAX_RETENTION_DAYS = 36600  # a century: what records law might ask, and no more
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def doc(
    text: str,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    *,
    bounds: tuple[int, int] | None = None,
    longest: int = 200,
) -> Any:
    """A dataclass field whose documentation, and the range a file may give it, travel with it.

    `bounds` (lowest, highest) is required of every whole number: the loader refuses a value
    outside it, naming the file and key, before it can overflow a date or a database column.
    `longest` caps a string's length.
    """
    metadata = {"doc": text, "bounds": bounds, "longest": longest}
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def default_database_url() -> str:
    """SQLite in the user's data directory: zero set-up for a single site."""
    return f"sqlite:///{Path(platformdirs.user_data_dir(APP_NAME)) / 'equipshare.db'}"


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the data lives."""

    url: str = doc(
        "SQLAlchemy URL: sqlite:///PATH (default: equipshare.db in the user data directory) "
        "or postgresql+psycopg://USER@HOST/DB for multi-site deployments.",
        default="",
        longest=2000,
    )
    read_url: str = doc(
        "postgresql+psycopg:// URL of a streaming replica (hot standby) of url: feeds, "
        "reports, searches and the catalogue read there, everything else on url. Empty means "
        "none; refused beside a SQLite url. Dropped when --db or $EQUIPSHARE_DATABASE_URL "
        "replaces url ($EQUIPSHARE_DATABASE_READ_URL sets it beside them).",
        default="",
        longest=2000,
    )
    replica_wait_ms: int = doc(
        "How long a read that must see a write (the reader's own, or the change stamps a "
        "feed is checked against) waits for the replica to replay it before it reads url "
        "instead; 0 goes to url at once.",
        200,
        bounds=(0, 10_000),
    )


@dataclass(frozen=True)
class OrganisationSettings:
    """Who runs this installation and which clock their facilities keep."""

    name: str = doc("Name shown in the app title and calendar names.", "Midlands Innovation")
    timezone: str = doc(
        "IANA time zone for showing times and reading times given without an offset.",
        "Europe/London",
    )


@dataclass(frozen=True)
class FeedSettings:
    """Calendar subscription feeds."""

    base_url: str = doc(
        "Public base URL of the feed server, used in calendar links: http, https or webcal.",
        "http://localhost:8080",
        longest=2000,
    )
    days_back: int = doc(
        "A feed holds bookings from this many days before today.", 30, bounds=(0, MAX_DAYS)
    )
    days_ahead: int = doc(
        "A feed holds bookings up to this many days after today.", 365, bounds=(1, MAX_DAYS)
    )
    warn_kilobytes: int = doc(
        "Log a warning when a feed grows past this many kilobytes (Google drops feeds over "
        "about 1 MB).",
        1024,
        bounds=(1, 1024 * 1024),
    )
    cached_events: int = doc(
        "How many rendered events the feed server keeps in memory; 0 turns the cache off.",
        50000,
        bounds=(0, 10_000_000),
    )


@dataclass(frozen=True)
class CalendarSettings:
    """What exported calendars and feeds show, and how long cancellations stay in them."""

    cancelled_grace_days: int = doc(
        "Days a cancelled or rejected booking stays in calendars, marked cancelled, so "
        "subscribed clients remove it; after that it is left out.",
        7,
        bounds=(0, MAX_DAYS),
    )
    refresh_minutes: int = doc(
        "How often calendar clients are asked to refresh a feed (REFRESH-INTERVAL and "
        "X-PUBLISHED-TTL); Google ignores it.",
        60,
        bounds=(1, WEEK_MINUTES),
    )
    show_booker: bool = doc(
        "Show the booker's name and email on instrument, facility and institution calendars "
        "instead of only their institution; a user's own calendar always shows them.",
        False,
    )
    show_project: bool = doc(
        "Show the booking's purpose and project code on instrument, facility and institution "
        "calendars; a user's own calendar always shows them.",
        False,
    )


@dataclass(frozen=True)
class BookingDefaults:
    """Booking policy given to new instruments; each instrument may then differ."""

    slot_minutes: int = doc(
        "Bookings start and end on multiples of this many minutes.", 30, bounds=(1, DAY_MINUTES)
    )
    min_minutes: int = doc("Shortest booking, in minutes.", 30, bounds=(1, LONGEST_BOOKING_MINUTES))
    max_minutes: int = doc("Longest booking, in minutes.", 480, bounds=(1, LONGEST_BOOKING_MINUTES))
    min_notice_minutes: int = doc(
        "How long before its start a booking must be made.", 60, bounds=(0, YEAR_MINUTES)
    )
    max_days_ahead: int = doc("How many days ahead a booking may start.", 90, bounds=(1, MAX_DAYS))
    requires_approval: bool = doc("Whether bookings wait for a facility manager.", False)
    requires_training: bool = doc("Whether users need a training record to book.", True)
    allow_overnight: bool = doc("Whether a booking may run through closed hours.", False)
    weekly_quota_hours: int = doc(
        "Hours per user and instrument per week; 0 means none.", 0, bounds=(0, 7 * 24)
    )
    waitlist_hold_minutes: int = doc(
        "How long a freed range is held for the first user waiting for it before it passes "
        "to the next; a hold always ends before the instrument's notice would forbid booking.",
        60,
        bounds=(1, WEEK_MINUTES),
    )
    opening_hours: Mapping[str, tuple[str, ...]] = doc(
        "Open intervals per weekday (mon..sun) as HH:MM-HH:MM in the facility's zone; "
        "a day left out is closed.",
        default_factory=lambda: {
            day: ("09:00-17:00",) for day in ("mon", "tue", "wed", "thu", "fri")
        },
    )

    def opening_minutes(self) -> dict[int, list[tuple[int, int]]]:
        """Opening hours as weekday number -> [(opens_minute, closes_minute)]."""
        result: dict[int, list[tuple[int, int]]] = {}
        for day, intervals in self.opening_hours.items():
            result[WEEKDAYS.index(day)] = [parse_interval(i) for i in intervals]
        return result


@dataclass(frozen=True)
class TuiSettings:
    """How the terminal app looks and keeps up."""

    theme: str = doc(
        "Textual theme: textual-dark, textual-light, nord, gruvbox, tokyo-night and others; "
        "ctrl+p lists them all.",
        "textual-dark",
    )
    live_check_ms: int = doc(
        "How often, in milliseconds, the screen in front asks the database whether what it "
        "shows has changed, in this process or any other (one indexed read); it reloads only "
        "when something has.",
        2000,
        bounds=(100, 60_000),
    )


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server `equipshare notify` sends through; never holds a password itself."""

    host: str = doc("SMTP server name; empty means notify has nowhere to send and refuses.", "")
    port: int = doc(
        "SMTP port: 587 for starttls, 465 for ssl, 25 for none.", 587, bounds=(1, 65535)
    )
    security: str = doc(
        "How the connection is protected: starttls (upgrade a plain connection), ssl "
        "(TLS from the first byte) or none (only for a relay on localhost).",
        "starttls",
    )
    username: str = doc("Login name for SMTP AUTH; empty means no login.", "")
    password_env: str = doc(
        "Name of the environment variable holding the SMTP password (the password itself "
        "never goes in this file).",
        "",
    )
    from_address: str = doc("Sender address of every message, e.g. equipshare@example.ac.uk.", "")
    timeout_seconds: int = doc(
        "Give up on a silent SMTP server after this many seconds.", 30, bounds=(1, 3600)
    )


@dataclass(frozen=True)
class NotificationSettings:
    """When time-based messages are queued, and how failed deliveries are retried."""

    reminder_hours: int = doc(
        "Remind a user of a confirmed booking this many hours before it starts.",
        24,
        bounds=(1, 366 * 24),
    )
    training_expiry_days: int = doc(
        "Warn a user this many days before their training on an instrument expires.",
        30,
        bounds=(0, MAX_DAYS),
    )
    retry_base_seconds: int = doc(
        "Wait after a temporary (4xx) failure; doubled after each further failure.",
        300,
        bounds=(1, 24 * 3600),
    )
    max_attempts: int = doc(
        "Give a message up as failed after this many temporary failures.", 6, bounds=(1, 100)
    )
    claim_timeout_minutes: int = doc(
        "A message claimed for sending but never marked sent (a crash mid-send) is reported "
        "as needing attention after this many minutes; it is never resent by itself.",
        15,
        bounds=(1, WEEK_MINUTES),
    )


@dataclass(frozen=True)
class RetentionSettings:
    """How long `equipshare purge` keeps what it may delete; a floor no --before date can lower."""

    cancelled_days: int = doc(
        "Cancelled and rejected bookings are kept at least this many days after they end "
        "(at least [calendar] cancelled_grace_days, so calendars can drop them first).",
        90,
        bounds=(0, MAX_RETENTION_DAYS),
    )
    audit_days: int = doc(
        "Audit events are kept at least this many days (six years by default, as UK "
        "records guidance suggests); older ones may be purged.",
        2190,
        bounds=(0, MAX_RETENTION_DAYS),
    )
    financial_days: int = doc(
        "Charged bookings (what a recharge statement bills) are kept at least this many days "
        "after they end, whatever cancelled_days says, and their users are not anonymised "
        "before then (six years, as UK financial records need).",
        2190,
        bounds=(0, MAX_RETENTION_DAYS),
    )


@dataclass(frozen=True)
class Settings:
    """Everything equipshare.toml can say."""

    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    organisation: OrganisationSettings = field(default_factory=OrganisationSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    booking: BookingDefaults = field(default_factory=BookingDefaults)
    tui: TuiSettings = field(default_factory=TuiSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    ssh: SshSettings = field(default_factory=SshSettings)
    keymap: Mapping[str, str] = doc(
        "Key bindings to change, as binding id = comma-separated keys (the help screen, ?, "
        "shows each binding's id).",
        default_factory=dict,
    )
    #: The file these settings came from, or None for built-in defaults.
    source: Path | None = field(default=None, compare=False)

    @property
    def database_url(self) -> str:
        return self.database.url or default_database_url()

    def with_database_url(self, url: str | None, read_url: str | None = None) -> Settings:
        """These settings on another database; a replica belongs to the database it copies,
        so the file's read_url goes with the file's url unless `read_url` names another."""
        if not url:
            return self.with_read_url(read_url)
        return replace(self, database=replace(self.database, url=url, read_url=read_url or ""))

    def with_read_url(self, read_url: str | None) -> Settings:
        if not read_url:
            return self
        return replace(self, database=replace(self.database, read_url=read_url))


def parse_interval(text: str) -> tuple[int, int]:
    match = _HOURS.match(text)
    if not match:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    opens, closes = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or closes > 1440 or opens >= closes:
        raise ValueError(f"{text!r} is not an interval within one day")
    return opens, closes

"""Settings loaded from equipshare.toml into frozen dataclasses, with discovery and strict checking.

Every field carries its documentation in `metadata["doc"]`; the example equipshare.toml and
the README's configuration reference are checked against these fields by the test suite.
"""

from __future__ import annotations

import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from equipshare.domain.enums import LONGEST_BOOKING_MINUTES
from equipshare.domain.errors import ConfigError

APP_NAME = "equipshare"
CONFIG_ENV = "EQUIPSHARE_CONFIG"
DATABASE_URL_ENV = "EQUIPSHARE_DATABASE_URL"
SMTP_SECURITY = ("starttls", "ssl", "none")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def doc(text: str, default: Any = MISSING, default_factory: Any = MISSING) -> Any:
    """A dataclass field whose documentation travels with it."""
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata={"doc": text})
    return field(default=default, metadata={"doc": text})


def default_database_url() -> str:
    """SQLite in the user's data directory: zero set-up for a single site."""
    return f"sqlite:///{Path(platformdirs.user_data_dir(APP_NAME)) / 'equipshare.db'}"


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "equipshare.toml"


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the data lives."""

    url: str = doc(
        "SQLAlchemy URL: sqlite:///PATH (default: equipshare.db in the user data directory) "
        "or postgresql+psycopg://USER@HOST/DB for multi-site deployments.",
        default="",
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
        "Public base URL of the feed server, used in calendar links.", "http://localhost:8080"
    )
    days_back: int = doc("A feed holds bookings from this many days before today.", 30)
    days_ahead: int = doc("A feed holds bookings up to this many days after today.", 365)
    warn_kilobytes: int = doc(
        "Log a warning when a feed grows past this many kilobytes (Google drops feeds over "
        "about 1 MB).",
        1024,
    )
    cached_events: int = doc(
        "How many rendered events the feed server keeps in memory; 0 turns the cache off.",
        50000,
    )


@dataclass(frozen=True)
class CalendarSettings:
    """What exported calendars and feeds show, and how long cancellations stay in them."""

    cancelled_grace_days: int = doc(
        "Days a cancelled or rejected booking stays in calendars, marked cancelled, so "
        "subscribed clients remove it; after that it is left out.",
        7,
    )
    refresh_minutes: int = doc(
        "How often calendar clients are asked to refresh a feed (REFRESH-INTERVAL and "
        "X-PUBLISHED-TTL); Google ignores it.",
        60,
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

    slot_minutes: int = doc("Bookings start and end on multiples of this many minutes.", 30)
    min_minutes: int = doc("Shortest booking, in minutes.", 30)
    max_minutes: int = doc("Longest booking, in minutes.", 480)
    min_notice_minutes: int = doc("How long before its start a booking must be made.", 60)
    max_days_ahead: int = doc("How many days ahead a booking may start.", 90)
    requires_approval: bool = doc("Whether bookings wait for a facility manager.", False)
    requires_training: bool = doc("Whether users need a training record to book.", True)
    allow_overnight: bool = doc("Whether a booking may run through closed hours.", False)
    weekly_quota_hours: int = doc("Hours per user and instrument per week; 0 means none.", 0)
    waitlist_hold_minutes: int = doc(
        "How long a freed range is held for the first user waiting for it before it passes "
        "to the next; a hold always ends before the instrument's notice would forbid booking.",
        60,
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
            result[WEEKDAYS.index(day)] = [_parse_interval(i) for i in intervals]
        return result


@dataclass(frozen=True)
class TuiSettings:
    """How the terminal app looks."""

    theme: str = doc(
        "Textual theme: textual-dark, textual-light, nord, gruvbox, tokyo-night and others; "
        "ctrl+p lists them all.",
        "textual-dark",
    )


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server `equipshare notify` sends through; never holds a password itself."""

    host: str = doc("SMTP server name; empty means notify has nowhere to send and refuses.", "")
    port: int = doc("SMTP port: 587 for starttls, 465 for ssl, 25 for none.", 587)
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
    timeout_seconds: int = doc("Give up on a silent SMTP server after this many seconds.", 30)


@dataclass(frozen=True)
class NotificationSettings:
    """When time-based messages are queued, and how failed deliveries are retried."""

    reminder_hours: int = doc(
        "Remind a user of a confirmed booking this many hours before it starts.", 24
    )
    training_expiry_days: int = doc(
        "Warn a user this many days before their training on an instrument expires.", 30
    )
    retry_base_seconds: int = doc(
        "Wait after a temporary (4xx) failure; doubled after each further failure.", 300
    )
    max_attempts: int = doc("Give a message up as failed after this many temporary failures.", 6)
    claim_timeout_minutes: int = doc(
        "A message claimed for sending but never marked sent (a crash mid-send) is reported "
        "as needing attention after this many minutes; it is never resent by itself.",
        15,
    )


@dataclass(frozen=True)
class RetentionSettings:
    """How long `equipshare purge` keeps what it may delete; a floor no --before date can lower."""

    cancelled_days: int = doc(
        "Cancelled and rejected bookings are kept at least this many days after they end "
        "(at least [calendar] cancelled_grace_days, so calendars can drop them first).",
        90,
    )
    audit_days: int = doc(
        "Audit events are kept at least this many days (six years by default, as UK "
        "records guidance suggests); older ones may be purged.",
        2190,
    )
    financial_days: int = doc(
        "Charged bookings (what a recharge statement bills) are kept at least this many days "
        "after they end, whatever cancelled_days says, and their users are not anonymised "
        "before then (six years, as UK financial records need).",
        2190,
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

    def with_database_url(self, url: str | None) -> Settings:
        if not url:
            return self
        return replace(self, database=replace(self.database, url=url))


def _parse_interval(text: str) -> tuple[int, int]:
    match = _HOURS.match(text)
    if not match:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    opens, closes = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or closes > 1440 or opens >= closes:
        raise ValueError(f"{text!r} is not an interval within one day")
    return opens, closes


T = TypeVar("T")


def _check_value(value: Any, hint: Any, where: str) -> Any:
    """Check one TOML value against a field's type, returning it in the field's shape."""
    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where}: expected a whole number, got {value!r}")
        if value < 0:
            raise ValueError(f"{where}: must not be negative, got {value}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"{where}: expected a string, got {value!r}")
        return value
    if origin in (Mapping, dict):
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a table")
        return {
            k: _check_value(v, typing.get_args(hint)[1], f"{where}.{k}") for k, v in value.items()
        }
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {value!r}")
        return tuple(_check_value(v, typing.get_args(hint)[0], where) for v in value)
    if origin in (types.UnionType, typing.Union):  # pragma: no cover - no optional keys yet
        return value
    raise TypeError(f"unsupported settings type {hint!r}")  # pragma: no cover


def _build(cls: type[T], table: Mapping[str, Any], section: str) -> T:
    """Build a settings dataclass from a TOML table, refusing unknown keys and bad values."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls) if f.name != "source"}  # type: ignore[arg-type]
    for key in table:
        if key not in known:
            raise ValueError(
                f"[{section}] {key}: unknown key" if section else f"{key}: unknown key"
            )
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name not in table:
            continue
        hint = hints[f.name]
        where = f"[{section}] {f.name}" if section else f.name
        if is_dataclass(hint):
            if not isinstance(table[f.name], dict):
                raise ValueError(f"[{f.name}]: expected a table")
            values[f.name] = _build(hint, table[f.name], f.name)  # type: ignore[arg-type]
        else:
            values[f.name] = _check_value(table[f.name], hint, where)
    return cls(**values)


def _validate(settings: Settings) -> None:
    try:
        ZoneInfo(settings.organisation.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"[organisation] timezone: unknown time zone {settings.organisation.timezone!r}"
        ) from None
    if settings.calendar.refresh_minutes == 0:
        raise ValueError("[calendar] refresh_minutes: must be at least 1")
    booking = settings.booking
    if booking.slot_minutes == 0 or 1440 % booking.slot_minutes:
        raise ValueError("[booking] slot_minutes: must divide a day (e.g. 15, 30, 60, 120)")
    if not 0 < booking.min_minutes <= booking.max_minutes:
        raise ValueError("[booking] min_minutes: must be above 0 and at most max_minutes")
    if booking.max_minutes > LONGEST_BOOKING_MINUTES:
        raise ValueError(
            f"[booking] max_minutes: must be at most {LONGEST_BOOKING_MINUTES} (14 days), "
            "the longest any booking may last"
        )
    if booking.max_days_ahead == 0:
        raise ValueError("[booking] max_days_ahead: must be at least 1")
    if booking.waitlist_hold_minutes == 0:
        raise ValueError("[booking] waitlist_hold_minutes: must be at least 1")
    if settings.smtp.security not in SMTP_SECURITY:
        raise ValueError(f"[smtp] security: must be one of {', '.join(SMTP_SECURITY)}")
    if settings.notifications.max_attempts == 0:
        raise ValueError("[notifications] max_attempts: must be at least 1")
    if settings.retention.cancelled_days < settings.calendar.cancelled_grace_days:
        raise ValueError(
            "[retention] cancelled_days: must be at least [calendar] cancelled_grace_days "
            f"({settings.calendar.cancelled_grace_days})"
        )
    if settings.retention.financial_days < settings.retention.cancelled_days:
        raise ValueError("[retention] financial_days: must be at least cancelled_days")
    for day, intervals in booking.opening_hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"[booking.opening_hours] {day}: not one of {', '.join(WEEKDAYS)}")
        for interval in intervals:
            try:
                _parse_interval(interval)
            except ValueError as exc:
                raise ValueError(f"[booking.opening_hours] {day}: {exc}") from None


def parse_settings(text: str, source: Path) -> Settings:
    """Parse the text of a config file; every problem becomes a one-line ConfigError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    try:
        settings = replace(_build(Settings, data, ""), source=source)
        _validate(settings)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return settings


def find_config_file(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The config file to read: --config, then $EQUIPSHARE_CONFIG, then ./, then the user dir."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: config file not found (given with --config)")
        return explicit
    from_env = environ.get(CONFIG_ENV)
    if from_env:
        path = Path(from_env)
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found (named by ${CONFIG_ENV})")
        return path
    for candidate in (Path.cwd() / "equipshare.toml", user_config_path()):
        if candidate.is_file():
            return candidate
    return None


def load_settings(
    explicit: Path | None = None,
    database_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Find, read and check the settings; the database URL comes from --db, then env, then file."""
    env = os.environ if environ is None else environ
    path = find_config_file(explicit, env)
    if path is None:
        settings = Settings()
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
        settings = parse_settings(text, path)
    return settings.with_database_url(database_url or env.get(DATABASE_URL_ENV))

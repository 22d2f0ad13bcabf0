"""Settings loaded from equipshare.toml into frozen dataclasses, with discovery and strict checking.

This module is the one door to settings (`from equipshare.config import Settings`); the parts
live in `equipshare.settings`: `sections` (the dataclasses, each field documented), `parsing`
(TOML to dataclasses) and `checks` (ranges and cross-field rules). Every field carries its
documentation in `metadata["doc"]`; the example equipshare.toml and the README's configuration
reference are checked against these fields by the test suite.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from equipshare.domain.errors import ConfigError
from equipshare.settings.parsing import (
    MAX_CONFIG_BYTES,
    file_text,
    parse_settings,
    read_config_text,
)
from equipshare.settings.sections import (
    APP_NAME,
    SMTP_SECURITY,
    WEEKDAYS,
    BookingDefaults,
    CalendarSettings,
    DatabaseSettings,
    FeedSettings,
    NotificationSettings,
    OrganisationSettings,
    RetentionSettings,
    Settings,
    SmtpSettings,
    TuiSettings,
    default_database_url,
    doc,
)

__all__ = [
    "APP_NAME",
    "CONFIG_ENV",
    "DATABASE_READ_URL_ENV",
    "DATABASE_URL_ENV",
    "MAX_CONFIG_BYTES",
    "SMTP_SECURITY",
    "WEEKDAYS",
    "BookingDefaults",
    "CalendarSettings",
    "DatabaseSettings",
    "FeedSettings",
    "NotificationSettings",
    "OrganisationSettings",
    "RetentionSettings",
    "Settings",
    "SmtpSettings",
    "TuiSettings",
    "default_database_url",
    "doc",
    "find_config_file",
    "load_settings",
    "parse_settings",
    "read_config_text",
    "user_config_path",
]

CONFIG_ENV = "EQUIPSHARE_CONFIG"
DATABASE_URL_ENV = "EQUIPSHARE_DATABASE_URL"
DATABASE_READ_URL_ENV = "EQUIPSHARE_DATABASE_READ_URL"


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "equipshare.toml"


def _named_file(path: Path, how: str) -> Path:
    """A file the user named: it must exist and be a regular file (not a directory or a pipe)."""
    try:
        exists, regular = path.exists(), path.is_file()
    except (OSError, ValueError):  # a name too long, or holding a NUL
        exists = regular = False
    if not regular:
        what = "not a regular file" if exists else "config file not found"
        raise ConfigError(f"{file_text(path)}: {what} ({how})")
    return path


def find_config_file(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The config file to read: --config, then $EQUIPSHARE_CONFIG, then ./, then the user dir."""
    if explicit is not None:
        return _named_file(explicit, "given with --config")
    from_env = environ.get(CONFIG_ENV)
    if from_env:
        return _named_file(Path(from_env), f"named by ${CONFIG_ENV}")
    for candidate in (Path.cwd() / "equipshare.toml", user_config_path()):
        if candidate.is_file():
            return candidate
    return None


def load_settings(
    explicit: Path | None = None,
    database_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Find, read and check the settings; the database URL comes from --db, then env, then file.

    The replica's URL comes from $EQUIPSHARE_DATABASE_READ_URL, else from the file, but the
    file's only while the file's url stands: it names a copy of that database.
    """
    env = os.environ if environ is None else environ
    path = find_config_file(explicit, env)
    settings = Settings() if path is None else parse_settings(read_config_text(path), path)
    return settings.with_database_url(
        database_url or env.get(DATABASE_URL_ENV), env.get(DATABASE_READ_URL_ENV)
    )

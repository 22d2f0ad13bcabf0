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
from equipshare.settings.parsing import parse_settings
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
    "DATABASE_URL_ENV",
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
    "user_config_path",
]

CONFIG_ENV = "EQUIPSHARE_CONFIG"
DATABASE_URL_ENV = "EQUIPSHARE_DATABASE_URL"


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "equipshare.toml"


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

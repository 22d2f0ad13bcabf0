"""Preferences and PreferenceStore: what a person chose in the app, kept for their next start.

Per-terminal state, not the organisation's data, so it lives in the user's config directory
(platformdirs' user_config_dir("equipshare")), not the database: the theme picked in the
command palette and the last filters of the catalogue, Approvals and Training. One file a
username (prefs-<username>.json), since one server account serves many people over the web
and SSH. A write replaces the file whole (a temporary beside it, then a rename), so a crash
never leaves half a file; a file that cannot be read is ignored and its problem said once.
No Textual here: the app reads and writes through this, its screens only say what changed.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import platformdirs

from equipshare.config import APP_NAME
from equipshare.domain.enums import AccessLevel
from equipshare.domain.records.instruments.catalogue_rows import CatalogueQuery

#: The catalogue filters kept: the filter bar's four and `b` (bookable by me).
CATALOGUE_FILTERS = ("institution_code", "facility_code", "category", "access_level")


@dataclass(frozen=True)
class Preferences:
    """What is kept; None (or empty) means "as the app starts without a choice"."""

    #: The Textual theme chosen in the command palette.
    theme: str | None = None
    #: The catalogue's filter bar (CATALOGUE_FILTERS, by name) and bookable-by-me.
    catalogue: dict[str, str] = field(default_factory=dict)
    catalogue_bookable: bool = False
    #: Approvals' order ("requested" or "starts", ApprovalOrder's values).
    approvals_order: str | None = None
    #: Training's list: True for the records expiring soon, False for all of them.
    training_expiring: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class PreferencesUnreadable(Exception):
    """The file exists but is not preferences; the message names the file and the problem."""


def _checked(data: object) -> Preferences:
    """Preferences from parsed JSON; a value of the wrong kind makes the whole file suspect."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    kept: dict[str, Any] = {}
    kinds: dict[str, tuple[type, ...]] = {
        "theme": (str, type(None)),
        "catalogue": (dict,),
        "catalogue_bookable": (bool,),
        "approvals_order": (str, type(None)),
        "training_expiring": (bool, type(None)),
    }
    for name, kind in kinds.items():
        if name not in data:
            continue  # an older file, or one written before this choice was kept
        if not isinstance(data[name], kind):
            raise ValueError(f"{name} is {type(data[name]).__name__}")
        kept[name] = data[name]
    catalogue = kept.get("catalogue", {})
    if not all(k in CATALOGUE_FILTERS and isinstance(v, str) for k, v in catalogue.items()):
        raise ValueError("catalogue holds something other than filter names and values")
    return Preferences(**kept)


def preferences_dir() -> Path:
    """Where preference files live: the user's config directory for equipshare."""
    return Path(platformdirs.user_config_dir(APP_NAME))


def preferences_path(username: str, directory: Path | None = None) -> Path:
    """prefs-<username>.json; a username that is not a plain file name is %-escaped."""
    safe = quote(username, safe="") or "%00"
    if safe.startswith("."):
        safe = "%2E" + safe[1:]
    return (directory or preferences_dir()) / f"prefs-{safe}.json"


class PreferenceStore:
    """One user's preferences file: read once at start, replaced whole on each change."""

    def __init__(self, username: str, directory: Path | None = None) -> None:
        self.path = preferences_path(username, directory)
        self._lock = threading.Lock()  # two saves from worker threads never interleave

    def load(self) -> Preferences:
        """The saved preferences; none saved yet gives the defaults.

        Raises PreferencesUnreadable naming the file when it cannot be used.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Preferences()
        except (OSError, UnicodeDecodeError) as exc:
            raise PreferencesUnreadable(f"{self.path}: cannot be read ({exc})") from exc
        try:
            return _checked(json.loads(text))
        except (ValueError, TypeError) as exc:
            raise PreferencesUnreadable(f"{self.path}: not preferences ({exc})") from exc

    def save(self, preferences: Preferences) -> None:
        """Write `preferences` in place of the file, atomically (OSError if it cannot be)."""
        data = json.dumps(preferences.to_json(), indent=2, sort_keys=True) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise


def with_catalogue(preferences: Preferences, query: CatalogueQuery) -> Preferences:
    """`preferences` with the catalogue's filters as `query` has them (the search is not
    a filter: it is typed afresh)."""
    values = {
        "institution_code": query.institution_code,
        "facility_code": query.facility_code,
        "category": query.category,
        "access_level": query.access_level.value if query.access_level else None,
    }
    kept = {name: value for name, value in values.items() if value}
    return replace(preferences, catalogue=kept, catalogue_bookable=query.bookable_by_me)


def catalogue_query(preferences: Preferences) -> CatalogueQuery:
    """The catalogue's query on the kept filters; a value no longer known is left unset."""
    kept = preferences.catalogue
    access = kept.get("access_level")
    return CatalogueQuery(
        institution_code=kept.get("institution_code"),
        facility_code=kept.get("facility_code"),
        category=kept.get("category"),
        access_level=AccessLevel(access) if access in {a.value for a in AccessLevel} else None,
        bookable_by_me=preferences.catalogue_bookable,
    )


def with_training_list(preferences: Preferences, *, expiring: bool) -> Preferences:
    """`preferences` with Training's list as now chosen (expiring soon, or every record)."""
    return replace(preferences, training_expiring=expiring)


def with_approvals_order(preferences: Preferences, *, order: str) -> Preferences:
    """`preferences` with Approvals' order as now chosen (an ApprovalOrder value)."""
    return replace(preferences, approvals_order=order)

"""Saving a file the app exported: to the user's downloads folder, all or nothing, or, when
the app is served in a browser (`equipshare serve`), to the browser as a download."""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import platformdirs
from textual.app import App


def downloads_dir() -> Path:
    """Where browsers put downloads too, so people know where to look."""
    return Path(platformdirs.user_downloads_dir())


def safe_name(text: str) -> str:
    """A file name from a code or username: letters, digits, dot, dash and underscore."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "calendar"


def save_calendar(data: bytes, directory: Path, stem: str) -> Path:
    """Write `stem`.ics through a temporary file and a rename, so no half file is ever seen."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{safe_name(stem)}.ics"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".equipshare-", suffix=".ics")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def deliver_to_browser(app: App[Any], data: bytes, file_name: str, mime_type: str) -> bool:
    """From a worker thread: when served, hand `data` to the browser; False when local.

    A served app's disk is the server's, not the person's, so nothing is written there.
    """
    if not app.is_web:
        return False
    app.call_from_thread(
        app.deliver_binary, io.BytesIO(data), save_filename=file_name, mime_type=mime_type
    )
    return True

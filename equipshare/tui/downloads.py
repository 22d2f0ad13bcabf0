"""Saving a file the app exported: to the user's downloads folder, all or nothing, or, when
the app is served (`equipshare serve`), to the person at the keyboard: a download in the
browser, or over SSH the text itself in a dialog to copy (no file is written on the server)."""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs
from textual.app import App

#: Set to "ssh" by the SSH server (server/ssh/session.py) for the apps it starts.
SERVED_VIA_ENV = "EQUIPSHARE_SERVED_VIA"


def downloads_dir() -> Path:
    """Where browsers put downloads too, so people know where to look."""
    return Path(platformdirs.user_downloads_dir())


def safe_name(text: str) -> str:
    """A file name from a code or username: letters, digits, dot, dash and underscore."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "calendar"


def save_calendar(data: bytes, directory: Path, stem: str) -> Path:
    """Write `stem`.ics through a temporary file and a rename, so no half file is ever seen."""
    return save_download(data, directory, stem, ".ics")


def save_download(data: bytes, directory: Path, stem: str, suffix: str) -> Path:
    """Write `stem` + `suffix` through a temporary file and a rename: never a half file."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{safe_name(stem)}{suffix}"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".equipshare-", suffix=suffix)
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


def served_over_ssh(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the SSH server started this app: its disk and browser are not the person's."""
    return environ.get(SERVED_VIA_ENV) == "ssh"


def deliver_served(
    app: App[Any], data: bytes, file_name: str, mime_type: str, note: str = ""
) -> str | None:
    """From a worker thread: when served, hand `data` to the person and say how, for a
    notification; None when local, and the caller saves a file.

    Over SSH the text is shown in a dialog to copy, with `note` under it (another way to
    the same thing, such as a feed link).
    """
    if served_over_ssh():
        from equipshare.tui.modals.text_copy import TextCopyModal

        text = data.decode("utf-8", "replace")
        app.call_from_thread(app.push_screen, TextCopyModal(file_name, text, note))
        return f"{file_name} is shown as text: Copy all puts it on your clipboard"
    if deliver_to_browser(app, data, file_name, mime_type):
        return f"Sent {file_name} to your browser"
    return None

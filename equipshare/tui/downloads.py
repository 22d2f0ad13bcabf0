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
from typing import TYPE_CHECKING, Any

import platformdirs
from textual.app import App

if TYPE_CHECKING:
    from textual.screen import Screen

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


#: The types of the files screens export, by suffix.
MIME_TYPES = {".md": "text/markdown", ".csv": "text/csv"}


def save_or_deliver(
    screen: Screen[Any], text: str, stem: str, suffix: str, *, directory: Path | None, what: str
) -> Path | None:
    """From a screen's export worker: hand `text` to the person when the app is served, or
    save it as `stem` + `suffix` (.md or .csv) in `directory` (the downloads folder if None).

    Returns the path saved; None when it was handed over or could not be saved, the person
    told either way (`what` names it in the error: "the portfolio").
    """
    data = text.encode("utf-8")
    sent = deliver_served(screen.app, data, f"{safe_name(stem)}{suffix}", MIME_TYPES[suffix])
    if sent is not None:
        screen.app.call_from_thread(screen.notify, sent, timeout=8)
        return None
    try:
        return save_download(data, directory or downloads_dir(), stem, suffix)
    except OSError as exc:
        screen.app.call_from_thread(
            screen.notify, f"could not save {what}: {exc}", severity="error"
        )
        return None

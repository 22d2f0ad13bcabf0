"""Served in a browser, an export goes to the browser as a download and nothing reaches the
server's disk; run locally, the same export is a file in the downloads folder as before."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from equipshare.tui.downloads import deliver_to_browser


class StandInApp:
    """Just what deliver_to_browser asks of an App: is_web, call_from_thread, deliver_binary."""

    def __init__(self, is_web: bool) -> None:
        self.is_web = is_web
        self.delivered: list[tuple[bytes, dict[str, Any]]] = []

    def call_from_thread(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    def deliver_binary(self, data: io.BytesIO, **kwargs: Any) -> str:
        self.delivered.append((data.read(), kwargs))
        return "key"


def test_served_the_file_goes_to_the_browser(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    app = StandInApp(is_web=True)
    assert deliver_to_browser(app, b"BEGIN:VCALENDAR", "x.ics", "text/calendar")  # type: ignore[arg-type]
    assert app.delivered == [
        (b"BEGIN:VCALENDAR", {"save_filename": "x.ics", "mime_type": "text/calendar"})
    ]
    assert list(tmp_path.iterdir()) == []


def test_locally_nothing_is_delivered() -> None:
    app = StandInApp(is_web=False)
    assert not deliver_to_browser(app, b"a,b", "r.csv", "text/csv")  # type: ignore[arg-type]
    assert app.delivered == []

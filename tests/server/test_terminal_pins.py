"""textual-serve has no sign-in hook, so server/terminal_apps.py overrides private parts of it.
These fail the moment an upgrade renames or reshapes them: re-read its source, then re-pin."""

from __future__ import annotations

import inspect
from dataclasses import fields
from importlib.metadata import version
from pathlib import Path

import textual_serve
from textual_serve.app_service import AppService
from textual_serve.download_manager import Download, DownloadManager

from equipshare.server.terminal_apps import WEB_DRIVER


async def _noop(*_args: object) -> None:
    return None


def parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_the_pinned_version() -> None:
    assert version("textual-serve") == "1.1.3"


def test_the_app_service_internals_we_override_or_read() -> None:
    assert parameters(AppService._build_environment) == ["self", "width", "height"]
    assert parameters(AppService._open_app_process) == ["self", "width", "height"]
    assert parameters(AppService.stop) == ["self"]
    assert parameters(AppService.start) == ["self", "width", "height"]
    assert parameters(AppService.__init__) == [
        "self",
        "command",
        "write_bytes",
        "write_str",
        "close",
        "download_manager",
        "debug",
    ]
    service = AppService(
        "x", write_bytes=_noop, write_str=_noop, close=_noop, download_manager=DownloadManager()
    )
    for name in ("_process", "_task", "_stdin", "_download_manager", "app_service_id"):
        assert hasattr(service, name), name
    for name in ("send_meta", "send_bytes", "set_terminal_size", "blur", "focus", "remote_close"):
        assert callable(getattr(service, name)), name
    # What its own builder gives the web driver is what ours gives (plus nothing of os.environ).
    built = service._build_environment(width=90, height=20)
    assert {k: built[k] for k in WEB_DRIVER} == WEB_DRIVER
    assert built["COLUMNS"] == "90" and built["ROWS"] == "20"
    # It still opens the app through a shell and copies the environment: our reason to override.
    source = inspect.getsource(AppService)
    assert "create_subprocess_shell" in source and "os.environ.copy()" in source


def test_the_download_manager_we_drive() -> None:
    assert parameters(DownloadManager.get_download_metadata) == ["self", "delivery_key"]
    assert parameters(DownloadManager.download) == ["self", "delivery_key"]
    assert parameters(DownloadManager.cancel_app_downloads) == ["self", "app_service_id"]
    names = [f.name for f in fields(Download)]
    assert names[:6] == [
        "app_service",
        "delivery_key",
        "file_name",
        "open_method",
        "mime_type",
        "encoding",
    ]


def test_the_page_script_and_assets_we_serve() -> None:
    static = Path(textual_serve.__file__).parent / "static"
    script = (static / "js" / "textual.js").read_text(encoding="utf-8")
    # Our page sets this attribute, and our download route is where the script looks.
    assert "sessionWebsocketUrl" in script or "session-websocket-url" in script
    assert "${window.location.origin}/download/${" in script
    assert "'Roboto Mono'" in script
    for asset in ("css/xterm.css", "fonts/RobotoMono-VariableFont_wght.ttf"):
        assert (static / asset).is_file(), asset

"""The [organisation] table of equipshare.toml, as `equipshare init` fills it in.

Only keys the file lacks are added, in place, under its [organisation] header (or in a
new table at the end); every other line stays as it was, comments included. A key the
file already sets to something else is a refusal: init never overwrites a setting.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import tomllib
from pathlib import Path

from equipshare.config import parse_settings
from equipshare.domain.errors import ConfigError, RefusedError

_HEADER = re.compile(r"^[ \t]*\[[ \t]*organisation[ \t]*\][ \t]*(#.*)?$", re.MULTILINE)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def plan(path: Path, wanted: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The (key, value) pairs of [organisation] the file lacks; refuses one it sets otherwise."""
    text = _read(path)
    try:
        table = tomllib.loads(text).get("organisation", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    missing: list[tuple[str, str]] = []
    for key, value in wanted.items():
        current = table.get(key) if isinstance(table, dict) else None
        if current is None:
            missing.append((key, value))
        elif current != value:
            raise RefusedError(
                f"{path} already sets [organisation] {key} = {current!r}, not {value!r}: "
                "init does not overwrite settings; edit the file to change it",
                key,
            )
    if missing and isinstance(table, dict) and table and not _HEADER.search(text):
        raise RefusedError(
            f"{path} sets [organisation] without a [organisation] header: add "
            + ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in missing)
            + " by hand",
            "config",
        )
    return tuple(missing)


def write(path: Path, changes: tuple[tuple[str, str], ...]) -> None:
    """Add `changes` to the file (creating it), atomically; the result must still load."""
    if not changes:
        return
    text = _read(path)
    lines = "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in changes)
    header = _HEADER.search(text)
    if header is None:
        gap = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
        new_text = f"{text}{gap}[organisation]\n{lines}"
    else:
        end = header.end() + 1 if header.end() < len(text) else header.end()
        head = text[:end] if text[:end].endswith("\n") else text[:end] + "\n"
        new_text = head + lines + text[end:]
    parse_settings(new_text, path)  # raises ConfigError, before anything is written
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(new_text)
        if path.exists():
            shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

"""Reading equipshare.toml into Settings: bounded reads, strict types, unknown keys refused.

Whatever the file holds (any bytes, any size, any depth of nesting) the outcome is Settings or
one ConfigError line naming the file and, where there is one, the key.
"""

from __future__ import annotations

import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from equipshare.domain.errors import ConfigError
from equipshare.settings.checks import (
    check_entries,
    check_text,
    check_whole,
    key_text,
    shown,
    validate,
)
from equipshare.settings.sections import Settings

T = TypeVar("T")

MAX_CONFIG_BYTES = 256 * 1024  # a config file is a few kilobytes; this bounds time and memory
# tomllib takes time quadratic in the parts of one dotted key (300,000 parts: hours); no
# setting is more than three deep, so a line with more dots outside strings is refused first.
MOST_DOTS_PER_LINE = 16
_SPECIAL = re.compile(r"[\"'#.\n]")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def file_text(path: Path) -> str:
    """The file's name as a message starts: as given, with any control character escaped."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(path))


def read_config_text(path: Path) -> str:
    """The file's text, read no further than the cap, refused if it is not UTF-8."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{file_text(path)}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{file_text(path)}: larger than {MAX_CONFIG_BYTES // 1024} KB; "
            "a config file is a few kilobytes"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{file_text(path)}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start})"
        ) from None


def _string_end(text: str, at: int) -> int:
    """Where the string opening at `at` ends (just past it), or the end of its line if unclosed."""
    quote = text[at]
    if text.startswith(quote * 3, at):
        end = at + 3
        while True:
            end = text.find(quote * 3, end)
            if end < 0:
                return len(text)
            if quote == "'" or _unescaped(text, end):
                return end + 3
            end += 1
    end = at + 1
    while True:
        close, line_end = text.find(quote, end), text.find("\n", end)
        if close < 0 or 0 <= line_end < close:
            return len(text) if line_end < 0 else line_end
        if quote == "'" or _unescaped(text, close):
            return close + 1
        end = close + 1


def _unescaped(text: str, at: int) -> bool:
    """Whether the quote at `at` follows an even run of backslashes."""
    run = at
    while run > 0 and text[run - 1] == "\\":
        run -= 1
    return (at - run) % 2 == 0


def check_key_depth(text: str) -> None:
    """Refuse a line with more than MOST_DOTS_PER_LINE dots outside strings and comments."""
    dots, line, at = 0, 1, 0
    while (found := _SPECIAL.search(text, at)) is not None:
        char, at = found.group(), found.start()
        if char == ".":
            dots += 1
            if dots > MOST_DOTS_PER_LINE:
                raise ValueError(
                    f"line {line}: more than {MOST_DOTS_PER_LINE} dots in one key; "
                    "no setting is nested that deep"
                )
            at += 1
        elif char == "\n":
            dots, line, at = 0, line + 1, at + 1
        elif char == "#":
            newline = text.find("\n", at)
            at = len(text) if newline < 0 else newline
        else:
            end = _string_end(text, at)
            line += text.count("\n", at, end)
            at = end


def _check_value(value: Any, hint: Any, where: str, meta: Mapping[str, Any]) -> Any:
    """Check one TOML value against a field's type and range, returning it in the field's shape."""
    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {shown(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where}: expected a whole number, got {shown(value)}")
        return check_whole(value, meta.get("bounds"), where)
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"{where}: expected a string, got {shown(value)}")
        return check_text(value, meta.get("longest", 200), where)
    if origin in (Mapping, dict):
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a table, got {shown(value)}")
        check_entries(value, where)
        item = typing.get_args(hint)[1]
        return {
            check_text(k, 200, f"{where} {key_text(k)}"): _check_value(
                v, item, f"{where} {key_text(k)}", meta
            )
            for k, v in value.items()
        }
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {shown(value)}")
        check_entries(value, where)
        return tuple(_check_value(v, typing.get_args(hint)[0], where, meta) for v in value)
    if origin in (types.UnionType, typing.Union):  # pragma: no cover - no optional keys yet
        return value
    raise TypeError(f"unsupported settings type {hint!r}")  # pragma: no cover


def _build(cls: type[T], table: Mapping[str, Any], section: str) -> T:
    """Build a settings dataclass from a TOML table, refusing unknown keys and bad values."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls) if f.name != "source"}  # type: ignore[arg-type]
    for key in table:
        if key not in known:
            name = key_text(key)
            raise ValueError(
                f"[{section}] {name}: unknown key" if section else f"{name}: unknown key"
            )
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name not in table:
            continue
        hint = hints[f.name]
        if is_dataclass(hint):
            if not isinstance(table[f.name], dict):
                raise ValueError(f"[{f.name}]: expected a table, got {shown(table[f.name])}")
            values[f.name] = _build(hint, table[f.name], f.name)  # type: ignore[arg-type]
        elif typing.get_origin(hint) in (Mapping, dict):  # a free-form table, such as [keymap]
            where = f"[{section}.{f.name}]" if section else f"[{f.name}]"
            values[f.name] = _check_value(table[f.name], hint, where, f.metadata)
        else:
            where = f"[{section}] {f.name}" if section else f.name
            values[f.name] = _check_value(table[f.name], hint, where, f.metadata)
    return cls(**values)


def parse_settings(text: str, source: Path) -> Settings:
    """Parse the text of a config file; every problem becomes a one-line ConfigError."""
    name = file_text(source)
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{name}: larger than {MAX_CONFIG_BYTES // 1024} KB")
    try:
        check_key_depth(text)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: {shown_error(exc)}") from None
    except RecursionError:
        raise ConfigError(f"{name}: nested too deeply to be a config file") from None
    except ValueError:  # a number of more digits than Python converts (4300)
        raise ConfigError(f"{name}: holds a number too long to read") from None
    try:
        settings = replace(_build(Settings, data, ""), source=source)
        validate(settings)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    return settings


def shown_error(exc: Exception) -> str:
    """A parser's message on one line (they are, but a message is no place to trust that)."""
    return " ".join(_UNPRINTABLE.sub(" ", str(exc)).split())

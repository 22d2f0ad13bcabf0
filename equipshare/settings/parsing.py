"""Reading equipshare.toml's text into Settings: strict types, unknown keys refused."""

from __future__ import annotations

import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from equipshare.domain.errors import ConfigError
from equipshare.settings.checks import validate
from equipshare.settings.sections import Settings

T = TypeVar("T")


def _check_value(value: Any, hint: Any, where: str) -> Any:
    """Check one TOML value against a field's type, returning it in the field's shape."""
    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where}: expected a whole number, got {value!r}")
        if value < 0:
            raise ValueError(f"{where}: must not be negative, got {value}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"{where}: expected a string, got {value!r}")
        return value
    if origin in (Mapping, dict):
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a table")
        return {
            k: _check_value(v, typing.get_args(hint)[1], f"{where}.{k}") for k, v in value.items()
        }
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {value!r}")
        return tuple(_check_value(v, typing.get_args(hint)[0], where) for v in value)
    if origin in (types.UnionType, typing.Union):  # pragma: no cover - no optional keys yet
        return value
    raise TypeError(f"unsupported settings type {hint!r}")  # pragma: no cover


def _build(cls: type[T], table: Mapping[str, Any], section: str) -> T:
    """Build a settings dataclass from a TOML table, refusing unknown keys and bad values."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls) if f.name != "source"}  # type: ignore[arg-type]
    for key in table:
        if key not in known:
            raise ValueError(
                f"[{section}] {key}: unknown key" if section else f"{key}: unknown key"
            )
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name not in table:
            continue
        hint = hints[f.name]
        where = f"[{section}] {f.name}" if section else f.name
        if is_dataclass(hint):
            if not isinstance(table[f.name], dict):
                raise ValueError(f"[{f.name}]: expected a table")
            values[f.name] = _build(hint, table[f.name], f.name)  # type: ignore[arg-type]
        else:
            values[f.name] = _check_value(table[f.name], hint, where)
    return cls(**values)


def parse_settings(text: str, source: Path) -> Settings:
    """Parse the text of a config file; every problem becomes a one-line ConfigError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    try:
        settings = replace(_build(Settings, data, ""), source=source)
        validate(settings)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return settings

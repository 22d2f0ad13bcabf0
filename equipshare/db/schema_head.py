"""The schema head the shipped migration scripts name, read without SQLAlchemy or Alembic.

A launch of the terminal app checks its database's `alembic_version` row against this
before SQLAlchemy is imported (db/launch_connection.py); migrate.py checks it the same way
for every other command.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from equipshare.domain.errors import DatabaseError

VERSION_TABLE = "alembic_version"
# `revision: str = "0002"`, `down_revision: str | None = "0001"`: as Alembic writes them.
_ASSIGNMENT = re.compile(r"^(down_revision|revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


def migrations_directory() -> Path:
    """The Alembic scripts: inside the wheel when installed, else the source tree's migrations/."""
    # equipshare/migrations beside equipshare/db, as the wheel lays it out (what
    # importlib.resources.files("equipshare") names, without loading importlib.resources).
    packaged = Path(__file__).resolve().parents[1] / "migrations"
    if (packaged / "env.py").is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "migrations"
    if (source / "env.py").is_file():
        return source
    raise DatabaseError("equipshare's migrations are missing from this installation")


def _script_revisions(versions: Path) -> dict[str, tuple[str, ...]] | None:
    """Each script's revision and the revisions it revises, or None if a script is unusual."""
    revises: dict[str, tuple[str, ...]] = {}
    for script in sorted(versions.glob("*.py")):
        found: dict[str, object] = {}
        for name, value in _ASSIGNMENT.findall(script.read_text(encoding="utf-8")):
            try:
                found.setdefault(name, ast.literal_eval(value))
            except (ValueError, SyntaxError):
                return None
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str) or revision in revises:
            return None
        if down is None:
            revises[revision] = ()
        elif isinstance(down, str):
            revises[revision] = (down,)
        elif isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
            revises[revision] = tuple(down)
        else:
            return None
    return revises


def linear_head(versions: Path) -> str | None:
    """The one head of the scripts in `versions`, or None when they do not name exactly one."""
    revises = _script_revisions(versions)
    if not revises:
        return None
    superseded = {down for downs in revises.values() for down in downs}
    heads = [revision for revision in revises if revision not in superseded]
    if len(heads) != 1 or not superseded <= set(revises):
        return None
    return heads[0]


@cache
def shipped_linear_head() -> str | None:
    """The head of the shipped scripts when they are a plain history, else None (then only
    Alembic can tell: migrate.shipped_head)."""
    return linear_head(migrations_directory() / "versions")

"""Run Alembic from inside the package, so an installed wheel can create and upgrade databases.

Alembic (with Mako and its DDL back ends) takes about half a second to import, and every
command and every launch of the TUI checks the schema. So the check reads the database's
`alembic_version` row with one query and the head from the migration scripts' own
`revision = "..."` lines; Alembic is imported only to move the schema, or when the scripts
are not a plain linear history it can be told apart from.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError

from equipshare.db import change_stamps, rollups
from equipshare.db.engine import SQLITE_BEGIN_OPTION
from equipshare.domain.errors import DatabaseError, DatabaseNotAtHead

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version"
# `revision: str = "0002"`, `down_revision: str | None = "0001"`: as Alembic writes them.
_ASSIGNMENT = re.compile(r"^(down_revision|revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


def migrations_directory() -> Path:
    """The Alembic scripts: inside the wheel when installed, else the source tree's migrations/."""
    packaged = Path(str(resources.files("equipshare"))) / "migrations"
    if (packaged / "env.py").is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "migrations"
    if (source / "env.py").is_file():
        return source
    raise DatabaseError("equipshare's migrations are missing from this installation")


def alembic_config(engine: Engine | None = None) -> Config:
    """An in-memory Alembic config bound to `engine`; no alembic.ini is needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    if engine is not None:
        # A migration's tables may not be the models', so its writes are not counted.
        config.attributes["engine"] = change_stamps.untracked(engine)
    return config


def head_revision(engine: Engine | None = None) -> str:
    """The head as Alembic itself computes it from the scripts (imports Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise DatabaseError("equipshare ships no migrations")
    return head


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
def shipped_head() -> str:
    """The head revision of the shipped scripts, read without importing Alembic when it can be."""
    return linear_head(migrations_directory() / "versions") or head_revision()


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, None for a database Alembic never touched."""
    reader = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
    try:
        with reader.connect() as conn:
            if not inspect(conn).has_table(VERSION_TABLE):
                return None
            rows = list(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
    except OperationalError as exc:
        raise DatabaseError(f"cannot open the database: {exc.orig}") from exc
    if len(rows) > 1:
        raise DatabaseError(
            f"database schema has several heads ({', '.join(sorted(rows))}); equipshare expects one"
        )
    return rows[0] if rows else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), revision)
    finally:
        change_stamps.forget_schema(engine)
        rollups.forget_schema(engine)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    try:
        command.downgrade(alembic_config(engine), revision)
    finally:
        change_stamps.forget_schema(engine)
        rollups.forget_schema(engine)


def ensure_at_head(engine: Engine) -> None:
    """Refuse to work on a schema this version does not know, and say what to run."""
    current, head = current_revision(engine), shipped_head()
    if current != head:
        raise DatabaseNotAtHead(current, head)

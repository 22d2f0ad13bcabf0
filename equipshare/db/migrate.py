"""Run Alembic from inside the package, so an installed wheel can create and upgrade databases.

Alembic (with Mako and its DDL back ends) takes about half a second to import, and every
command and every launch of the TUI checks the schema. So the check reads the database's
`alembic_version` row with one query and the head from the migration scripts' own
`revision = "..."` lines; Alembic is imported only to move the schema, or when the scripts
are not a plain linear history it can be told apart from.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError

from equipshare.db import change_stamps, rollups
from equipshare.db.engine import SQLITE_BEGIN_OPTION
from equipshare.db.schema_head import (
    VERSION_TABLE,
    linear_head,
    migrations_directory,
    shipped_linear_head,
)
from equipshare.domain.errors import DatabaseError, DatabaseNotAtHead

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["VERSION_TABLE", "linear_head", "migrations_directory"]  # their home: schema_head


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


@cache
def shipped_head() -> str:
    """The head revision of the shipped scripts, read without importing Alembic when it can be."""
    return shipped_linear_head() or head_revision()


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

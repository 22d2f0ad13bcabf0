"""Run Alembic from inside the package, so an installed wheel can create and upgrade databases."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from equipshare.errors import DatabaseError, DatabaseNotAtHead


def migrations_directory() -> Path:
    """The Alembic scripts: inside the wheel when installed, else the source tree's migrations/."""
    packaged = Path(str(resources.files("equipshare"))) / "migrations"
    if (packaged / "env.py").is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "migrations"
    if (source / "env.py").is_file():
        return source
    raise DatabaseError("equipshare's migrations are missing from this installation")


def alembic_config(engine: Engine) -> Config:
    """An in-memory Alembic config bound to `engine`; no alembic.ini is needed."""
    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise DatabaseError("equipshare ships no migrations")
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise DatabaseError(f"cannot open the database: {exc.orig}") from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def ensure_at_head(engine: Engine) -> None:
    """Refuse to work on a schema this version does not know, and say what to run."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise DatabaseNotAtHead(current, head)

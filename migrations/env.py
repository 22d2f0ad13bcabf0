"""Alembic environment: takes its engine from equipshare, batch mode on SQLite."""

import warnings

from alembic import context
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SAWarning

from equipshare.db.tables import metadata

config = context.config
# Batch mode on SQLite reflects the tables a rebuilt one refers to; SQLAlchemy cannot
# reflect the expression indexes of 0006 and 0009 (lower(username) and the like) and warns
# on every `db upgrade`. They are left where they are, so the warning tells a user nothing.
warnings.filterwarnings(
    "ignore", message="Skipped unsupported reflection of expression-based index", category=SAWarning
)
engine: Engine | None = config.attributes.get("engine")
if engine is None:
    # `alembic` run by hand from the source tree: fall back to the configured URL.
    from equipshare.db.engine import create_database_engine

    engine = create_database_engine(config.get_main_option("sqlalchemy.url") or "")


def _set_sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # Batch mode rebuilds tables by copy-and-rename, which live foreign keys would break.
    # The pragma is ignored inside a transaction, so it goes to the raw autocommit connection.
    raw = connection.connection.driver_connection
    if raw is None:  # only an invalidated connection has lost its driver connection
        raise RuntimeError("the SQLite connection was invalidated before migrating")
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def run_migrations_online(engine: Engine) -> None:
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _set_sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left dangling foreign keys: {broken[:5]}")
            # Alembic's version-table bookkeeping can leave an autobegun transaction open.
            if connection.in_transaction():
                connection.commit()
        finally:
            if sqlite:
                if connection.in_transaction():
                    connection.rollback()
                _set_sqlite_foreign_keys(connection, on=True)


if context.is_offline_mode():
    raise SystemExit("equipshare migrations run online only: use `equipshare db upgrade`")
run_migrations_online(engine)

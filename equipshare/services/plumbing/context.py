"""The objects every service is built from: the database, the clock and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from equipshare.config import Settings
from equipshare.domain.time.clock import Clock, SystemClock

if TYPE_CHECKING:
    # Imported where used: a launch of the terminal app names this class before it loads
    # SQLAlchemy (services/plumbing/launch.py).
    from equipshare.db.engine import Database


@dataclass(frozen=True)
class ServiceContext:
    """Built once per process; services take it instead of reaching for globals."""

    database: Database
    clock: Clock
    settings: Settings

    @classmethod
    def open(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        *,
        require_head: bool = True,
        create: bool = False,
    ) -> ServiceContext:
        """Connect to the configured database, refusing one whose schema is not at head.

        Only commands that build a schema pass `create`; the rest refuse a missing file.
        """
        from equipshare.db import migrate
        from equipshare.db.engine import Database

        database = Database.connect(
            settings.database_url,
            create=create,
            read_url=settings.database.read_url or None,
            replica_wait_ms=settings.database.replica_wait_ms,
        )
        if require_head:
            try:
                migrate.ensure_at_head(database.engine)
            except BaseException:
                database.dispose()
                raise
        return cls(database=database, clock=clock or SystemClock(), settings=settings)

    def close(self) -> None:
        self.database.dispose()

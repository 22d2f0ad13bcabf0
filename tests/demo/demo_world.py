"""The demo seeded once per backend for the demo tests (conftest.py), and what they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Executable, func, select, text

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.tables import metadata as all_tables
from equipshare.demo.seeding import DemoService, DemoSummary
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.plumbing.context import ServiceContext
from tests.support import backends

LONDON = ZoneInfo("Europe/London")
# The conftest clock: a Monday in winter time, so the 16-week span crosses the March change.
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
#: The demo is planned as of the start of the London day, whatever the time (GMT here).
DAY_START = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
SEED = 7
PARTNERS = {"ASTON", "BHAM", "CRAN", "KEELE", "LEIC", "LBORO", "NOTTS", "WARWICK"}
HELD_STATUSES = ("pending", "confirmed", "completed", "no_show")  # they really used the slot
HELD = str(HELD_STATUSES)


@dataclass
class Seeded:
    context: ServiceContext
    summary: DemoSummary
    backend: str

    def scalar(self, sql: str) -> Any:
        with self.context.database.engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()

    def rows(self, statement: Executable) -> list[Any]:
        with self.context.database.engine.connect() as conn:
            return list(conn.execute(statement))

    def counts(self) -> dict[str, int]:
        tables = all_tables.sorted_tables
        return {t.name: self.rows(select(func.count()).select_from(t))[0][0] for t in tables}


def fresh_database(
    request: pytest.FixtureRequest, backend: str, directory: Path
) -> tuple[str, Callable[[], None]]:
    """A migrated, empty database on `backend` and a function that throws it away."""
    if backend == "sqlite":
        url = backends.copy_sqlite(request.getfixturevalue("sqlite_template"), directory)
        return url, lambda: None
    admin, template = request.getfixturevalue("postgres_template")
    created = backends.create_postgres_database(admin, template=template)
    return created.render_as_string(hide_password=False), lambda: backends.drop_postgres_database(
        admin, created.database or ""
    )


def seed_demo(url: str, seed: int = SEED) -> tuple[ServiceContext, DemoSummary]:
    context = ServiceContext(
        Database.connect(url), FrozenClock(NOW), Settings().with_database_url(url)
    )
    return context, DemoService(context).seed(seed=seed, admin_username="jane.doe")

"""The service context refuses to open a database whose schema is not at head."""

from __future__ import annotations

import pytest

from equipshare.config import Settings
from equipshare.db import migrate
from equipshare.db.engine import Database
from equipshare.domain.errors import DatabaseNotAtHead
from equipshare.services.admin.schema import SchemaService
from equipshare.services.plumbing.context import ServiceContext


def test_open_refuses_an_unmigrated_database(empty_database_url: str) -> None:
    settings = Settings().with_database_url(empty_database_url)
    with pytest.raises(DatabaseNotAtHead) as caught:
        ServiceContext.open(settings)
    assert "database schema is at empty" in str(caught.value)
    assert "run `equipshare db upgrade`" in str(caught.value)

    context = ServiceContext.open(settings, require_head=False)
    try:
        state = SchemaService(context).upgrade()
        assert state.at_head
    finally:
        context.close()
    ServiceContext.open(settings).close()


def test_open_refuses_an_older_schema(database_url: str) -> None:
    db = Database.connect(database_url)
    migrate.downgrade(db.engine, "base")
    db.dispose()
    with pytest.raises(DatabaseNotAtHead, match="run `equipshare db upgrade`"):
        ServiceContext.open(Settings().with_database_url(database_url))

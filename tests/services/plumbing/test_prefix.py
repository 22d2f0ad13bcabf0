"""Prefix lookups read migration 0009's indexes, in order, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import SQLColumnExpression, select, text

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Instrument, User
from equipshare.services.plumbing.prefix import prefix_key, starts_with
from tests.support.world import World


@pytest.mark.parametrize(
    ("column", "index"),
    [
        (User.username, "ix_users_username_lower"),
        (User.display_name, "ix_users_display_name_lower"),
        (Instrument.code, "ix_instruments_code_lower"),
    ],
)
def test_a_prefix_reads_one_range_of_its_index_without_sorting(
    database: Database, world: World, column: SQLColumnExpression[str], index: str
) -> None:
    with database.readonly() as session:
        query = (
            select(column)
            .where(starts_with(session, column, "Wa"))
            .order_by(prefix_key(session, column))
            .limit(5)
        )
        sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        if database.backend == "postgresql":
            # A handful of rows would be scanned; ask what it does with the index it has.
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(session.scalars(text(f"EXPLAIN {sql}")))
            assert index in plan and "Sort" not in plan, plan
        else:
            plan = "\n".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert f"USING INDEX {index}" in plan and "TEMP B-TREE" not in plan, plan

"""The Core tables a launch reads before the ORM loads (db/start_tables.py) match the models."""

from __future__ import annotations

import pytest
from sqlalchemy import Enum, String, TableClause

from equipshare.db.start_tables import START_TABLES
from equipshare.db.tables import metadata


@pytest.mark.parametrize("table", START_TABLES, ids=lambda t: t.name)
def test_each_start_column_is_its_models_column_with_its_type(table: TableClause) -> None:
    model = metadata.tables[table.name]
    for column in table.columns:
        assert column.name in model.c, f"{table.name}.{column.name} is not in the model"
        theirs = model.c[column.name].type
        assert type(column.type) is type(theirs), f"{table.name}.{column.name}"
        ours = column.type
        if isinstance(theirs, Enum) and isinstance(ours, Enum):
            assert (ours.enum_class, ours.enums) == (theirs.enum_class, theirs.enums)
        elif isinstance(theirs, String) and isinstance(ours, String):
            assert ours.length == theirs.length

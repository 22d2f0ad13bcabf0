"""The rows two SELECTs disagree on, for `check`'s comparisons of kept tables with what
they are kept from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, except_, select


def keys_differing(
    conn: Connection, expected: Any, stored: Any, *keys: str
) -> set[tuple[Any, ...]]:
    """The `keys` columns of every row that one SELECT has and the other has not (missing,
    wrong or left over), in two set differences run by the database."""
    found: set[tuple[Any, ...]] = set()
    for difference in (except_(expected, stored), except_(stored, expected)):
        rows = difference.subquery()
        found.update(tuple(row) for row in conn.execute(select(*(rows.c[k] for k in keys))))
    return found

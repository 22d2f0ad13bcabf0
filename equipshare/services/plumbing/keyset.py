"""Keyset paging: resume a sorted list just after the last row shown, in any mix of
ascending and descending keys, and search several columns word by word.

Offsets re-read every skipped row and shift when rows come or go; a keyset condition
reads from where the last page stopped, through the index on the first key when there is
one, so the thousandth page costs what the first does. The last key must be unique (an id)
so ties in the others are broken the same way on every page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, or_, true

from equipshare.domain.inputs.search_text import checked_search
from equipshare.domain.records.pages import KeyValue, PageAfter

R = TypeVar("R")
#: The most rows any page may hold, whatever a caller asks for.
MAX_PAGE = 1000


@dataclass(frozen=True)
class SortKey:
    """One column of a list's order; none of the columns may hold NULL."""

    column: SQLColumnExpression[Any]
    descending: bool = False

    @property
    def ordering(self) -> ColumnElement[Any]:
        return self.column.desc() if self.descending else self.column.asc()

    def beyond(self, value: KeyValue) -> ColumnElement[bool]:
        return self.column < value if self.descending else self.column > value

    def from_(self, value: KeyValue) -> ColumnElement[bool]:
        return self.column <= value if self.descending else self.column >= value


def order_of(keys: Sequence[SortKey]) -> list[ColumnElement[Any]]:
    return [key.ordering for key in keys]


def after(keys: Sequence[SortKey], resume: PageAfter | None) -> ColumnElement[bool]:
    """Rows strictly after `resume` in the order `keys` give (everything when None).

    The leading `first >= value` is implied by the rest; it is said so that the planner
    reads one range of the first key's index rather than the whole of it.
    """
    if resume is None:
        return true()
    values = resume.key
    if len(values) != len(keys):
        raise ValueError(f"a page key of {len(values)} values for {len(keys)} sort keys")
    branches = [
        and_(
            *(k.column == v for k, v in zip(keys[:i], values[:i], strict=True)),
            keys[i].beyond(values[i]),
        )
        for i in range(len(keys))
    ]
    return and_(keys[0].from_(values[0]), or_(*branches))


def bounded(limit: int) -> int:
    """`limit` within 1..MAX_PAGE."""
    return max(1, min(limit, MAX_PAGE))


def page_of(
    fetched: Sequence[R], limit: int, key_of: Callable[[R], tuple[KeyValue, ...]]
) -> tuple[tuple[R, ...], PageAfter | None]:
    """The first `limit` of `fetched` (asked for `limit + 1`) and where the next page starts,
    None when nothing lies beyond."""
    rows = tuple(fetched[:limit])
    more = len(fetched) > limit and rows
    return rows, (PageAfter(key_of(rows[-1])) if more else None)


def words_match(
    text: str, columns: Sequence[SQLColumnExpression[str | None]]
) -> ColumnElement[bool]:
    """Every word of `text` appears (any case) in one of `columns`; a checked search text."""
    words = checked_search(text).lower().split()
    return and_(
        true(),
        *(
            or_(*(func.lower(column).contains(word, autoescape=True) for column in columns))
            for word in words
        ),
    )

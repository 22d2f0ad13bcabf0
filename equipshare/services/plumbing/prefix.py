"""Case-insensitive prefix matches that read migration 0009's `lower()` indexes in order."""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func
from sqlalchemy.orm import Session

# Above every other character in byte order, so `prefix + _TOP` ends the prefix's range.
_TOP = "\U0010ffff"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def prefix_key(session: Session, column: SQLColumnExpression[str]) -> ColumnElement[str]:
    """`lower(column)` in byte order: the expression the index holds, to match and sort by."""
    lowered = func.lower(column)
    if session.get_bind().dialect.name == "postgresql":
        return lowered.collate("C")
    return lowered


def starts_with(
    session: Session, column: SQLColumnExpression[str], text: str
) -> ColumnElement[bool]:
    """`column` starts with `text`, in any case, as one range of the index.

    SQLite's lower() folds only ASCII letters, so the text is folded the same way there.
    """
    if session.get_bind().dialect.name == "postgresql":
        prefix = text.lower()
    else:
        prefix = text.translate(_ASCII_LOWER)
    key = prefix_key(session, column)
    return and_(key >= prefix, key < prefix + _TOP)

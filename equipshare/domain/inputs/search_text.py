"""Typed search and lookup text, bounded and checked before it reaches a query.

A search is what a person types, so 200 characters is far more than any real one; a longer
text only costs (SQLite refuses a LIKE pattern past its limit, PostgreSQL scans on). A NUL
cannot be sent to PostgreSQL at all, and no control character can be typed into a search
box, so each is refused in one line naming the field, the same on both engines.
"""

from __future__ import annotations

import re

from equipshare.domain.errors import InputError

#: The longest search or lookup text accepted, in characters.
MAX_SEARCH_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def checked_search(text: str, field: str = "search") -> str:
    """`text` as given, or InputError naming `field` if it is too long or holds a control
    character."""
    if len(text) > MAX_SEARCH_CHARS:
        raise InputError(
            f"{field}: at most {MAX_SEARCH_CHARS} characters, not {len(text):,}", field
        )
    found = _CONTROL.search(text)
    if found is not None:
        raise InputError(
            f"{field}: holds a control character ({found.group()!r}); type plain text", field
        )
    return text

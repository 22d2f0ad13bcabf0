"""Database URLs as they may be shown or logged: the password masked, whether or not they parse.

A URL names its password between `user:` and `@` (or as a `password=` query value); a
mistyped URL (`postgresq://eq:S3cret@host/db`, `eq:S3cret@host/db`) still holds it there.
"""

from __future__ import annotations

import re

MASK = "***"
QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def mask_password(url: str) -> str:
    """`url` with anything between `user:` and its last `@`, and any password= value, as ***.

    Masks too much rather than too little: a text that only looks like a URL (a file path
    with `:` and `@` in it) is masked the same way.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    userinfo, at, host = rest.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    if at and colon:
        rest = f"{user}:{MASK}@{host}"
    return QUERY_PASSWORD.sub(rf"\g<1>{MASK}", f"{scheme}{sep}{rest}")

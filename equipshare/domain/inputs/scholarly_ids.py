"""ORCID iDs and DOIs, checked for form only: equipshare never fetches from outside.

An ORCID iD's last character is an ISO 7064 MOD 11-2 check digit over the other fifteen,
so a mistyped digit is caught here rather than printed on a paper. A DOI has no check
digit; it is "10." + a registrant code, "/", and a suffix, and is compared lower-cased
(DOIs are case-insensitive).
"""

from __future__ import annotations

import re

from equipshare.domain.errors import InputError

_ORCID_SHAPE = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$")
_ORCID_URL = re.compile(r"^(?:https?://)?(?:www\.)?orcid\.org/", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}(?:\.\d+)*/\S+$")
_DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def orcid_check_digit(base_digits: str) -> str:
    """ISO 7064 MOD 11-2 over the first fifteen digits: '0'-'9' or 'X' for ten."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def parse_orcid(text: str, field: str = "orcid") -> str:
    """The iD as "0000-0002-1825-0097"; a URL or missing hyphens are accepted, a bad
    check digit is not (one line naming `field`)."""
    bare = _ORCID_URL.sub("", text.strip()).upper()
    found = _ORCID_SHAPE.match(bare)
    if found is None:
        raise InputError(
            f"{field}: {text.strip()!r} is not an ORCID iD (16 digits, as 0000-0002-1825-0097)",
            field,
        )
    digits = "".join(found.groups())
    if orcid_check_digit(digits[:15]) != digits[15]:
        raise InputError(
            f"{field}: {text.strip()!r} fails the ORCID check digit; is a digit mistyped?",
            field,
        )
    return "-".join(found.groups())


def parse_doi(text: str, field: str = "doi") -> str:
    """The DOI lower-cased, without a resolver URL or "doi:" prefix; one line if malformed."""
    bare = _DOI_PREFIXES.sub("", text.strip())
    if not _DOI_SHAPE.match(bare):
        raise InputError(
            f"{field}: {text.strip()!r} is not a DOI (it starts 10., as 10.1000/xyz123)", field
        )
    return bare.lower()

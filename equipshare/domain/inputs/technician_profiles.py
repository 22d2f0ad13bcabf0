"""The fields of a technician's profile, checked before anything is written.

A profile's words are printed inside a paper's acknowledgement, so each is one line of
visible characters, bounded as the columns are; the ORCID iD carries its own check digit
(equipshare.domain.inputs.scholarly_ids).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from equipshare.domain.errors import InputError
from equipshare.domain.inputs.scholarly_ids import parse_orcid

CREDIT_NAME_CHARS = 200
JOB_TITLE_CHARS = 200
EXPERTISE_CHARS = 1000


def checked_line(text: str, field: str, limit: int) -> str:
    """`text` as one line, spaces collapsed; refused (naming `field`) if too long or it
    holds a character that cannot be printed."""
    for character in text:
        if character.isspace():
            continue
        if not character.isprintable() or unicodedata.category(character) in {"Cn", "Co"}:
            raise InputError(
                f"{field}: holds a character that cannot be printed (U+{ord(character):04X})",
                field,
            )
    line = " ".join(text.split())
    if len(line) > limit:
        raise InputError(f"{field}: {len(line)} characters, more than the {limit} allowed", field)
    return line


def checked_orcid(text: str, field: str = "orcid") -> str | None:
    """An ORCID iD in its hyphenated form, or None when `text` is blank (no iD)."""
    if not text.strip():
        return None
    return parse_orcid(text, field)


@dataclass(frozen=True)
class ProfileChanges:
    """The fields an edit sets, each checked; None leaves that field as it is.

    An `orcid` of "" removes the iD (it is then stored as NULL).
    """

    credit_name: str | None = None
    orcid: str | None = None
    job_title: str | None = None
    expertise: str | None = None
    named: bool | None = None

    def checked(self) -> dict[str, object]:
        """The column values to set, checked; InputError naming the first bad field."""
        values: dict[str, object] = {}
        if self.credit_name is not None:
            values["credit_name"] = checked_line(self.credit_name, "credit_name", CREDIT_NAME_CHARS)
        if self.orcid is not None:
            values["orcid"] = checked_orcid(self.orcid)
        if self.job_title is not None:
            values["job_title"] = checked_line(self.job_title, "job_title", JOB_TITLE_CHARS)
        if self.expertise is not None:
            values["expertise"] = checked_line(self.expertise, "expertise", EXPERTISE_CHARS)
        if self.named is not None:
            values["named"] = self.named
        return values

    @property
    def empty(self) -> bool:
        return all(
            value is None
            for value in (self.credit_name, self.orcid, self.job_title, self.expertise, self.named)
        )

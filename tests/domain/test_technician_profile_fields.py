"""A profile's fields as acknowledgements print them: one line, visible characters, bounded."""

from __future__ import annotations

import re

import pytest

from equipshare.domain.errors import InputError
from equipshare.domain.inputs.technician_profiles import ProfileChanges, checked_line, checked_orcid


def test_a_line_is_collapsed_to_single_spaces_across_any_unicode_space() -> None:
    assert checked_line("  Dr\u00a0Jo\u2028 Smith\t", "credit_name", 200) == "Dr Jo Smith"
    assert checked_line("", "credit_name", 200) == ""


@pytest.mark.parametrize(
    ("text", "shown"),
    [("bell\x07", "U+0007"), ("private\ue000", "U+E000"), ("unassigned\u0378", "U+0378")],
)
def test_a_character_that_cannot_be_printed_is_refused_naming_the_field(
    text: str, shown: str
) -> None:
    with pytest.raises(InputError, match=rf"^job_title: .*\({re.escape(shown)}\)$") as refused:
        checked_line(text, "job_title", 200)
    assert refused.value.field == "job_title"


def test_a_blank_orcid_means_none_and_a_url_is_unwrapped() -> None:
    assert checked_orcid("   ") is None
    assert checked_orcid("https://orcid.org/0000000218250097") == "0000-0002-1825-0097"


def test_changes_check_only_the_fields_given() -> None:
    assert ProfileChanges().empty and not ProfileChanges(named=False).empty
    assert ProfileChanges(named=False, orcid="").checked() == {"orcid": None, "named": False}
    with pytest.raises(InputError, match=r"^expertise: 1001 characters"):
        ProfileChanges(expertise="x" * 1001).checked()

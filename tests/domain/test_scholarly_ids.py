"""ORCID iDs are checked with ISO 7064 MOD 11-2; DOIs for form only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from equipshare.domain.errors import InputError
from equipshare.domain.inputs.scholarly_ids import orcid_check_digit, parse_doi, parse_orcid


@pytest.mark.parametrize(
    "text",
    [
        "0000-0002-1825-0097",  # ORCID's own example
        "0000000218250097",
        "https://orcid.org/0000-0002-1825-0097",
        " orcid.org/0000-0002-1825-0097 ",
    ],
)
def test_an_orcid_id_in_any_usual_form_is_kept_hyphenated(text: str) -> None:
    assert parse_orcid(text) == "0000-0002-1825-0097"


def test_an_x_check_digit_is_accepted_in_either_case() -> None:
    assert parse_orcid("0000-0002-1694-233x") == "0000-0002-1694-233X"


def test_a_mistyped_digit_fails_the_check_and_names_the_field() -> None:
    with pytest.raises(InputError, match=r"^orcid: '0000-0002-1825-0098' fails the ORCID check"):
        parse_orcid("0000-0002-1825-0098")


def test_a_wrong_shape_is_one_line_naming_the_field() -> None:
    with pytest.raises(InputError, match=r"^--orcid: 'abc' is not an ORCID iD") as refused:
        parse_orcid("abc", "--orcid")
    assert refused.value.field == "--orcid"


@given(st.text(alphabet="0123456789", min_size=15, max_size=15), st.integers(0, 14))
def test_every_single_digit_change_is_caught(base: str, position: int) -> None:
    good = base + orcid_check_digit(base)
    changed = str((int(good[position]) + 1) % 10)
    bad = good[:position] + changed + good[position + 1 :]
    assert parse_orcid(good) == "-".join(good[i : i + 4] for i in range(0, 16, 4))
    with pytest.raises(InputError):
        parse_orcid(bad)


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        ("10.1038/nphys1170", "10.1038/nphys1170"),
        ("https://doi.org/10.1021/ACS.NANOLETT.5B01234", "10.1021/acs.nanolett.5b01234"),
        ("doi:10.5281/zenodo.123456", "10.5281/zenodo.123456"),
    ],
)
def test_a_doi_is_kept_bare_and_lower_cased(text: str, doi: str) -> None:
    assert parse_doi(text) == doi


@pytest.mark.parametrize("text", ["", "11.1000/x", "10.12/x", "10.1000", "10.1000/ a"])
def test_a_malformed_doi_is_refused_in_one_line(text: str) -> None:
    with pytest.raises(InputError, match=r"^doi: .* is not a DOI"):
        parse_doi(text)

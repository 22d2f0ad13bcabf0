"""Acknowledgement wording and formats, pure: templates checked and filled, every form agrees."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equipshare.domain.acknowledgements.formats import COLUMNS, render, rows
from equipshare.domain.acknowledgements.wording import (
    DEFAULT_TEMPLATE,
    NO_BREAK_SPACE,
    PLACEHOLDERS,
    check_template,
    english_list,
    facility_sentence,
    hours_words,
    paragraph,
)
from equipshare.domain.errors import InputError
from equipshare.domain.records.impact.acknowledgements import (
    Acknowledgement,
    AcknowledgementPeriod,
    CreditRole,
    FacilityAcknowledgement,
    InstrumentUse,
    SubjectKind,
    TechnicianActivity,
    TechnicianCredit,
)
from equipshare.domain.records.impact.credit import UNNAMED_STAFF

PERIOD = AcknowledgementPeriod(date(2026, 1, 1), date(2026, 3, 31), "Europe/London", None, None)
XPS = InstrumentUse("XPS-01", "XPS spectrometer", "XPS", "Kratos", "AXIS Supra+", 5, 1200, 3, 840)
SEM = InstrumentUse("SEM-02", "FEG-SEM", "SEM", "Zeiss", "", 2, 90, 0, 0)
ANN = TechnicianCredit(
    "Dr Ann Lee",
    True,
    "0000-0002-1825-0097",
    "Research Technician",
    (
        TechnicianActivity(CreditRole.INVESTIGATION, "XPS", 3, 840),
        TechnicianActivity(CreditRole.SUPERVISION, "SEM", 1, 0),
    ),
)
H = f"{NO_BREAK_SPACE}h"  # '14 h' never wraps between the figure and its unit
HIDDEN = TechnicianCredit(
    UNNAMED_STAFF, False, None, "", (TechnicianActivity(CreditRole.SUPERVISION, "XPS", 2, 0),)
)


def facility(
    template: str = DEFAULT_TEMPLATE, *credits: TechnicianCredit
) -> FacilityAcknowledgement:
    return FacilityAcknowledgement(
        "WAR-SAF", "Surface Analysis Facility", "WARWICK", "University of Warwick", template,
        template == DEFAULT_TEMPLATE, (XPS, SEM), credits,
    )  # fmt: skip


def ack(*facilities: FacilityAcknowledgement) -> Acknowledgement:
    return Acknowledgement(SubjectKind.USER, "alice", PERIOD, facilities)


def test_the_default_sentence_reads_as_a_paper_would_print_it() -> None:
    assert facility_sentence(facility(DEFAULT_TEMPLATE, ANN, HIDDEN)) == (
        f"This work used XPS on the Kratos AXIS Supra+ (XPS-01), 20{H}, and SEM on the Zeiss "
        f"(SEM-02), 1.5{H}, at the Surface Analysis Facility, University of Warwick. We thank "
        f"Dr Ann Lee for assisted XPS measurements, 14{H}, and for SEM training; and the "
        f"{UNNAMED_STAFF} for XPS training."
    )
    # Nobody assisted or trained: no thanks sentence at all.
    assert facility_sentence(facility()).endswith("at the Surface Analysis Facility, "
                                                  "University of Warwick.")  # fmt: skip


def test_a_technician_who_did_several_things_is_thanked_once_for_them_all() -> None:
    busy = TechnicianCredit("Kat Ahmed", True, None, "", (
        TechnicianActivity(CreditRole.INVESTIGATION, "EPR", 1, 60),
        TechnicianActivity(CreditRole.INVESTIGATION, "NMR", 2, 90),
        TechnicianActivity(CreditRole.SUPERVISION, "EPR", 1, 0),
        TechnicianActivity(CreditRole.SUPERVISION, "NMR", 1, 0),
    ))  # fmt: skip
    trainer = TechnicianCredit("Ciaran Santos", True, None, "", (
        TechnicianActivity(CreditRole.SUPERVISION, "X-ray CT", 1, 0),
        TechnicianActivity(CreditRole.SUPERVISION, "XRD", 2, 0),
    ))  # fmt: skip
    assert facility_sentence(facility("We thank $technicians.", busy, trainer)) == (
        f"We thank Kat Ahmed for assisted EPR measurements, 1{H}, and for assisted NMR "
        f"measurements, 1.5{H}, and for EPR and NMR training; and Ciaran Santos for X-ray CT "
        "and XRD training."
    )
    # One style for every duration: ', 14 h', never '(14 h)'.
    assert f"){H}" not in paragraph(ack(facility(DEFAULT_TEMPLATE, busy, ANN)))


def test_every_placeholder_fills() -> None:
    template = " ".join(f"[{name}=${name}]" for name in PLACEHOLDERS)
    text = facility_sentence(facility(check_template(template), ANN))
    assert "$" not in text and "[hours=21.5]" in text and "[sessions=7]" in text
    assert "[techniques=XPS and SEM]" in text and "[facility_code=WAR-SAF]" in text
    alone = facility_sentence(facility("Thanks to $technicians."))
    assert alone == f"Thanks to the {UNNAMED_STAFF}."


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("Thanks to $person", r"^template: unknown placeholder \$person; known: \$facility, "),
        ("Thanks ${facility", r"^template: a \$ must start a placeholder"),
        ("  \n ", "^template: is empty"),
        ("x" * 2001, "^template: is 2001 characters long; at most 2000"),
        ("bell\x07", "^template: holds a control character"),
    ],
)
def test_bad_templates_are_refused_in_one_line(template: str, words: str) -> None:
    with pytest.raises(InputError, match=words) as refused:
        check_template(template)
    assert "\n" not in str(refused.value)


def test_templates_fold_whitespace_and_keep_dollars_written_twice() -> None:
    assert check_template("  Costs $$5\n\tat ${facility}.\n") == "Costs $$5 at ${facility}."
    assert facility_sentence(facility("Costs $$5 at ${facility}.")) == (
        "Costs $5 at Surface Analysis Facility."
    )


@pytest.mark.parametrize(
    ("minutes", "words"), [(840, f"14{H}"), (90, f"1.5{H}"), (20, f"0.3{H}"), (1, f"0.1{H}"),
                           (0, f"0{H}")],
)  # fmt: skip
def test_hours_words(minutes: int, words: str) -> None:
    assert hours_words(minutes) == words


def test_english_lists() -> None:
    assert english_list([]) == "" and english_list(["a"]) == "a"
    assert english_list(["a", "b"]) == "a and b"
    assert english_list(["a", "b", "c"]) == "a, b and c"
    assert english_list(["a, x", "b"], ";") == "a, x; and b"
    assert english_list(["the A (A-1), 2 h", "the B (B-1), 1 h"]) == (
        "the A (A-1), 2 h, and the B (B-1), 1 h"
    )


def test_every_form_carries_the_same_rows_and_never_a_hidden_name() -> None:
    whole = ack(facility(DEFAULT_TEMPLATE, ANN, HIDDEN))
    data = rows(whole)
    assert [(r["role"], r["instrument"] or r["technician"], r["hours"]) for r in data] == [
        ("Resources", "XPS-01", "20.00"),
        ("Resources", "SEM-02", "1.50"),
        ("Investigation", "Dr Ann Lee", "14.00"),
        ("Supervision", "Dr Ann Lee", ""),
        ("Supervision", UNNAMED_STAFF, ""),
    ]
    parsed = list(csv.reader(io.StringIO(render(whole, "csv"))))
    assert parsed[0] == list(COLUMNS) and len(parsed) == 1 + len(data)
    document = json.loads(render(whole, "json"))
    assert document["user"] == "alice" and document["minutes"] == 1290
    assert document["paragraph"] == paragraph(whole)
    (place,) = document["facilities"]
    assert [t["roles"] for t in place["technicians"]] == [
        ["Investigation", "Supervision"],
        ["Supervision"],
    ]
    assert place["technicians"][1] == {
        "name": UNNAMED_STAFF, "named": False, "orcid": None, "job_title": None,
        "roles": ["Supervision"],
        "activities": [{"role": "Supervision", "technique": "XPS", "sessions": 2, "minutes": 0}],
    }  # fmt: skip
    markdown = render(whole, "markdown")
    assert markdown.startswith("# Acknowledgement: alice (2026-01-01 to 2026-03-31, Europe/London)")
    assert "| Investigation | WAR-SAF | WARWICK | XPS |  | Dr Ann Lee | 0000-0002-1825-0097 |" in (
        markdown
    )
    text = render(whole, "text")
    assert text.startswith(paragraph(whole) + "\n\nrole ")


def test_csv_cells_a_spreadsheet_would_run_are_escaped() -> None:
    sly = TechnicianCredit("=HYPERLINK(1)", True, None, "", ANN.activities)
    shown = render(ack(facility(DEFAULT_TEMPLATE, sly)), "csv")
    assert "'=HYPERLINK(1)" in shown
    assert ",=HYPERLINK(1)," in render(
        ack(facility(DEFAULT_TEMPLATE, sly)), "csv", escape_csv=False
    )


def test_nothing_to_acknowledge_says_so_in_every_form() -> None:
    empty = ack()
    assert render(empty, "text") == (
        "No completed bookings of alice (2026-01-01 to 2026-03-31) to acknowledge.\n"
    )
    assert "No completed bookings" in render(empty, "markdown")
    assert json.loads(render(empty, "json"))["facilities"] == []
    assert render(empty, "csv") == ",".join(COLUMNS) + "\n"


_PIECES = st.sampled_from(
    [*(f"${name}" for name in PLACEHOLDERS), *(f"${{{name}}}" for name in PLACEHOLDERS),
     "$", "$$", "${", "}", "$name", "${x}", "$1", " ", "\n", "\t", "\x00", "We thank ", "."]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=12).map("".join))
def test_any_text_is_refused_in_one_line_or_fills_without_fail(text: str) -> None:
    """Whatever a manager types: a one-line refusal, or a wording that always fills and
    leaves no placeholder behind."""
    try:
        checked = check_template(text)
    except InputError as refused:
        assert "\n" not in str(refused) and str(refused).startswith("template: ")
        return
    sentence = facility_sentence(facility(checked, ANN, HIDDEN))
    assert "\n" not in sentence
    for name in PLACEHOLDERS:
        assert f"${name}" not in sentence or f"$${name}" in checked

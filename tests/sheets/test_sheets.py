"""Reading real spreadsheets: encodings, line endings, quoting, headers and line numbers."""

from __future__ import annotations

import pytest

from equipshare.domain.errors import InputError
from equipshare.domain.records.operations.admin import BadRow
from equipshare.sheets.csv_files import BadRowsError, read_sheet
from equipshare.sheets.people import read_training, read_users
from equipshare.sheets.uniquip import read_entries

COLUMNS = {"id": "ID", "name": "Name", "contactemail": "Contact Email"}


def test_bom_crlf_quoted_newlines_blank_rows_and_any_header_form_keep_line_numbers() -> None:
    data = (
        "\ufeff Contact_E-mail ;NAME;id;Extra\r\n"
        'a@b.ac.uk;"first\r\nsecond";X1;junk\r\n'
        "\r\n"
        ";;;\r\n"
        "  ;Plain; X2 \r\n"
    ).encode()
    sheet = read_sheet(data, "f.csv", COLUMNS, required=("id",))
    assert [(row.line, dict(row.cells)) for row in sheet.rows] == [
        (2, {"contactemail": "a@b.ac.uk", "name": "first\nsecond", "id": "X1"}),
        (6, {"contactemail": "", "name": "Plain", "id": "X2"}),
    ]
    assert sheet.ignored_columns == ("Extra",)
    assert sheet.columns == ("contactemail", "name", "id")


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8"])
def test_excel_encodings_and_tabs_are_read(encoding: str) -> None:
    data = "ID\tName\nX1\tCafé µ-probe\n".encode(encoding)
    sheet = read_sheet(data, "f.csv", COLUMNS, required=("id",))
    assert sheet.rows[0].cells["name"] == "Café µ-probe"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "f.csv: the file is empty"),
        ("Name\nx\n", "f.csv:1: no ID column"),
        ("\n\nID,Name,id\n", "f.csv:3: column ID is given twice"),
    ],
)
def test_what_no_row_survives_is_one_input_error_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        read_sheet(text.encode(), "f.csv", COLUMNS, required=("id",))
    assert str(raised.value).startswith(message)


def test_uniquip_rows_report_every_problem_with_its_line() -> None:
    data = (
        "ID,Name,Type,Contact Email,Building\n"
        "A,Alpha,equipment,mailto:pat@x.ac.uk,\n"
        ",,robot,nope,\n"
        f"B,Beta,FACILITY,,{'b' * 201}\n"
    ).encode()
    _, entries, bad = read_entries(data, "u.csv")
    assert [(e.id, e.type.value, e.contact_email) for e in entries] == [
        ("A", "equipment", "pat@x.ac.uk")
    ]
    assert bad[0].line == 3
    assert "Contact Email: 'nope' is not an email address" in bad[0].problem
    assert "ID: missing" in bad[0].problem and "Type: 'robot'" in bad[0].problem
    assert bad[1] == BadRow(4, "Building: 201 characters, more than the 200 allowed")


def test_bad_rows_error_is_one_line_naming_file_and_line() -> None:
    one = BadRowsError("u.csv", [BadRow(7, "Name: missing")], good=3)
    assert (
        str(one) == "u.csv:7: Name: missing; nothing imported (--skip-bad imports the 3 good rows)"
    )
    many = BadRowsError("u.csv", [BadRow(9, "x"), BadRow(4, "y")], good=0)
    assert str(many) == "u.csv: 2 bad rows (lines 4, 9); nothing imported"
    assert many.exit_code == 2


def test_user_and_training_rows() -> None:
    _, users, bad = read_users(
        b"Full Name,username,Institution,Role,Email\n"
        b"Ann Lee,ann,warwick,Facility Manager,ann@w.ac.uk\n"
        b"Bo,b o,ASTON,wizard,\n",
        "p.csv",
    )
    assert [(u.username, u.name, u.institution, u.role) for u in users] == [
        ("ann", "Ann Lee", "WARWICK", "facility_manager")
    ]
    assert (
        bad[0].line == 3
        and "username: 'b o'" in bad[0].problem
        and "role: 'wizard'" in bad[0].problem
    )
    _, records, bad = read_training(
        b"username,instrument,level,trained_at,expires_at,trainer\n"
        b"ann,WAR-XPS-01,Independent,16/03/2025,2027-03-15,tech\n"
        b"ann,WAR-XPS-01,expert,31/02/2025,,\n",
        "t.csv",
    )
    assert records[0].trained.isoformat() == "2025-03-16" and records[0].trainer == "tech"
    assert "level: 'expert'" in bad[0].problem and "trained_at: '31/02/2025'" in bad[0].problem

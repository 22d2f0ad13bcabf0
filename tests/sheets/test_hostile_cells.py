"""Hostile sheets: a size cap checked before any work, NUL bytes named by line and column,
formula-like text kept exactly as typed, and our own exports' `'` taken off again."""

from __future__ import annotations

import time

import pytest

from equipshare.domain.errors import InputError
from equipshare.sheets.csv_files import MAX_SHEET_BYTES, read_sheet, trim
from equipshare.sheets.people import read_users
from equipshare.sheets.uniquip import HEADERS, read_entries, write_sheet
from tests.support.sheet_files import uniquip_csv, uniquip_row

COLUMNS = {"id": "ID", "name": "Name"}


def refusal(data: bytes, limit: int = MAX_SHEET_BYTES) -> str:
    with pytest.raises(InputError) as raised:
        read_sheet(data, "f.csv", COLUMNS, required=("id",), limit=limit)
    assert raised.value.exit_code == 2
    return str(raised.value)


def test_a_sheet_over_the_cap_is_refused_before_it_is_decoded_naming_the_cap() -> None:
    started = time.perf_counter()
    message = refusal(b"\xff" * (2 * 1024 * 1024 + 1), limit=2 * 1024 * 1024)
    assert time.perf_counter() - started < 0.5
    assert message == (
        "f.csv: over the 2 MB limit for a spreadsheet ([limits] sheet_megabytes in "
        "equipshare.toml raises it); nothing imported"
    )
    assert read_sheet(b"ID\nX\n", "f.csv", COLUMNS, ("id",), limit=5).rows[0].get("id") == "X"
    assert MAX_SHEET_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"ID,Name\nX1,a\x00b\n", "f.csv:2: column 2 (Name)"),
        (b'ID,Name\nX1,"one\r\ntwo\x00"\n', "f.csv:3: column 2 (Name)"),  # the NUL's own line
        (b"ID,Name,Notes\nX1,a,\x00\n", "f.csv:2: column 3 (Notes)"),  # even one we ignore
        (b"ID,Na\x00me\nX1,a\n", "f.csv:1: column 2"),
        ("ID,Name\nX1,a\n".encode("utf-16-le"), "f.csv:1: column 1"),  # UTF-16 without a BOM
        ("ID;Name\r\n\r\nX1;b\r\nX2;\x00\r\n".encode("cp1252"), "f.csv:4: column 2 (Name)"),
    ],
)
def test_a_nul_byte_is_refused_in_one_line_naming_line_and_column(data: bytes, where: str) -> None:
    message = refusal(data)
    assert message.startswith(f"{where} holds a NUL byte")
    assert message.endswith("nothing imported") and "\n" not in message


def test_formula_like_text_is_kept_exactly_and_never_trimmed_into_a_formula() -> None:
    data = b'ID,Name\nX1,"\t=1+2"\nX2,  =SUM(A1)  \nX3,"  Plain  "\nX4,-12.50\nX5,"\t-3"\n'
    sheet = read_sheet(data, "f.csv", COLUMNS, required=("id",))
    assert [row.get("name") for row in sheet.rows] == [
        "\t=1+2",
        "  =SUM(A1)",
        "Plain",
        "-12.50",
        "-3",
    ]
    assert trim("\t=1+2 ") == "\t=1+2" and trim(" \tword\t") == "word"


def test_the_quote_our_exports_put_before_a_formula_is_taken_off_and_nothing_else() -> None:
    data = b"ID,Name\nX1,'\t=1+2\nX2,'=cmd\nX3,''=x\nX4,'quoted\nX5,'-12.50\n"
    sheet = read_sheet(data, "f.csv", COLUMNS, required=("id",))
    assert [row.get("name") for row in sheet.rows] == [
        "\t=1+2",
        "=cmd",
        "'=x",
        "'quoted",
        "'-12.50",
    ]


def test_a_users_name_keeps_its_tab_before_a_formula() -> None:
    _, users, bad = read_users(b'username,name,institution\nann,"\t=1+2",WARWICK\n', "p.csv")
    assert not bad and users[0].name == "\t=1+2"


def test_a_uniquip_sheet_written_escaped_reads_back_to_the_same_entries() -> None:
    hostile = {
        "Description": "\t=1+2",
        "Contact Telephone": "+44 24 7652 3523",
        "Technique": "=cmd|' /C calc'!A0",
        "Location": "@A1",
        "Building": "-2+3",
    }
    _, entries, bad = read_entries(uniquip_csv([uniquip_row("U-1", "XPS", **hostile)]), "u.csv")
    assert not bad
    entry = entries[0]
    assert (entry.description, entry.contact_telephone, entry.technique) == (
        "\t=1+2",
        "+44 24 7652 3523",
        "=cmd|' /C calc'!A0",
    )
    by_header = dict(zip(HEADERS, [getattr(entry, f) or "" for f in _fields()], strict=True))
    written = write_sheet([[by_header[h] for h in HEADERS]])
    assert b"'\t=1+2" in written and b"'+44 24 7652 3523" in written and b"'@A1" in written
    raw = write_sheet([[by_header[h] for h in HEADERS]], escape=False)
    assert b"XPS,\t=1+2,,=cmd|' /C calc'!A0,@A1," in raw
    _, again, bad = read_entries(written, "again.csv")
    assert not bad and again == [entry]


def _fields() -> list[str]:
    from equipshare.sheets.uniquip import COLUMNS as SPEC

    return [field for _, field, _ in SPEC] + ["institution"]

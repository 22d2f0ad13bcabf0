"""Reading a grant plan sheet as spreadsheets write it, and refusing a bad one by its line."""

from __future__ import annotations

import pytest

from equipshare.domain.errors import InputError
from equipshare.domain.records.money.grants import PlanLine
from equipshare.sheets.grant_plan import read_plan


def test_a_sheet_with_a_bom_semicolons_and_other_headers_reads() -> None:
    data = "\ufeffInstrument code;Grant year;Instrument hours;Technician hours\r\n".encode()
    data += b"WAR-XPS-01;1;120;40\r\n\r\nAST-SEM-01;2;7.5;\r\n"
    assert read_plan(data, "plan.csv") == (
        PlanLine("WAR-XPS-01", 1, 7_200, 2_400, "plan.csv:2"),
        PlanLine("AST-SEM-01", 2, 450, 0, "plan.csv:4"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("instrument,hours\nX,1\n", "plan.csv:1: no year column"),
        ("instrument,year,hours\n", "plan.csv: no rows under the header"),
        ("instrument,year,hours\nX,1,-2\n", "plan.csv:2: hours must be 0 or more hours"),
        ("instrument,year,hours,assisted\nX,1,2,0.001\n", "plan.csv:2: assisted hours 0.001"),
        ("instrument,year,hours\n,1,2\n", "plan.csv:2: no instrument code"),
        ("", "plan.csv: the file is empty"),
    ],
)
def test_a_bad_sheet_is_refused_naming_its_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_plan(text.encode(), "plan.csv")

"""Spreadsheet files for the import tests: uniquip rows as a university would publish them."""

from __future__ import annotations

import csv
import io

from equipshare.sheets.uniquip import STANDARD_HEADERS


def uniquip_row(uid: str, name: str, **cells: str) -> dict[str, str]:
    """One uniquip row by header name; Type equipment and Department Chemistry unless given."""
    return {"ID": uid, "Name": name, "Type": "equipment", "Department": "Chemistry"} | cells


def uniquip_csv(
    rows: list[dict[str, str]], headers: tuple[str, ...] = STANDARD_HEADERS, crlf: bool = True
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer, headers, lineterminator="\r\n" if crlf else "\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def many_rows(count: int, prefix: str = "gen") -> bytes:
    """`count` plausible uniquip rows over 20 departments, as a big university's sheet."""
    rows = [
        uniquip_row(
            f"{prefix}-{n:05d}",
            f"Instrument {n}",
            Department=f"Department {n % 20}",
            Technique=["XPS", "SEM", "NMR", "AFM"][n % 4],
            Description=f"Instrument number {n}, with a description of some length. " * 3,
            Location=f"Room {n % 300}, Building {n % 20}",
            **{"Contact Name": "Pat Jones", "Contact Email": "pat@example.ac.uk"},
        )
        for n in range(count)
    ]
    return uniquip_csv(rows)

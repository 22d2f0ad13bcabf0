"""The uniquip spreadsheet (equipment.data.ac.uk): its columns, its rows as entries, and writing it.

Pure, so the import and export services and their tests agree on one column set. How a
uniquip row maps onto equipshare (the import service applies it):

- ID is the key. It is stored as the instrument's `uniquip_id`; a new instrument also
  takes it as its code (so it must fit in 64 characters).
- Type is `equipment` (or blank) or `facility`: a whole facility offered as a service.
- Related Facility ID names the equipshare facility by code; without it the Department
  names it. A facility-type row with no Related Facility ID is its own facility.
- Institution is an equipshare extension column (uniquip sheets belong to one
  university, so it is normally absent and `--institution` says whose sheet it is);
  the export writes it so that a sheet of several institutions round-trips.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from equipshare.domain.display.spreadsheet_cells import escape_rows
from equipshare.domain.enums import UniquipType
from equipshare.domain.records.operations.admin import BadRow, CatalogueEntry
from equipshare.sheets.csv_files import (
    MAX_SHEET_BYTES,
    MAX_SHEET_ROWS,
    Sheet,
    SheetRow,
    column_key,
    optional_email,
    optional_text,
    read_sheet,
)

# The standard's columns in its order, then the extension; (display name, entry field, limit).
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Type", "type", 20),
    ("Name", "name", 200),
    ("Description", "description", 100_000),
    ("Related Facility ID", "related_facility_id", 64),
    ("Technique", "technique", 200),
    ("Location", "location", 300),
    ("Contact Name", "contact_name", 200),
    ("Contact Telephone", "contact_telephone", 64),
    ("Contact URL", "contact_url", 500),
    ("Contact Email", "contact_email", 320),
    ("Secondary Contact Name", "secondary_contact_name", 200),
    ("Secondary Contact Telephone", "secondary_contact_telephone", 64),
    ("Secondary Contact URL", "secondary_contact_url", 500),
    ("Secondary Contact Email", "secondary_contact_email", 320),
    ("ID", "id", 64),
    ("Photo", "photo_url", 500),
    ("Department", "department", 200),
    ("Site Location", "site_location", 200),
    ("Building", "building", 200),
    ("Service Level", "service_level", 200),
    ("Web Address", "web_address", 500),
)
INSTITUTION_COLUMN = "Institution"
STANDARD_HEADERS = tuple(name for name, _, _ in COLUMNS)
HEADERS = (*STANDARD_HEADERS, INSTITUTION_COLUMN)
_KEYS = {column_key(name): name for name in HEADERS}
# (column key, entry field, display name, length limit) for each standard column.
_SPEC = tuple((column_key(name), field, name, limit) for name, field, limit in COLUMNS)
_ALIASES = {"photourl": "photo", "website": "webaddress", "site": "sitelocation"}
_EMAILS = {"contact_email", "secondary_contact_email"}


@dataclass(frozen=True)
class UniquipEntry:
    """One catalogue row in uniquip terms; empty cells are None (description is "")."""

    line: int
    id: str
    type: UniquipType
    name: str
    description: str
    related_facility_id: str | None
    technique: str | None
    location: str | None
    contact_name: str | None
    contact_telephone: str | None
    contact_url: str | None
    contact_email: str | None
    secondary_contact_name: str | None
    secondary_contact_telephone: str | None
    secondary_contact_url: str | None
    secondary_contact_email: str | None
    photo_url: str | None
    department: str | None
    site_location: str | None
    building: str | None
    service_level: str | None
    web_address: str | None
    institution: str | None

    @property
    def facility_key(self) -> str | None:
        """The facility code the row names: its Related Facility ID, or a facility's own ID."""
        if self.related_facility_id:
            return self.related_facility_id
        return self.id if self.type is UniquipType.FACILITY else None


# The entry fields an instrument row holds under the same name (the rest are mapped).
INSTRUMENT_FIELDS = tuple(
    f.name
    for f in fields(UniquipEntry)
    if f.name not in {"line", "id", "type", "related_facility_id", "institution"}
)


def read_entries(
    data: bytes, source: str, *, limit: int = MAX_SHEET_BYTES, rows_limit: int = MAX_SHEET_ROWS
) -> tuple[Sheet, list[UniquipEntry], list[BadRow]]:
    """Every row of a uniquip file as an entry, or as a bad row saying what is wrong with it."""
    sheet = read_sheet(
        data, source, _KEYS, ("id", "name"), _ALIASES, limit=limit, rows_limit=rows_limit
    )
    entries: list[UniquipEntry] = []
    bad: list[BadRow] = []
    for row in sheet.rows:
        problems: list[str] = []
        entry = _entry(row, problems)
        if problems:
            bad.append(BadRow(row.line, "; ".join(problems)))
        elif entry is not None:
            entries.append(entry)
    return sheet, entries, bad


def _entry(row: SheetRow, problems: list[str]) -> UniquipEntry | None:
    values: dict[str, object] = {}
    for key, field, name, limit in _SPEC:
        if field in _EMAILS:
            values[field] = optional_email(row.get(key), name, problems)
        else:
            values[field] = optional_text(row.get(key), name, limit, problems)
    if not values["id"]:
        problems.append("ID: missing (it is the key that updates the row next time)")
    if not values["name"]:
        problems.append("Name: missing")
    kind = str(values.pop("type") or UniquipType.EQUIPMENT.value).casefold()
    try:
        chosen = UniquipType(kind)
    except ValueError:
        problems.append(f"Type: {kind!r} is neither equipment nor facility")
        return None
    institution = row.get("institution").upper() or None
    if problems:
        return None
    values["description"] = values["description"] or ""
    return UniquipEntry(line=row.line, type=chosen, institution=institution, **values)  # type: ignore[arg-type]


def write_sheet(rows: Iterable[Sequence[str]], *, escape: bool = True) -> bytes:
    """A uniquip CSV (RFC 4180: CRLF, quoted where needed, UTF-8) with the header line;
    cells a spreadsheet would run as formulas get a `'` in front unless `escape` is False
    (`read_entries` takes it off again)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(escape_rows(rows, escape))
    return buffer.getvalue().encode("utf-8")


def cells(entry: CatalogueEntry) -> list[str]:
    """An exported instrument as one uniquip row, in HEADERS order; the facility's code is
    its Related Facility ID, so the row finds the same facility when imported again."""
    values: dict[str, str | None] = {name: getattr(entry, name) for name in INSTRUMENT_FIELDS}
    values |= {
        "type": entry.uniquip_type.value,
        "id": entry.uniquip_id,
        "related_facility_id": entry.facility_code,
    }
    row = [values[field] or "" for _, field, _ in COLUMNS]
    return [*row, entry.institution_code]

"""An acknowledgement as text, Markdown, JSON or CSV: the paragraph and the same as data.

Every form is made from one list of rows (one per instrument, per technician's technique),
so they always agree; an opted-out technician is in the records only as UNNAMED_STAFF,
so no form can name them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from equipshare.domain.acknowledgements.wording import nothing_words, paragraph
from equipshare.domain.display.spreadsheet_cells import escape_row
from equipshare.domain.records.impact.acknowledgements import Acknowledgement, CreditRole
from equipshare.domain.records.impact.reports import hours

FORMATS = ("text", "markdown", "json", "csv")
COLUMNS = (
    "role",
    "facility",
    "institution",
    "technique",
    "instrument",
    "technician",
    "orcid",
    "sessions",
    "hours",
)


def rows(acknowledgement: Acknowledgement) -> list[dict[str, str]]:
    """One row per instrument (Resources) and per technician and technique (Investigation
    for assisted sessions, Supervision for training), facility by facility."""
    found: list[dict[str, str]] = []
    for facility in acknowledgement.facilities:
        where = {"facility": facility.code, "institution": facility.institution_code}
        for use in facility.instruments:
            found.append(
                {
                    "role": CreditRole.RESOURCES.value,
                    **where,
                    "technique": use.technique,
                    "instrument": use.code,
                    "technician": "",
                    "orcid": "",
                    "sessions": str(use.sessions),
                    "hours": str(hours(use.minutes)),
                }
            )
        for credit in facility.technicians:
            for activity in credit.activities:
                trained = activity.role is CreditRole.SUPERVISION
                found.append(
                    {
                        "role": activity.role.value,
                        **where,
                        "technique": activity.technique,
                        "instrument": "",
                        "technician": credit.name,
                        "orcid": credit.orcid or "",
                        "sessions": str(activity.sessions),
                        "hours": "" if trained else str(hours(activity.minutes)),
                    }
                )
    return found


def as_data(acknowledgement: Acknowledgement) -> dict[str, Any]:
    """The acknowledgement as JSON-ready data, for a repository or a publisher's form."""
    period = acknowledgement.period
    return {
        acknowledgement.subject_kind.value: acknowledgement.subject,
        "from": period.first_day.isoformat() if period.first_day else None,
        "to": period.last_day.isoformat() if period.last_day else None,
        "timezone": period.timezone,
        "paragraph": paragraph(acknowledgement),
        "sessions": acknowledgement.sessions,
        "minutes": acknowledgement.minutes,
        "hours": str(hours(acknowledgement.minutes)),
        "facilities": [
            {
                "code": f.code,
                "name": f.name,
                "institution": {"code": f.institution_code, "name": f.institution_name},
                "role": CreditRole.RESOURCES.value,
                "sessions": f.sessions,
                "minutes": f.minutes,
                "hours": str(hours(f.minutes)),
                "instruments": [
                    {
                        "code": i.code,
                        "name": i.name,
                        "technique": i.technique,
                        "sessions": i.sessions,
                        "minutes": i.minutes,
                        "hours": str(hours(i.minutes)),
                        "assisted_sessions": i.assisted_sessions,
                        "assisted_minutes": i.assisted_minutes,
                    }
                    for i in f.instruments
                ],
                "technicians": [
                    {
                        "name": t.name,
                        "named": t.named,
                        "orcid": t.orcid,
                        "job_title": t.job_title or None,
                        "roles": [role.value for role in t.roles],
                        "activities": [
                            {
                                "role": a.role.value,
                                "technique": a.technique,
                                "sessions": a.sessions,
                                "minutes": a.minutes,
                            }
                            for a in t.activities
                        ],
                    }
                    for t in f.technicians
                ],
            }
            for f in acknowledgement.facilities
        ],
    }


def as_json(acknowledgement: Acknowledgement) -> str:
    return json.dumps(as_data(acknowledgement), indent=2, ensure_ascii=False)


def as_csv(acknowledgement: Acknowledgement, *, escape: bool = True) -> str:
    """The rows as CSV; cells a spreadsheet would run as formulas get a ' unless `escape`
    is False (for programs that want the values exactly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows(acknowledgement):
        writer.writerow(escape_row([row[column] for column in COLUMNS], escape))
    return out.getvalue()


def _aligned(table: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]


def as_text(acknowledgement: Acknowledgement) -> str:
    """The paragraph to paste, then the data as an aligned table."""
    if acknowledgement.empty:
        return nothing_words(acknowledgement) + "\n"
    table = [list(COLUMNS), *([row[c] for c in COLUMNS] for row in rows(acknowledgement))]
    return f"{paragraph(acknowledgement)}\n\n" + "\n".join(_aligned(table)) + "\n"


def _markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def as_markdown(acknowledgement: Acknowledgement) -> str:
    """A heading, the paragraph and the data as a Markdown table (a printable page)."""
    period = acknowledgement.period
    heading = f"# Acknowledgement: {acknowledgement.subject} ({period.words()}, {period.timezone})"
    if acknowledgement.empty:
        return f"{heading}\n\n{nothing_words(acknowledgement)}\n"
    lines = [heading, "", paragraph(acknowledgement), ""]
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append(
        "|" + "|".join("---:" if c in ("sessions", "hours") else "---" for c in COLUMNS) + "|"
    )
    for row in rows(acknowledgement):
        lines.append("| " + " | ".join(_markdown_cell(row[c]) for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def render(acknowledgement: Acknowledgement, output: str, *, escape_csv: bool = True) -> str:
    """The acknowledgement in `output` form: text, markdown, json or csv."""
    if output == "markdown":
        return as_markdown(acknowledgement)
    if output == "json":
        return as_json(acknowledgement) + "\n"
    if output == "csv":
        return as_csv(acknowledgement, escape=escape_csv)
    return as_text(acknowledgement)

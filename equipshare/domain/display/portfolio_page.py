"""A technician's portfolio as rows and as a printable Markdown page, for every front end.

`equipshare report portfolio` prints these rows as a table, CSV or JSON and the page as
`--format markdown`; the Portfolio screen saves the same page. Values are plain: counts,
hours as Decimals, text.
"""

from __future__ import annotations

from equipshare.domain.display.wording import count_words
from equipshare.domain.records.impact.portfolio import Portfolio
from equipshare.domain.records.impact.reports import hours

Rows = list[dict[str, object]]

INSTRUMENT_COLUMNS = [
    "instrument", "name", "facility", "assisted_sessions", "assisted_hours", "training_given",
    "people_trained", "renewals", "downtimes_handled", "downtime_hours", "looks_after",
]  # fmt: skip
INSTITUTION_COLUMNS = ["institution", "name", "assisted_sessions", "assisted_hours", "people"]
OUTPUT_COLUMNS = ["year", "title", "doi", "institution", "credited_for"]
SUMMARY_COLUMNS = ["figure", "value"]


def instrument_rows(portfolio: Portfolio) -> Rows:
    return [
        {
            "instrument": r.instrument_code,
            "name": r.instrument_name,
            "facility": r.facility_code,
            "assisted_sessions": r.assisted_sessions,
            "assisted_hours": hours(r.assisted_minutes),
            "training_given": r.training_records,
            "people_trained": r.people_trained,
            "renewals": r.renewals,
            "downtimes_handled": r.downtimes_handled,
            "downtime_hours": hours(r.downtime_minutes),
            "looks_after": "yes" if r.looked_after else "",
        }
        for r in portfolio.instruments
    ]


def institution_rows(portfolio: Portfolio) -> Rows:
    return [
        {
            "institution": r.institution_code,
            "name": r.institution_name,
            "assisted_sessions": r.assisted_sessions,
            "assisted_hours": hours(r.assisted_minutes),
            "people": r.people,
        }
        for r in portfolio.institutions
    ]


def output_rows(portfolio: Portfolio) -> Rows:
    return [
        {
            "year": o.year,
            "title": o.title,
            "doi": o.doi,
            "institution": o.institution_code,
            "credited_for": o.credited_for,
        }
        for o in portfolio.outputs
    ]


def summary_rows(portfolio: Portfolio) -> Rows:
    figures: list[tuple[str, object]] = [
        ("name", portfolio.name),
        ("username", portfolio.username),
        ("orcid", portfolio.orcid or ""),
        ("job_title", portfolio.job_title),
        ("institution", portfolio.institution_code),
        ("facilities", " ".join(portfolio.facility_codes)),
        ("assisted_sessions", portfolio.assisted_sessions),
        ("assisted_hours", hours(portfolio.assisted_minutes)),
        ("training_given", portfolio.training_records),
        ("people_trained", portfolio.people_trained),
        ("renewals", portfolio.renewals),
        ("downtimes_handled", portfolio.downtimes_handled),
        ("downtime_hours", hours(portfolio.downtime_minutes)),
        ("instruments_looked_after", portfolio.instruments_looked_after),
        ("outputs_acknowledging", len(portfolio.outputs)),
    ]
    return [{"figure": name, "value": value} for name, value in figures]


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, on one line."""
    return " ".join(("" if value is None else str(value)).split()).replace("|", "\\|")


def _table(rows: Rows, columns: list[str], headers: list[str]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(row[c]) for c in columns) + " |" for row in rows]
    return lines


def markdown_page(portfolio: Portfolio) -> str:
    """The portfolio as a printable Markdown page."""
    p, period = portfolio, portfolio.period
    lines = [f"# Technician portfolio: {_cell(p.name)}", ""]
    facts = [f"**Period:** {period.words()} ({period.timezone})"]
    if p.job_title:
        facts.append(f"**Job title:** {_cell(p.job_title)}")
    facts.append(f"**Institution:** {p.institution_code}")
    if p.facility_codes:
        facts.append(f"**Facilities:** {', '.join(p.facility_codes)}")
    if p.orcid:
        facts.append(f"**ORCID iD:** https://orcid.org/{p.orcid}")
    lines += ["  \n".join(facts), "", "## Summary", ""]
    lines += [
        f"- {count_words(p.assisted_sessions, 'assisted session')}, {hours(p.assisted_minutes)} h",
        f"- {count_words(p.training_records, 'training record')} given to "
        f"{count_words(p.people_trained, 'person', 'people')}; "
        f"{count_words(p.renewals, 'renewal')}",
        f"- {count_words(p.downtimes_handled, 'downtime')} handled, {hours(p.downtime_minutes)} h",
        f"- {count_words(p.instruments_looked_after, 'instrument')} looked after",
        f"- {count_words(len(p.outputs), 'research output')} acknowledging this work",
        "",
    ]
    if p.instruments:
        lines += ["## By instrument", ""]
        lines += _table(instrument_rows(p), INSTRUMENT_COLUMNS, [
            "Instrument", "Name", "Facility", "Assisted", "Hours", "Training", "People",
            "Renewals", "Downtimes", "Downtime h", "Looks after",
        ])  # fmt: skip
        lines.append("")
    if p.institutions:
        lines += ["## Assisted sessions by the users' institutions", ""]
        lines += _table(institution_rows(p), INSTITUTION_COLUMNS,
                        ["Institution", "Name", "Sessions", "Hours", "People"])  # fmt: skip
        lines.append("")
    if p.outputs:
        lines += ["## Research outputs acknowledging this work", ""]
        lines += _table(output_rows(p), OUTPUT_COLUMNS,
                        ["Year", "Title", "DOI", "Institution", "Credited for"])  # fmt: skip
        lines.append("")
    lines.append("Counted by equipshare from the facilities' bookings, training records and "
                 "downtime; a session counts in the period its start falls in.")  # fmt: skip
    return "\n".join(lines) + "\n"

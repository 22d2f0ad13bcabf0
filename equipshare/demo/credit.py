"""Technicians' credit profiles in the demo: a few named with ORCID iDs, one opted out.

Chosen from the planned bookings (the technicians who assisted most sessions), so that
acknowledgements and portfolios on the demo show a technician with a credit name and an
iD beside one printed as the facility's technical staff. Drawn without the planner's
random stream, so adding profiles moved no booking.

The iDs are in the block 0000-0000-xxxx-xxxx, which ORCID never issued: each passes the
ISO 7064 check, and none is a real person's.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from equipshare.demo.calendar import PlannedInstrument, Row
from equipshare.domain.inputs.scholarly_ids import orcid_check_digit

#: How many technicians keep a profile; the second of them opts out of being named.
PROFILED = 6
OPTED_OUT = 1
JOB_TITLES = (
    "Senior Research Technician",
    "Research Technician",
    "Technical Specialist",
    "Experimental Officer",
    "Senior Technical Specialist",
    "Research Technician",
)


def demo_orcid(user_id: int) -> str:
    """A well-formed iD no one holds: 0000-0000- and the user's id, with its check digit."""
    base = f"00000000{user_id:07d}"
    digits = base + orcid_check_digit(base)
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def technician_profiles(
    bookings: list[Row],
    instruments: list[PlannedInstrument],
    users: list[Row],
    at: datetime,
) -> list[Row]:
    """Profile rows for the technicians who assisted most (ties by id), by user id."""
    assisted = Counter(
        b["technician_id"]
        for b in bookings
        if b["technician_id"] is not None and b["technician_id"] != b["user_id"]
    )
    chosen = sorted(assisted, key=lambda user_id: (-assisted[user_id], user_id))[:PROFILED]
    techniques: dict[int, list[str]] = {}
    for instrument in instruments:
        for technician in instrument.facility.technicians:
            known = techniques.setdefault(technician, [])
            if instrument.kind.category not in known:
                known.append(instrument.kind.category)
    names = {row["id"]: row["display_name"] for row in users}
    rows = []
    for rank, user_id in enumerate(chosen):
        rows.append(
            {
                "user_id": user_id,
                # One prints a title; the rest print their display name.
                "credit_name": f"Dr {names[user_id]}" if rank == 2 else "",
                "orcid": demo_orcid(user_id),
                "job_title": JOB_TITLES[rank % len(JOB_TITLES)],
                "expertise": ", ".join(techniques.get(user_id, ())),
                "named": rank != OPTED_OUT,
                "updated_at": at,
                "updated_by_id": user_id,
            }
        )
    return sorted(rows, key=lambda row: row["user_id"])

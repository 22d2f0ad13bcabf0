"""`equipshare check` of the opening weeks against the opening hours they sum.

The database keeps `opening_weeks` itself, by triggers on `opening_hours`, so a
difference means a trigger dropped or disabled by hand, a restore from a partial copy,
or a bug; either way the utilisation report would count the wrong opening minutes.
`check --repair` rebuilds the rows (services/admin/integrity_rollups.py)."""

from __future__ import annotations

from sqlalchemy import Connection

from equipshare.db import opening_weeks
from equipshare.domain.records.operations.maintenance import IntegrityProblem
from equipshare.services.admin.integrity_diff import keys_differing

CHECKS = ("opening weeks",)
#: How many differing instruments `check` names one by one; the rest are counted.
SHOWN = 50


def differing_weeks(conn: Connection) -> list[int]:
    """Instrument ids whose opening week is missing, wrong or left over."""
    expected, stored = opening_weeks.expected(), opening_weeks.stored()
    return sorted(key for (key,) in keys_differing(conn, expected, stored, "instrument_id"))


def opening_week_problems(conn: Connection) -> list[IntegrityProblem]:
    problems = [
        IntegrityProblem(
            "opening weeks",
            f"trigger {name}",
            f"the trigger {name} is missing or disabled, so the opening weeks go stale "
            "as opening hours change (migration 0025 creates it)",
        )
        for name in opening_weeks.missing_triggers(conn)
    ]
    weeks = differing_weeks(conn)
    problems += [
        IntegrityProblem(
            "opening weeks",
            f"instrument {instrument}",
            f"the opening week of instrument {instrument} does not match its opening hours: "
            "run `equipshare check --repair`",
        )
        for instrument in weeks[:SHOWN]
    ]
    if len(weeks) > SHOWN:
        problems.append(
            IntegrityProblem(
                "opening weeks",
                f"{len(weeks) - SHOWN} more instruments",
                f"and {len(weeks) - SHOWN} more opening weeks differ from their hours",
            )
        )
    return problems

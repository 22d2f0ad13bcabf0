"""Frozen records the maintenance services return: backups, checks, purges, anonymising, closing.

Kept apart from records.py so the admin commands' shapes live together; the TUI uses none
of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path


@dataclass(frozen=True)
class BackupResult:
    """One backup written: from which database, to which file, by which tool."""

    engine: str
    database: str
    path: Path
    size_bytes: int
    revision: str | None
    tool: str


@dataclass(frozen=True)
class RestoreResult:
    """One restore done: the file read, the database written and the schema it now has."""

    engine: str
    database: str
    path: Path
    revision: str | None
    at_head: bool
    replaced_data: bool
    tool: str


@dataclass(frozen=True)
class IntegrityProblem:
    """One thing found wrong: which check, the ids involved, and what is wrong in words."""

    check: str
    ids: str
    detail: str


@dataclass(frozen=True)
class IntegrityReport:
    """Every check run and every problem found; clean when `problems` is empty."""

    engine: str
    checks: tuple[str, ...]
    problems: tuple[IntegrityProblem, ...]

    @property
    def clean(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class PurgeReport:
    """What a purge deleted (or, dry, would delete), and the cut-offs it used."""

    dry_run: bool
    bookings_before: datetime
    audit_before: datetime
    bookings: int
    notifications: int
    series: int
    audit_events: int
    #: Cancelled bookings past cancelled_days kept because a statement bills them (open
    #: months, or issued ones within [retention] financial_days).
    kept_charged: int = 0
    #: Browser sessions and emailed sign-in links (with their user agents and addresses)
    #: last used before the audit cut-off: they are sign-in records, kept as long as audit.
    sign_ins: int = 0


@dataclass(frozen=True)
class AnonymisedUser:
    """A user whose personal data was replaced: no old name, email or username is kept here."""

    user_id: int
    pseudonym: str
    role: str
    institution_code: str
    bookings: int


@dataclass(frozen=True)
class AnonymiseReport:
    """Who was (or, dry, would be) anonymised, inactive since `inactive_since`."""

    dry_run: bool
    inactive_since: date
    users: tuple[AnonymisedUser, ...]


@dataclass(frozen=True)
class ClosePastReport:
    """Bookings a close-past run marked completed or no-show, and requests it lapsed (or,
    dry, would).

    `repriced_ids` are the completed ones billed check-in to booked end (ACTUAL basis,
    never checked out).
    """

    dry_run: bool
    now: datetime
    completed_ids: tuple[int, ...]
    no_show_ids: tuple[int, ...] = ()
    repriced_ids: tuple[int, ...] = ()
    lapsed_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RollupRepair:
    """What `check --repair` found and did: instrument-days whose roll-up differed from
    their bookings, the day table's rows before and after (equal on a dry run),
    instrument-months whose roll-up differed from their days, host institution-months
    whose roll-up differed from their instrument-months, and instruments whose opening
    week differed from their opening hours."""

    dry_run: bool
    differing_days: int
    rows_before: int
    rows_after: int
    differing_months: int = 0
    differing_host_months: int = 0
    differing_opening_weeks: int = 0

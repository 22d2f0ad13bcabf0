"""opening weeks: each instrument's open minutes per weekday, kept by triggers

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08

`opening_weeks` holds, per instrument with opening hours, the minutes it is open on each
weekday (the sums of its `opening_hours` intervals), so a report's opening minutes are
one row an instrument rather than one an interval. Triggers on `opening_hours` rewrite
an instrument's row after every write to its hours, whatever wrote them: per row on
SQLite, per statement on PostgreSQL (from the statement's transition tables, so a bulk
load of 250,000 intervals rewrites each instrument once). This migration fills it from
the hours already there. The SQL is written out here so the migration stays frozen.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COLUMNS = ", ".join(("instrument_id", *DAYS))
SUMS = ", ".join(
    f"sum(CASE WHEN weekday = {n} THEN closes_minute - opens_minute ELSE 0 END)"
    for n in range(len(DAYS))
)
#: (event, SQLite's row reference(s) naming the instrument(s) whose row it rewrites)
SQLITE_EVENTS = (("insert", ("NEW",)), ("delete", ("OLD",)), ("update", ("OLD", "NEW")))


def _sqlite_rewrite(row: str) -> str:
    return (
        f"DELETE FROM opening_weeks WHERE instrument_id = {row}.instrument_id; "
        f"INSERT INTO opening_weeks ({COLUMNS}) SELECT {row}.instrument_id, {SUMS} "
        f"FROM opening_hours WHERE instrument_id = {row}.instrument_id GROUP BY instrument_id;"
    )


def _postgresql_function() -> str:
    """One function for the three statement triggers: each names its transition tables
    changed_new and changed_old, and only the branches of its own event run."""
    rewrite = (
        "DELETE FROM opening_weeks WHERE instrument_id IN (SELECT instrument_id FROM {t}); "
        f"INSERT INTO opening_weeks ({COLUMNS}) SELECT instrument_id, {SUMS} "
        "FROM opening_hours WHERE instrument_id IN (SELECT instrument_id FROM {t}) "
        "GROUP BY instrument_id;"
    )
    return (
        "CREATE FUNCTION opening_weeks_rewrite() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP IN ('DELETE', 'UPDATE') THEN "
        + rewrite.format(t="changed_old")
        + " END IF; IF TG_OP IN ('INSERT', 'UPDATE') THEN "
        + rewrite.format(t="changed_new")
        + " END IF; RETURN NULL; END; $$ LANGUAGE plpgsql"
    )


def upgrade() -> None:
    op.create_table(
        "opening_weeks",
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        *(sa.Column(day, sa.Integer(), nullable=False) for day in DAYS),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_opening_weeks_instrument_id_instruments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("instrument_id", name=op.f("pk_opening_weeks")),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_postgresql_function())
        referencing = {
            "insert": "NEW TABLE AS changed_new",
            "delete": "OLD TABLE AS changed_old",
            "update": "OLD TABLE AS changed_old NEW TABLE AS changed_new",
        }
        for event, tables in referencing.items():
            op.execute(
                f"CREATE TRIGGER opening_weeks_after_{event} AFTER {event.upper()} "
                f"ON opening_hours REFERENCING {tables} "
                "FOR EACH STATEMENT EXECUTE FUNCTION opening_weeks_rewrite()"
            )
    else:
        for event, rows in SQLITE_EVENTS:
            body = " ".join(_sqlite_rewrite(row) for row in rows)
            op.execute(
                f"CREATE TRIGGER opening_weeks_after_{event} AFTER {event.upper()} "
                f"ON opening_hours FOR EACH ROW BEGIN {body} END"
            )
    op.execute(
        f"INSERT INTO opening_weeks ({COLUMNS}) SELECT instrument_id, {SUMS} "
        "FROM opening_hours GROUP BY instrument_id ORDER BY instrument_id"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for event, _rows in SQLITE_EVENTS:
        on = " ON opening_hours" if postgresql else ""
        op.execute(f"DROP TRIGGER IF EXISTS opening_weeks_after_{event}{on}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS opening_weeks_rewrite()")
    op.drop_table("opening_weeks")

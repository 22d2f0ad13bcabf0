"""Migrations go from empty to head and back on both engines, and agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from equipshare.db import migrate, tables
from equipshare.db.engine import Database
from equipshare.domain.errors import DatabaseNotAtHead

TABLES = {
    "institutions",
    "facilities",
    "users",
    "facility_staff",
    "instruments",
    "opening_hours",
    "training_records",
    "booking_series",
    "bookings",
    "downtimes",
    "rate_cards",
    "audit_events",
    "waitlist_entries",
    "notifications",
    "feed_tokens",
}


def test_upgrade_to_head_and_back_to_base(empty_database_url: str) -> None:
    db = Database.connect(empty_database_url)
    try:
        assert migrate.current_revision(db.engine) is None
        migrate.upgrade(db.engine)
        assert migrate.current_revision(db.engine) == migrate.head_revision(db.engine)
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        migrate.downgrade(db.engine, "base")
        assert migrate.current_revision(db.engine) is None
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(db.engine)  # and up again: downgrade left nothing behind to clash
        assert migrate.current_revision(db.engine) == migrate.head_revision(db.engine)
    finally:
        db.dispose()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_models_and_migrations_agree(database: Database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, tables.metadata)
    assert diff == []


def test_every_check_constraint_is_named() -> None:
    for table in tables.metadata.tables.values():
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"


def test_refuses_a_database_not_at_head(empty_database_url: str) -> None:
    db = Database.connect(empty_database_url)
    try:
        with pytest.raises(DatabaseNotAtHead, match="run `equipshare db upgrade`"):
            migrate.ensure_at_head(db.engine)
        migrate.upgrade(db.engine)
        migrate.ensure_at_head(db.engine)
    finally:
        db.dispose()


def test_postgres_has_the_exclusion_constraint(database: Database) -> None:
    if database.backend != "postgresql":
        # SQLite has no exclusion constraints; BEGIN IMMEDIATE guards it instead.
        names = {c["name"] for c in inspect(database.engine).get_check_constraints("bookings")}
        assert "ex_bookings_no_overlap" not in names
        assert "ck_bookings_ends_after_starts" in names
        return
    with database.engine.connect() as conn:
        found = (
            conn.exec_driver_sql(
                "SELECT conname FROM pg_constraint "
                "WHERE contype = 'x' AND conrelid = 'bookings'::regclass"
            )
            .scalars()
            .all()
        )
    assert found == ["ex_bookings_no_overlap"]


def test_the_category_search_index_is_built_on_the_lower_cased_category(
    database: Database,
) -> None:
    """Autogenerate cannot compare expression indexes on SQLite, so look for it directly."""
    dialect = database.engine.dialect.name
    query = (
        "SELECT sql FROM sqlite_master WHERE name = 'ix_instruments_category_search'"
        if dialect == "sqlite"
        else "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_instruments_category_search'"
    )
    with database.engine.connect() as conn:
        definition = conn.execute(text(query)).scalar_one()
    assert "lower(" in definition.lower() and "allow_overnight" in definition

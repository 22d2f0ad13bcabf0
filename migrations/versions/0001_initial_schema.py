"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23

The PostgreSQL-only parts (btree_gist and the exclusion constraint that makes
double booking impossible) and the append-only triggers on audit_events are
written by hand: autogenerate emits neither the extension nor a dialect condition.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ACTIVE_BOOKINGS = "status IN ('pending', 'confirmed')"
AUDIT_APPEND_ONLY = "audit events are append-only"


def _create_backend_specific() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # btree_gist lets a GiST index combine instrument_id (=) with the time range (&&).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap EXCLUDE USING gist "
            "(instrument_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE ({ACTIVE_BOOKINGS})"
        )
        op.execute(
            f"""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{AUDIT_APPEND_ONLY}'; END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
    elif dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, '{AUDIT_APPEND_ONLY}'); END"
        )


def _drop_backend_specific() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(
        "DROP TRIGGER IF EXISTS audit_events_no_update"
        + (" ON audit_events" if dialect == "postgresql" else "")
    )
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
        op.execute("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_no_overlap")
        # btree_gist is left installed: other schemas in the database may use it.


def upgrade() -> None:
    op.create_table(
        "institutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=8), nullable=False),
        sa.Column("is_partner", sa.Boolean(), nullable=False),
        sa.Column("email_domain", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "sector IN ('academic', 'industry')", name=op.f("ck_institutions_sector_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
        sa.UniqueConstraint("code", name=op.f("uq_institutions_code")),
    )
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("building", sa.String(length=200), nullable=True),
        sa.Column("site", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("web_address", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_facilities_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
        sa.UniqueConstraint("code", name=op.f("uq_facilities_code")),
        sa.UniqueConstraint(
            "institution_id", "name", name=op.f("uq_facilities_institution_id_name")
        ),
    )
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_facilities_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('researcher', 'technician', 'facility_manager', 'admin')",
            name=op.f("ck_users_role_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_users_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_users_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_events_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_events_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_occurred_at"), ["occurred_at"], unique=False
        )

    op.create_table(
        "facility_staff",
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "role IN ('manager', 'technician')", name=op.f("ck_facility_staff_role_valid")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_facility_staff_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_facility_staff_user_id_users")
        ),
        sa.PrimaryKeyConstraint("facility_id", "user_id", name=op.f("pk_facility_staff")),
    )
    with op.batch_alter_table("facility_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_facility_staff_user_id"), ["user_id"], unique=False)

    op.create_table(
        "instruments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("technique", sa.String(length=200), nullable=True),
        sa.Column("manufacturer", sa.String(length=200), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("building", sa.String(length=200), nullable=True),
        sa.Column("room", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("access_level", sa.String(length=17), nullable=False),
        sa.Column("contact_technician_id", sa.Integer(), nullable=True),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("min_minutes", sa.Integer(), nullable=False),
        sa.Column("max_minutes", sa.Integer(), nullable=False),
        sa.Column("min_notice_minutes", sa.Integer(), nullable=False),
        sa.Column("max_days_ahead", sa.Integer(), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        sa.Column("requires_training", sa.Boolean(), nullable=False),
        sa.Column("requires_project_code", sa.Boolean(), nullable=False),
        sa.Column("allow_overnight", sa.Boolean(), nullable=False),
        sa.Column("weekly_quota_minutes", sa.Integer(), nullable=True),
        sa.Column("uniquip_id", sa.String(length=100), nullable=True),
        sa.Column("uniquip_type", sa.String(length=9), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("site_location", sa.String(length=200), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("contact_telephone", sa.String(length=64), nullable=True),
        sa.Column("contact_url", sa.String(length=500), nullable=True),
        sa.Column("secondary_contact_name", sa.String(length=200), nullable=True),
        sa.Column("secondary_contact_email", sa.String(length=320), nullable=True),
        sa.Column("secondary_contact_telephone", sa.String(length=64), nullable=True),
        sa.Column("secondary_contact_url", sa.String(length=500), nullable=True),
        sa.Column("photo_url", sa.String(length=500), nullable=True),
        sa.Column("service_level", sa.String(length=200), nullable=True),
        sa.Column("web_address", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "access_level IN ('institution', 'consortium', 'external_academic', 'industry')",
            name=op.f("ck_instruments_access_level_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('available', 'limited', 'out_of_service', 'retired')",
            name=op.f("ck_instruments_status_valid"),
        ),
        sa.CheckConstraint(
            "uniquip_type IN ('equipment', 'facility')",
            name=op.f("ck_instruments_uniquip_type_valid"),
        ),
        sa.CheckConstraint(
            "max_days_ahead > 0", name=op.f("ck_instruments_max_days_ahead_positive")
        ),
        sa.CheckConstraint(
            "min_minutes > 0 AND min_minutes <= max_minutes",
            name=op.f("ck_instruments_length_range"),
        ),
        sa.CheckConstraint(
            "min_notice_minutes >= 0", name=op.f("ck_instruments_min_notice_nonnegative")
        ),
        sa.CheckConstraint(
            "slot_minutes > 0 AND 1440 % slot_minutes = 0",
            name=op.f("ck_instruments_slot_minutes_valid"),
        ),
        sa.CheckConstraint(
            "weekly_quota_minutes IS NULL OR weekly_quota_minutes > 0",
            name=op.f("ck_instruments_quota_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_technician_id"],
            ["users.id"],
            name=op.f("fk_instruments_contact_technician_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_instruments_facility_id_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instruments")),
        sa.UniqueConstraint("code", name=op.f("uq_instruments_code")),
    )
    with op.batch_alter_table("instruments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instruments_category"), ["category"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_instruments_contact_technician_id"),
            ["contact_technician_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_instruments_facility_id"), ["facility_id"], unique=False
        )

    op.create_table(
        "booking_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rrule", sa.String(length=500), nullable=False),
        sa.Column("first_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ical_uid", sa.String(length=255), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_booking_series_instrument_id_instruments"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_booking_series_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_series")),
        sa.UniqueConstraint("ical_uid", name=op.f("uq_booking_series_ical_uid")),
    )
    with op.batch_alter_table("booking_series", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_booking_series_instrument_id"), ["instrument_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_booking_series_user_id"), ["user_id"], unique=False)

    op.create_table(
        "downtimes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=14), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("ical_uid", sa.String(length=255), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reason IN ('maintenance', 'calibration', 'repair', 'engineer_visit', 'other')",
            name=op.f("ck_downtimes_reason_valid"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_downtimes_ends_after_starts")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_downtimes_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_downtimes_instrument_id_instruments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downtimes")),
        sa.UniqueConstraint("ical_uid", name=op.f("uq_downtimes_ical_uid")),
    )
    with op.batch_alter_table("downtimes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_downtimes_instrument_starts", ["instrument_id", "starts_at"], unique=False
        )

    op.create_table(
        "opening_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens_minute", sa.Integer(), nullable=False),
        sa.Column("closes_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
            name=op.f("ck_opening_hours_interval_valid"),
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_opening_hours_weekday_valid")),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_opening_hours_instrument_id_instruments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_hours")),
        sa.UniqueConstraint(
            "instrument_id",
            "weekday",
            "opens_minute",
            name=op.f("uq_opening_hours_instrument_id_weekday_opens_minute"),
        ),
    )
    op.create_table(
        "rate_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("user_class", sa.String(length=17), nullable=False),
        sa.Column("hourly_rate", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("technician_hourly_rate", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "user_class IN ('internal', 'partner', 'external_academic', 'industry')",
            name=op.f("ck_rate_cards_user_class_valid"),
        ),
        sa.CheckConstraint(
            "hourly_rate >= 0 AND technician_hourly_rate >= 0",
            name=op.f("ck_rate_cards_rates_nonnegative"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_rate_cards_instrument_id_instruments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_cards")),
        sa.UniqueConstraint(
            "instrument_id",
            "user_class",
            "valid_from",
            name=op.f("uq_rate_cards_instrument_id_user_class_valid_from"),
        ),
    )
    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("trainer_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=11), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "level IN ('supervised', 'independent')", name=op.f("ck_training_records_level_valid")
        ),
        sa.CheckConstraint(
            "expires_at IS NULL OR expires_at > trained_at",
            name=op.f("ck_training_records_expiry_after_training"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_training_records_instrument_id_instruments"),
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"], ["users.id"], name=op.f("fk_training_records_trainer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_records_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_records")),
    )
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_records_instrument_id"), ["instrument_id"], unique=False
        )
        batch_op.create_index(
            "ix_training_records_user_instrument", ["user_id", "instrument_id"], unique=False
        )

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("recurrence_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=9), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("project_code", sa.String(length=64), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ical_uid", sa.String(length=255), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'cancelled', 'rejected', 'completed', 'no_show')",
            name=op.f("ck_bookings_status_valid"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_bookings_ends_after_starts")),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_bookings_sequence_nonnegative")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_bookings_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_bookings_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_bookings_instrument_id_instruments"),
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["booking_series.id"], name=op.f("fk_bookings_series_id_booking_series")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["users.id"], name=op.f("fk_bookings_technician_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bookings_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("ical_uid", name=op.f("uq_bookings_ical_uid")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_instrument_starts", ["instrument_id", "starts_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bookings_series_id"), ["series_id"], unique=False)
        batch_op.create_index(
            "ix_bookings_technician_starts", ["technician_id", "starts_at"], unique=False
        )
        batch_op.create_index("ix_bookings_user_starts", ["user_id", "starts_at"], unique=False)

    _create_backend_specific()


def downgrade() -> None:
    _drop_backend_specific()
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_user_starts")
        batch_op.drop_index("ix_bookings_technician_starts")
        batch_op.drop_index(batch_op.f("ix_bookings_series_id"))
        batch_op.drop_index("ix_bookings_instrument_starts")

    op.drop_table("bookings")
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.drop_index("ix_training_records_user_instrument")
        batch_op.drop_index(batch_op.f("ix_training_records_instrument_id"))

    op.drop_table("training_records")
    op.drop_table("rate_cards")
    op.drop_table("opening_hours")
    with op.batch_alter_table("downtimes", schema=None) as batch_op:
        batch_op.drop_index("ix_downtimes_instrument_starts")

    op.drop_table("downtimes")
    with op.batch_alter_table("booking_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_series_user_id"))
        batch_op.drop_index(batch_op.f("ix_booking_series_instrument_id"))

    op.drop_table("booking_series")
    with op.batch_alter_table("instruments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instruments_facility_id"))
        batch_op.drop_index(batch_op.f("ix_instruments_contact_technician_id"))
        batch_op.drop_index(batch_op.f("ix_instruments_category"))

    op.drop_table("instruments")
    with op.batch_alter_table("facility_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facility_staff_user_id"))

    op.drop_table("facility_staff")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_occurred_at"))
        batch_op.drop_index("ix_audit_events_entity")
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))

    op.drop_table("audit_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_institution_id"))
        batch_op.drop_index(batch_op.f("ix_users_email"))

    op.drop_table("users")
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilities_institution_id"))

    op.drop_table("facilities")
    op.drop_table("institutions")

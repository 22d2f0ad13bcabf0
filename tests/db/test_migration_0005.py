"""Migration 0005 prices the bookings that already exist, as they were when made (both engines)."""

from __future__ import annotations

from sqlalchemy import text

from equipshare.db import migrate
from equipshare.db.engine import Database

# How SQLite holds a UTC instant. PostgreSQL reads it in the session's zone, which moves
# neither a creation date across a rate change nor a booking's length.
AT = "2026-03-16 09:00:00.000000"
ROWS = (
    "INSERT INTO institutions (id, code, name, sector, is_partner, created_at) VALUES "
    f"(1, 'WAR', 'Warwick', 'academic', TRUE, '{AT}'), "
    f"(2, 'AST', 'Aston', 'academic', TRUE, '{AT}'), "
    f"(3, 'ACME', 'Acme Ltd', 'industry', FALSE, '{AT}')",
    "INSERT INTO users (id, username, display_name, institution_id, role, active, created_at) "
    f"VALUES (1, 'alice', 'Alice', 1, 'researcher', TRUE, '{AT}'), "
    f"(2, 'bob', 'Bob', 2, 'researcher', TRUE, '{AT}'), "
    f"(3, 'dave', 'Dave', 3, 'researcher', TRUE, '{AT}'), "
    f"(4, 'tech', 'Tech', 1, 'technician', TRUE, '{AT}')",
    "INSERT INTO facilities (id, institution_id, code, name, timezone, created_at) "
    f"VALUES (1, 1, 'WAR-PRP', 'Photoemission', 'Europe/London', '{AT}')",
    "INSERT INTO instruments (id, facility_id, code, name, category, description, status, "
    "access_level, slot_minutes, min_minutes, max_minutes, min_notice_minutes, max_days_ahead, "
    "requires_approval, requires_training, requires_project_code, allow_overnight, uniquip_type, "
    "created_at, updated_at) VALUES (1, 1, 'WAR-XPS-01', 'XPS', 'XPS', '', 'available', "
    f"'consortium', 30, 30, 480, 0, 90, FALSE, FALSE, FALSE, FALSE, 'equipment', '{AT}', '{AT}')",
    # Internal £20 (+£25 technician) from January; a rise from April, after the bookings
    # were made, must not be used; partners £30; industry has no card.
    "INSERT INTO rate_cards (instrument_id, user_class, hourly_rate, technician_hourly_rate, "
    "currency, valid_from) VALUES (1, 'internal', 20.00, 25.00, 'GBP', '2026-01-01'), "
    "(1, 'internal', 50.00, 50.00, 'GBP', '2026-04-01'), "
    "(1, 'partner', 30.00, 0.00, 'GBP', '2026-01-01')",
)
BOOKING = (
    "INSERT INTO bookings (id, instrument_id, user_id, created_by_id, technician_id, starts_at, "
    "ends_at, status, purpose, ical_uid, sequence, created_at, updated_at) VALUES "
    "(:id, 1, :user, :user, :technician, :starts, :ends, :status, '', :uid, 0, :at, :at)"
)
# id, user, technician, start, end, status
BOOKINGS = (
    (1, 1, 4, "2026-05-05 10:00:00.000000", "2026-05-05 12:00:00.000000", "confirmed"),
    (2, 2, None, "2026-03-17 10:00:00.000000", "2026-03-17 11:30:00.000000", "completed"),
    (3, 3, None, "2026-03-18 10:00:00.000000", "2026-03-18 11:00:00.000000", "confirmed"),
    (4, 1, None, "2026-03-19 10:00:00.000000", "2026-03-19 11:00:00.000000", "cancelled"),
)


def test_old_bookings_get_their_class_rates_and_charge(empty_database_url: str) -> None:
    db = Database.connect(empty_database_url)
    try:
        migrate.upgrade(db.engine, "0004")
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(text(statement))
            for booking_id, user, technician, starts, ends, status in BOOKINGS:
                conn.execute(
                    text(BOOKING),
                    {
                        "id": booking_id,
                        "user": user,
                        "technician": technician,
                        "starts": starts,
                        "ends": ends,
                        "status": status,
                        "uid": f"b{booking_id}@test",
                        "at": AT,
                    },
                )
        migrate.upgrade(db.engine)
        with db.engine.connect() as conn:
            priced = conn.execute(
                text(
                    "SELECT id, user_class, hourly_rate_pence, technician_rate_pence, "
                    "instrument_charge_pence, technician_charge_pence FROM bookings ORDER BY id"
                )
            ).all()
            policy = conn.execute(
                text(
                    "SELECT charge_basis, free_cancellation_hours, late_cancellation_percent, "
                    "requires_check_in FROM facilities"
                )
            ).one()
        assert [tuple(row) for row in priced] == [
            (1, "internal", 2000, 2500, 4000, 5000),  # 2 h assisted, at January's rates
            (2, "partner", 3000, 0, 4500, 0),  # 1.5 h at £30
            (3, "industry", None, None, 0, 0),  # no card for industry: free
            (4, "internal", 2000, 2500, 0, 0),  # cancelled: rates kept, nothing billed
        ]
        assert tuple(policy) == ("booked", 24, 50, 0)
    finally:
        db.dispose()

"""Migration 0004 gives existing outbox rows a status from what they already say."""

from __future__ import annotations

from sqlalchemy import text

from equipshare.db import migrate
from equipshare.db.engine import Database

INSERT = (
    "INSERT INTO notifications (user_id, kind, subject, body, created_at, next_attempt_at, "
    "attempts, sent_at) VALUES (:user, 'booking_confirmed', 's', 'b', :at, :at, :attempts, :sent)"
)
USER = (
    "INSERT INTO institutions (id, code, name, sector, is_partner, created_at) "
    "VALUES (1, 'W', 'Warwick', 'academic', true, :at)",
    "INSERT INTO users (id, username, display_name, institution_id, role, active, created_at) "
    "VALUES (1, 'alice', 'Alice', 1, 'researcher', true, :at)",
)


def test_rows_already_sent_become_sent_and_the_rest_pending(empty_database_url: str) -> None:
    db = Database.connect(empty_database_url)
    try:
        migrate.upgrade(db.engine, "0003")
        at = "2026-03-16 09:00:00+00:00"
        with db.engine.begin() as conn:
            for statement in USER:
                conn.execute(text(statement), {"at": at})
            conn.execute(text(INSERT), {"user": 1, "at": at, "attempts": 1, "sent": at})
            conn.execute(text(INSERT), {"user": 1, "at": at, "attempts": 0, "sent": None})
        migrate.upgrade(db.engine)
        with db.engine.connect() as conn:
            found = conn.execute(text("SELECT status FROM notifications ORDER BY id")).all()
        assert [row[0] for row in found] == ["sent", "pending"]
        migrate.downgrade(db.engine, "0003")
    finally:
        db.dispose()

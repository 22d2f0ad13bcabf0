"""db/direct runs prebuilt statements on the driver's cursor as SQLAlchemy would: the same
rows and values, the listeners told of writes; deferred writes reach the database before
anything reads after them, at commit (with the COMMIT), and never after a rollback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from equipshare.db import direct
from equipshare.db.engine import Database
from equipshare.domain.enums import UserClass
from equipshare.services.plumbing.audit import audit_values
from equipshare.services.plumbing.prebuilt import AUDIT_EVENTS, BOOKINGS, RATE_CARDS
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_BOOKINGS = select(BOOKINGS).where(BOOKINGS.c.id > bindparam("after")).order_by(BOOKINGS.c.id)
_CARDS = select(RATE_CARDS).order_by(RATE_CARDS.c.id).limit(bindparam("limit"))
_AUDIT = insert(AUDIT_EVENTS)
_QUEUED = _AUDIT.inline()  # no RETURNING: queued on PostgreSQL (and sent with the COMMIT)
_COUNT = select(func.count()).select_from(AUDIT_EVENTS).where(AUDIT_EVENTS.c.action == "t.direct")


def _event(n: int) -> dict[str, object]:
    return audit_values(
        actor_id=None, action="t.direct", entity_type="test", entity_id=n, at=AT, after={"n": n}
    )


def test_rows_and_keys_are_sqlalchemy_s(database: Database, world: World) -> None:
    plant_booking(database, world, "alice", "WAR-XPS-01", AT, AT + timedelta(hours=2))
    with database.engine.begin() as conn:
        cards = [{"instrument_id": 1, "user_class": UserClass.INTERNAL, "valid_from": AT.date()}]
        conn.execute(
            insert(RATE_CARDS).values(hourly_rate=Decimal("12.50"), technician_hourly_rate=0),
            cards,
        )
        for statement, params in ((_BOOKINGS, {"after": 0}), (_CARDS, {"limit": 50})):
            expected = [tuple(row) for row in conn.execute(statement, params)]
            got = [tuple(row) for row in direct.execute(conn, statement, params)]
            assert got == expected and got  # aware datetimes, enums, Decimals alike
        key = direct.execute(conn, _AUDIT, _event(1)).inserted_primary_key
        assert key.id == conn.scalar(select(func.max(AUDIT_EVENTS.c.id)))
        # A statement with a bind left out raises SQLAlchemy's own error, not a KeyError.
        try:
            direct.execute(conn, _BOOKINGS, {})
        except Exception as error:
            assert "bind parameter 'after'" in str(error)
        else:
            raise AssertionError("a missing bind value was accepted")


def test_deferred_writes_are_read_committed_and_rolled_back(database: Database) -> None:
    with database.engine.connect() as conn:
        with conn.begin():
            direct.defer(conn, _QUEUED, _event(1))
            direct.defer(conn, _QUEUED, [_event(2), _event(3)])
            assert conn.scalar(_COUNT) == 3  # sent before the read
            direct.defer(conn, _QUEUED, _event(4))
        with conn.begin() as transaction:
            direct.defer(conn, _QUEUED, _event(5))
            transaction.rollback()
        with conn.begin():
            direct.defer(conn, _QUEUED, _event(6))
            assert direct.execute(conn, _COUNT, {}).scalar() == 5
    with pytest.raises(IntegrityError), database.engine.begin() as conn:  # nothing committed
        direct.defer(conn, _QUEUED, _event(7))
        direct.defer(conn, _QUEUED, {**_event(8), "action": None})
    with database.engine.connect() as conn:
        afters = conn.scalars(
            select(AUDIT_EVENTS.c.entity_id).where(AUDIT_EVENTS.c.action == "t.direct")
        )
        assert sorted(afters) == ["1", "2", "3", "4", "6"]

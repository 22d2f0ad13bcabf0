"""Seed an empty database with a believable Midlands Innovation consortium, deterministically."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from equipshare.db import change_stamps, rollups
from equipshare.db.base import Base
from equipshare.db.engine import masked_url
from equipshare.db.models.bookings import Booking, BookingSeries, Downtime
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.db.models.charging import RateCard
from equipshare.db.models.credit import TechnicianProfile
from equipshare.db.models.training import TrainingRecord
from equipshare.demo.bookings import BookingPlanner
from equipshare.demo.calendar import DemoCalendar, Row
from equipshare.demo.consortium import ConsortiumBuilder
from equipshare.demo.credit import technician_profiles
from equipshare.domain.enums import Role
from equipshare.domain.errors import RefusedError
from equipshare.domain.records.operations.maintenance import ClosePastReport
from equipshare.services.bookings.past import PastBookingService, lapse_ended_requests
from equipshare.services.plumbing.context import ServiceContext


@dataclass(frozen=True)
class DemoSummary:
    """What `seed` wrote, for the CLI to print."""

    institutions: int
    partner_institutions: int
    facilities: int
    instruments: int
    users: int
    training_records: int
    bookings: int
    cross_institution_bookings: int
    pending_bookings: int
    lapsed_requests: int
    downtimes: int
    rate_cards: int
    technician_profiles: int
    admin_username: str

    def counts(self) -> list[tuple[str, int]]:
        return [
            ("institutions", self.institutions),
            ("partner institutions", self.partner_institutions),
            ("facilities", self.facilities),
            ("instruments", self.instruments),
            ("users", self.users),
            ("training records", self.training_records),
            ("bookings", self.bookings),
            ("cross-institution bookings", self.cross_institution_bookings),
            ("pending bookings", self.pending_bookings),
            ("lapsed requests", self.lapsed_requests),
            ("downtimes", self.downtimes),
            ("rate cards", self.rate_cards),
            ("technician profiles", self.technician_profiles),
        ]


@dataclass(frozen=True)
class DemoPlan:
    """Every row of the demo, in insertion order, and the summary of what they hold."""

    tables: list[tuple[type[Base], list[Row]]]
    summary: DemoSummary

    def rows(self, model: type[Base]) -> list[Row]:
        return next(rows for table, rows in self.tables if table is model)


def plan_demo(seed: int, now: datetime, admin_username: str) -> DemoPlan:
    """Build the whole demo in memory; a pure function of the seed and `now`'s London date."""
    calendar = DemoCalendar.around(now, seed)
    rng = random.Random(seed)
    consortium = ConsortiumBuilder(rng, calendar, admin_username)
    planner = BookingPlanner(rng, calendar)
    planner.plan(consortium.instruments)
    rows = consortium.rows
    profiles = technician_profiles(
        planner.bookings, consortium.instruments, rows[User], calendar.now
    )
    summary = DemoSummary(
        institutions=len(rows[Institution]),
        partner_institutions=sum(1 for r in rows[Institution] if r["is_partner"]),
        facilities=len(rows[Facility]),
        instruments=len(rows[Instrument]),
        users=len(rows[User]),
        training_records=len(rows[TrainingRecord]),
        bookings=len(planner.bookings),
        cross_institution_bookings=planner.cross_institution,
        pending_bookings=sum(1 for b in planner.bookings if b["status"] == "pending"),
        lapsed_requests=0,
        downtimes=len(rows[Downtime]),
        rate_cards=len(rows[RateCard]),
        technician_profiles=len(profiles),
        admin_username=consortium.admin_username,
    )
    tables: list[tuple[type[Base], list[Row]]] = [
        *rows.items(),
        (BookingSeries, planner.series),
        (Booking, planner.bookings),
        (TechnicianProfile, profiles),
    ]
    return DemoPlan(tables=tables, summary=summary)


class DemoService:
    """Fills an empty, migrated database in one transaction with bulk inserts."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context
        self._database = context.database
        self._clock = context.clock

    def catch_up(self) -> ClosePastReport | None:
        """On reopening the demo's own database: close what ended since it was last open,
        as the nightly `close-past` would have on a live site (confirmed bookings completed
        or no-shows, requests nobody decided lapsed), as its first admin; else the
        Approvals screen offers requests that can no longer be approved. None when it has
        no active admin."""
        with self._database.readonly() as session:
            admin = session.scalar(
                select(User.username)
                .where(User.role == Role.ADMIN, User.active.is_(True))
                .order_by(User.id)
                .limit(1)
            )
        if admin is None:
            return None
        return PastBookingService(self._context).close_past(admin)

    def seed(self, seed: int, admin_username: str) -> DemoSummary:
        """The same seed on the same London day always gives the same data."""
        with self._database.sessions.begin() as session:
            self._refuse_unless_empty(session)
            plan = plan_demo(seed, self._clock.now(), admin_username)
            postgres = session.get_bind().dialect.name == "postgresql"
            for model, rows in plan.tables:
                table = model.__table__
                assert isinstance(table, Table)
                if postgres:
                    _copy_rows(session, table, rows)
                elif rows:
                    session.execute(insert(table), rows)
            lapsed = self._lapse_ended_requests(session, plan.summary.admin_username)
            rollups.settle(session.connection())
        return replace(
            plan.summary,
            pending_bookings=plan.summary.pending_bookings - lapsed,
            lapsed_requests=lapsed,
        )

    def is_empty(self) -> bool:
        """Whether the database holds no consortium yet, so seeding it harms nothing."""
        with self._database.readonly() as session:
            return session.scalar(select(Institution.id).limit(1)) is None

    def _lapse_ended_requests(self, session: Session, admin_username: str) -> int:
        """The plan is as of the start of the London day, so requests that ended since then
        are still pending: lapse them as the nightly close-past would, by the same code
        (rejected, free, audited, their requesters told), since none can be approved now."""
        admin_id = session.scalar(select(User.id).where(User.username == admin_username))
        assert admin_id is not None
        return len(lapse_ended_requests(session, admin_id, self._clock.now()))

    def _refuse_unless_empty(self, session: Session) -> None:
        if session.scalar(select(Institution.id).limit(1)) is not None:
            url = masked_url(self._database.engine.url)
            raise RefusedError(
                f"database {url} already holds data; the demo seeds only an empty database "
                "(use `equipshare demo --reset` to wipe it first)"
            )


def _copy_rows(session: Session, table: Table, rows: list[Row]) -> None:
    """COPY rows into a PostgreSQL table, move its id sequence past them and analyse it.

    COPY is about twice as fast as executemany for the bookings table. It skips
    SQLAlchemy's bind processing, which is safe here because every value is already
    what the driver wants (aware UTC datetimes, enum values as strings); the SQLite path
    does run that processing, so the tests would catch a naive datetime.
    """
    if not rows:
        return
    columns = list(rows[0])
    # COPY bypasses Python-side column defaults, so the planner may leave them out.
    defaults = {
        column.name: column.default.arg
        for column in table.c
        if column.name not in columns and isinstance(column.default, ScalarElementColumnDefault)
    }
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None
    # COPY is no statement the engine sees: count its rows as an INSERT's are counted.
    change_stamps.note_rows(connection, table.name, rows)
    rollups.note_rows(connection, table.name, rows)
    names = ", ".join([*columns, *defaults])
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([*(row[column] for column in columns), *defaults.values()])
    if "id" in table.c:
        # Explicit ids leave the serial sequence behind; the next insert would collide.
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT MAX(id) FROM {table.name}))"
            )
        )
    # Fresh statistics: without them the first queries plan as if the tables were empty.
    session.execute(text(f"ANALYZE {table.name}"))

"""The issue's test of done, on the demo consortium (both engines): a researcher's
acknowledgement matches, hour for hour, the assisted sessions and the training in the
database, recomputed here in plain SQL; and a technician who opted out is never named,
in any format, to anyone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.models.credit import TechnicianProfile
from equipshare.demo.seeding import DemoService
from equipshare.domain.acknowledgements.formats import FORMATS, render
from equipshare.domain.records.impact.acknowledgements import (
    Acknowledgement,
    AcknowledgementPeriod,
    CreditRole,
)
from equipshare.domain.records.impact.credit import UNNAMED_STAFF
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.acknowledgements.service import AcknowledgementService
from equipshare.services.plumbing.context import ServiceContext
from tests.conftest import BACKENDS
from tests.support import backends

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
READ_AT = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
ADMIN = "jane.doe"
HIDDEN_ORCID = "0000-0002-1825-0097"
MINUTES = {
    "sqlite": "CAST(round((julianday(b.ends_at) - julianday(b.starts_at)) * 1440) AS INTEGER)",
    "postgresql": "CAST(round(extract(epoch FROM b.ends_at - b.starts_at) / 60) AS INTEGER)",
}


@dataclass(frozen=True)
class Demo:
    context: ServiceContext
    service: AcknowledgementService
    period: AcknowledgementPeriod

    @property
    def backend(self) -> str:
        return self.context.database.backend

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.context.database.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def stored(self, instant: datetime | None) -> object:
        """An instant as the engine stores it, for the hand-written queries."""
        assert instant is not None
        if self.backend == "sqlite":
            return instant.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return instant


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The demo seeded once per engine, read after its 16 weeks are over."""
    directory: Path = tmp_path_factory.mktemp("acknowledgements-demo")
    drop = None
    if request.param == "sqlite":
        url = backends.copy_sqlite(request.getfixturevalue("sqlite_template"), directory)
    else:
        admin, template = request.getfixturevalue("postgres_template")
        created = backends.create_postgres_database(admin, template=template)
        url, drop = created.render_as_string(hide_password=False), (admin, created.database)
    context = ServiceContext(
        Database.connect(url), FrozenClock(NOW), Settings().with_database_url(url)
    )
    DemoService(context).seed(seed=7, admin_username=ADMIN)
    context.clock.instant = READ_AT  # type: ignore[attr-defined]
    service = AcknowledgementService(context)
    yield Demo(context, service, service.period(date(2025, 12, 1), date(2026, 6, 30)))
    context.close()
    if drop is not None:
        backends.drop_postgres_database(drop[0], drop[1] or "")


# A technician as their profile prints them (the demo seeds a few profiles, one opted out).
PRINTED = (
    f"CASE WHEN NOT p.named THEN '{UNNAMED_STAFF}' "
    "ELSE COALESCE(NULLIF(p.credit_name, ''), t.display_name) END"
)

_COMPLETED = (
    "FROM bookings b JOIN instruments i ON i.id = b.instrument_id "
    "JOIN facilities f ON f.id = i.facility_id "
    "WHERE b.status = 'completed' AND b.user_id = :user "
    "AND b.starts_at >= :start AND b.starts_at < :end"
)


def _researcher(demo: Demo) -> tuple[int, str]:
    """The researcher with the most assisted completed hours in the period."""
    (row,) = demo.rows(
        "SELECT u.id, u.username FROM bookings b JOIN users u ON u.id = b.user_id "
        "WHERE b.status = 'completed' AND b.technician_id IS NOT NULL "
        "AND b.technician_id <> b.user_id AND u.role = 'researcher' "
        "AND b.starts_at >= :start AND b.starts_at < :end "
        "GROUP BY u.id, u.username ORDER BY count(*) DESC, u.username LIMIT 1",
        start=demo.stored(demo.period.starts_at),
        end=demo.stored(demo.period.ends_at),
    )
    return int(row[0]), str(row[1])


Figures = dict[str, dict[tuple[Any, ...], Any]]


def _sql_figures(demo: Demo, user_id: int) -> Figures:
    """Instruments, assisted work and training of the user, recomputed from the tables."""
    window = {
        "user": user_id,
        "start": demo.stored(demo.period.starts_at),
        "end": demo.stored(demo.period.ends_at),
    }
    minutes = MINUTES[demo.backend]
    instruments = demo.rows(
        f"SELECT f.code, i.code, count(*), sum({minutes}) {_COMPLETED} GROUP BY f.code, i.code",
        **window,
    )
    assisted = demo.rows(
        f"SELECT f.code, {PRINTED}, i.category, count(*), sum({minutes}) "
        "FROM bookings b JOIN instruments i ON i.id = b.instrument_id "
        "JOIN facilities f ON f.id = i.facility_id JOIN users t ON t.id = b.technician_id "
        "LEFT JOIN technician_profiles p ON p.user_id = t.id "
        "WHERE b.status = 'completed' AND b.user_id = :user AND b.technician_id <> b.user_id "
        "AND b.starts_at >= :start AND b.starts_at < :end "
        f"GROUP BY f.code, {PRINTED}, i.category",
        **window,
    )
    # Training given before the end of the user's last counted session on that instrument.
    training = demo.rows(
        f"SELECT f.code, {PRINTED}, i.category, count(*) FROM training_records r "
        "JOIN instruments i ON i.id = r.instrument_id JOIN facilities f ON f.id = i.facility_id "
        "JOIN users t ON t.id = r.trainer_id LEFT JOIN technician_profiles p ON p.user_id = t.id "
        "WHERE r.user_id = :user AND r.trainer_id <> r.user_id AND r.trained_at < ("
        "  SELECT max(b.ends_at) FROM bookings b WHERE b.user_id = :user "
        "  AND b.instrument_id = r.instrument_id AND b.status = 'completed' "
        "  AND b.starts_at >= :start AND b.starts_at < :end) "
        f"GROUP BY f.code, {PRINTED}, i.category",
        **window,
    )
    return {
        "instruments": {tuple(r[:2]): (r[2], r[3]) for r in instruments},
        "assisted": {tuple(r[:3]): (r[3], r[4]) for r in assisted},
        "training": {tuple(r[:3]): r[3] for r in training},
    }


def _service_figures(ack: Acknowledgement) -> Figures:
    """The same figures from the acknowledgement (technicians by their printed name)."""
    instruments: dict[tuple[Any, ...], Any] = {}
    assisted: dict[tuple[Any, ...], Any] = {}
    training: Counter[tuple[Any, ...]] = Counter()
    for facility in ack.facilities:
        for use in facility.instruments:
            instruments[facility.code, use.code] = (use.sessions, use.minutes)
        for credit in facility.technicians:
            for activity in credit.activities:
                key = (facility.code, credit.name, activity.technique)
                if activity.role is CreditRole.SUPERVISION:
                    training[key] += activity.sessions
                else:
                    sessions, minutes = assisted.get(key, (0, 0))
                    assisted[key] = (sessions + activity.sessions, minutes + activity.minutes)
    return {"instruments": instruments, "assisted": assisted, "training": dict(training)}


def test_a_researchers_acknowledgement_matches_the_database_hour_for_hour(demo: Demo) -> None:
    user_id, username = _researcher(demo)
    mine = demo.service.for_user(username, username, demo.period)
    expected = _sql_figures(demo, user_id)
    assert _service_figures(mine) == expected
    assert expected["assisted"] and expected["training"], "the demo should have both"
    assert mine.minutes == sum(minutes for _, minutes in expected["instruments"].values())
    # An admin sees the same; the paragraph says each technician's hours.
    assert demo.service.for_user(ADMIN, username, demo.period) == mine
    text = render(mine, "text")
    for _, name, technique in expected["assisted"]:
        assert name in text and f"assisted {technique} measurements" in text


def test_an_opted_out_technician_is_never_named_in_any_format(demo: Demo) -> None:
    user_id, username = _researcher(demo)
    (hidden,) = demo.rows(
        "SELECT t.id, t.username, t.display_name FROM bookings b "
        "JOIN users t ON t.id = b.technician_id WHERE b.user_id = :user "
        "AND b.status = 'completed' "  # one the demo gave no profile, so this test sets it
        "AND NOT EXISTS (SELECT 1 FROM technician_profiles p WHERE p.user_id = t.id) "
        "GROUP BY t.id, t.username, t.display_name "
        "ORDER BY count(*) DESC, t.id LIMIT 1",
        user=user_id,
    )
    staff = demo.rows(
        "SELECT DISTINCT u.username FROM facility_staff s JOIN users u ON u.id = s.user_id "
        "JOIN instruments i ON i.facility_id = s.facility_id JOIN bookings b "
        "ON b.instrument_id = i.id WHERE b.user_id = :user AND b.status = 'completed' "
        "AND b.technician_id = :tech ORDER BY u.username",
        user=user_id,
        tech=hidden[0],
    )
    with demo.context.database.sessions.begin() as session:
        session.add(
            TechnicianProfile(
                user_id=hidden[0],
                credit_name="Hidden Credit Name",
                orcid=HIDDEN_ORCID,
                job_title="Chief Hidden Officer",
                named=False,
                updated_at=READ_AT,
            )
        )
    try:
        secrets = [hidden[1], hidden[2], "Hidden Credit Name", HIDDEN_ORCID, "Chief Hidden"]
        askers = [username, ADMIN, *(s for (s,) in staff)]
        seen = 0
        for asker in askers:
            ack = demo.service.for_user(asker, username)
            for form in FORMATS:
                shown = render(ack, form)
                seen += UNNAMED_STAFF in shown
                for secret in secrets:
                    assert secret not in shown, (asker, form, secret)
        assert seen >= len(FORMATS), "the unnamed technician is still credited"
    finally:
        with demo.context.database.sessions.begin() as session:
            session.delete(session.get(TechnicianProfile, hidden[0]))

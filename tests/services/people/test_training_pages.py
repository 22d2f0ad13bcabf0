"""Training records page by keyset, searched, every list and scope, on both engines.

Records are planted so that many tie on every sort key but the id: the same instrument, the
same trainee, trained the same instant, expiring the same instant. The clock stands at Mon
16 Mar 2026 09:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from equipshare.db.engine import Database
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import TrainingLevel
from equipshare.domain.errors import InputError, PermissionDenied
from equipshare.domain.records.pages import PageAfter, TrainingQuery
from equipshare.domain.records.users.people import TrainingRecordView
from equipshare.services.people.service import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
TRAINED = datetime(2025, 6, 1, tzinfo=UTC)
TRAINEES = ("alice", "bob", "carol", "dave", "erin")
INSTRUMENTS = ("WAR-XPS-01", "WAR-MEG-01", "WAR-RAM-01", "AST-SEM-01")


@pytest.fixture
def planted(database: Database, world: World) -> None:
    """Two records per trainee and instrument, trained the same instant (one revoked); the
    unrevoked ones expire in 3, 10 or 40 days, or never."""
    with database.sessions.begin() as session:
        for n, (user, code) in enumerate((u, c) for u in TRAINEES for c in INSTRUMENTS):
            expiry = (3, 10, 40, None)[n % 4]
            for revoked in (True, False):
                session.add(
                    TrainingRecord(
                        user_id=world.users[user],
                        instrument_id=world.instruments[code],
                        trainer_id=world.users["tech"],
                        level=TrainingLevel.INDEPENDENT,
                        trained_at=TRAINED,
                        expires_at=None if expiry is None else NOW + timedelta(days=expiry),
                        revoked_at=NOW - timedelta(days=1) if revoked else None,
                        notes="",
                    )
                )


def walk(
    service: TrainingService, actor: str, query: TrainingQuery, limit: int
) -> list[TrainingRecordView]:
    """Every record, following each page's `next_after`, checking no page is over-full."""
    seen: list[TrainingRecordView] = []
    after: PageAfter | None = None
    while True:
        page = service.page(actor, query, after=after, limit=limit)
        assert len(page.rows) <= limit and page.total is None
        seen += page.rows
        if page.next_after is None:
            return seen
        after = page.next_after


def test_every_record_is_reached_once_by_instrument_then_trainee_newest_first(
    context: ServiceContext, planted: None
) -> None:
    service = TrainingService(context)
    seen = walk(service, "root", TrainingQuery(), limit=7)
    ids = [row.id for row in seen]
    assert len(ids) == len(set(ids)) == 3 + 2 * len(TRAINEES) * len(INSTRUMENTS)
    key = [(r.instrument_code, r.username, -r.trained_at.timestamp(), r.id) for r in seen]
    assert key == sorted(key)
    # The whole listing the command line reads holds the same records.
    everything = service.for_facility("root", include_inactive=True)
    assert sorted(ids) == sorted(row.id for row in everything)


def test_the_expiring_list_pages_soonest_expiry_first_without_revoked_or_lasting_ones(
    context: ServiceContext, planted: None
) -> None:
    service = TrainingService(context)
    seen = walk(service, "root", TrainingQuery(expiring_within=30), limit=3)
    assert {row.expires_at for row in seen} == {NOW + timedelta(days=3), NOW + timedelta(days=10)}
    assert all(row.revoked_at is None for row in seen)
    key = [(r.expires_at, r.instrument_code, r.username, r.id) for r in seen]
    assert key == sorted(key)
    assert [row.id for row in seen] == [row.id for row in service.expiring("root", 30)]
    with pytest.raises(InputError, match="expiring within: give zero or more days"):
        service.page("root", TrainingQuery(expiring_within=-1))


def test_staff_page_only_their_facilities_and_others_are_refused(
    context: ServiceContext, planted: None
) -> None:
    service = TrainingService(context)
    warwick = {row.instrument_code for row in walk(service, "tech", TrainingQuery(), limit=5)}
    assert warwick == {"WAR-XPS-01", "WAR-MEG-01", "WAR-RAM-01"}
    aston = walk(service, "otherstaff", TrainingQuery(), limit=5)
    assert {row.instrument_code for row in aston} == {"AST-SEM-01"} and len(aston) == 10
    assert walk(service, "otherstaff", TrainingQuery(search="xps"), limit=5) == []
    for nobody, why in (("alice", "needs a manager or technician"), ("gone", "deactivated")):
        with pytest.raises(PermissionDenied, match=why):
            service.page(nobody, TrainingQuery())


def test_a_search_matches_every_word_in_trainee_or_instrument(
    context: ServiceContext, planted: None
) -> None:
    service = TrainingService(context)

    def found(search: str, expiring: int | None = None) -> set[tuple[str, str]]:
        query = TrainingQuery(search=search, expiring_within=expiring)
        return {(r.username, r.instrument_code) for r in walk(service, "tech", query, limit=4)}

    assert found("ALICE") == {("alice", c) for c in INSTRUMENTS[:3]}
    assert found("meg") == {(u, "WAR-MEG-01") for u in TRAINEES}
    assert found("Erin ram-01") == {("erin", "WAR-RAM-01")}
    assert found("alice", expiring=30) <= found("alice") and found("alice", expiring=30)
    assert found("erin alice") == set()
    with pytest.raises(InputError, match=r"^search: at most 200 characters"):
        service.page("tech", TrainingQuery(search="x" * 201))

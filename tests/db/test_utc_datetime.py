"""Instants survive the round trip through both engines as aware UTC, and naive ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Institution
from equipshare.domain.enums import InstitutionSector

LONDON = ZoneInfo("Europe/London")


def add_institution(db: Database, code: str, created: datetime) -> None:
    with db.sessions.begin() as s:
        s.add(
            Institution(
                code=code,
                name=code,
                sector=InstitutionSector.ACADEMIC,
                is_partner=True,
                created_at=created,
            )
        )


def test_offset_is_converted_not_dropped(database: Database) -> None:
    add_institution(
        database, "PLUS2", datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    )
    with database.readonly() as s:
        stored = s.scalars(select(Institution.created_at)).one()
    assert stored == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert stored.tzinfo == UTC


@pytest.mark.parametrize(
    ("local", "utc_hour_minute"),
    [
        (datetime(2026, 3, 29, 0, 59, tzinfo=LONDON), (0, 59)),  # last GMT minute
        (datetime(2026, 3, 29, 3, 0, tzinfo=LONDON), (2, 0)),  # first BST hours
        (datetime(2026, 10, 25, 1, 30, fold=0, tzinfo=LONDON), (0, 30)),  # 01:30 BST
        (datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON), (1, 30)),  # 01:30 GMT, repeated
    ],
)
def test_instants_across_dst_changes(
    database: Database, local: datetime, utc_hour_minute: tuple[int, int]
) -> None:
    add_institution(database, "DST", local)
    with database.readonly() as s:
        stored = s.scalars(select(Institution.created_at)).one()
    hour, minute = utc_hour_minute
    assert stored == datetime(local.year, local.month, local.day, hour, minute, tzinfo=UTC)
    assert stored.timestamp() == local.timestamp()


def test_sql_comparisons_use_the_instant(database: Database) -> None:
    add_institution(database, "EARLY", datetime(2026, 6, 1, 9, 30, tzinfo=LONDON))  # 08:30Z
    add_institution(database, "LATE", datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    cutoff = datetime(2026, 6, 1, 10, 45, tzinfo=timezone(timedelta(hours=2)))  # 08:45Z
    with database.readonly() as s:
        before = s.scalars(select(Institution.code).where(Institution.created_at < cutoff)).all()
        ordered = s.scalars(select(Institution.code).order_by(Institution.created_at)).all()
    assert before == ["EARLY"]
    assert ordered == ["EARLY", "LATE"]


def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):  # noqa: SIM117
        with database.sessions.begin() as s:
            s.add(
                Institution(
                    code="NAIVE",
                    name="n",
                    sector=InstitutionSector.ACADEMIC,
                    is_partner=False,
                    created_at=datetime(2026, 1, 1, 9, 0),  # noqa: DTZ001
                )
            )
    with database.readonly() as s:
        assert s.scalars(select(Institution)).all() == []

"""credit_profiles: the names other services print, read in their own transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event

from equipshare.db.models.credit import TechnicianProfile
from equipshare.domain.records.impact.credit import UNNAMED_STAFF, TechnicianProfileRecord
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.technicians.credit_names import credit_profiles
from tests.support.world import World


def test_profiles_in_one_query_with_defaults_for_those_without_one(
    context: ServiceContext, world: World
) -> None:
    with context.database.sessions.begin() as session:
        session.add(
            TechnicianProfile(
                user_id=world.users["tech"], credit_name="Dr T. Echnician",
                orcid="0000-0002-1825-0097", job_title="Senior technician",
                expertise="XPS", named=True, updated_at=datetime(2025, 1, 2, tzinfo=UTC),
            )
        )  # fmt: skip
        session.add(
            TechnicianProfile(
                user_id=world.users["tech2"], credit_name="", orcid=None, job_title="",
                expertise="", named=False, updated_at=datetime(2025, 1, 2, tzinfo=UTC),
            )
        )  # fmt: skip
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with context.database.readonly() as session:
        engine = context.database.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            ids = [world.users[n] for n in ("tech", "tech2", "mgr")] + [world.users["tech"], 999999]
            found = credit_profiles(session, iter(ids))
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert set(found) == {world.users["tech"], world.users["tech2"], world.users["mgr"]}
    tech = found[world.users["tech"]]
    assert (tech.printed_name, tech.orcid, tech.job_title) == (
        "Dr T. Echnician", "0000-0002-1825-0097", "Senior technician",
    )  # fmt: skip
    assert found[world.users["tech2"]].printed_name == UNNAMED_STAFF
    assert found[world.users["mgr"]] == TechnicianProfileRecord(
        user_id=world.users["mgr"], username="mgr", display_name="Mgr", credit_name="",
        orcid=None, job_title="", expertise="", named=True,
    )  # fmt: skip
    with context.database.readonly() as session:
        assert credit_profiles(session, []) == {}

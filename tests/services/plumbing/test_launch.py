"""A launch reads its first screen through the driver (issue 22, start-up): the same rows,
order, paging and refusals as the services, on both engines, and the same connections."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, make_url, text

from equipshare.db.drivers import DriverConnection, psycopg_arguments, sqlite_file
from equipshare.domain.enums import AccessLevel
from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.services.catalogue.service import CatalogueService
from equipshare.services.identity.service import IdentityService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.first_page import find_user, first_page
from equipshare.services.plumbing.launch import Launch
from tests.support.world import World, add_instrument

QUERIES = [
    CatalogueQuery(),
    CatalogueQuery(search="war"),
    CatalogueQuery(search="  XPS  war "),
    CatalogueQuery(search="50%"),
    CatalogueQuery(search="f_the/sh"),
    CatalogueQuery(search="_"),
    CatalogueQuery(institution_code="ASTON"),
    CatalogueQuery(facility_code="WAR-PRP", category="XPS"),
    CatalogueQuery(access_level=AccessLevel.INSTITUTION),
    CatalogueQuery(bookable_by_me=True),
    CatalogueQuery(search="0", bookable_by_me=True, institution_code="WARWICK"),
]
# Researchers of a partner, a non-partner academic, industry; a manager, an admin, and an
# inactive user: each sees its own access rule.
USERS = ("alice", "bob", "carol", "dave", "mgr", "root", "gone")


def test_the_first_page_is_the_services_on_both_engines(
    context: ServiceContext, database_url: str, world: World
) -> None:
    for n in range(3):
        add_instrument(context.database, world, f"AST-SEM-1{n}", "AST-EM")
    with context.database.engine.begin() as conn:  # LIKE's wildcards and escape, as text
        conn.execute(text("UPDATE instruments SET name = '50% off_the/shelf' WHERE id = 1"))
    catalogue = CatalogueService(context)
    for username in USERS:
        launch = Launch.start(context.settings, username, None)
        assert launch is not None and launch.actor_username == username
        with launch:  # the launch's own way, once
            assert launch.first_page(QUERIES[-1], 2) == catalogue.page(
                username, QUERIES[-1], limit=2
            )
            assert launch.first_page(QUERIES[-1], 2) is None  # once only: then the service's
        reads = DriverConnection.open(database_url)
        user = find_user(reads, username) if reads is not None else None
        assert reads is not None and user is not None
        try:
            for query in QUERIES:
                for limit in (2, 200):  # a page with a next one, and the whole catalogue
                    expected = catalogue.page(username, query, limit=limit)
                    assert first_page(reads, user, query, limit) == expected, (username, query)
        finally:
            reads.close()
    # The access rules are exercised: someone sees what someone else does not.
    assert any(catalogue.page("root", q).rows != catalogue.page("dave", q).rows for q in QUERIES)


def test_who_acts_and_what_is_refused_match_the_identity_service(
    context: ServiceContext, world: World
) -> None:
    identity = IdentityService(context)
    for caller, as_user in [
        ("alice", None),
        ("alice", "alice"),
        ("root", "bob"),
        ("alice", "bob"),  # not an admin
        ("root", "nobody"),
        ("nobody", None),
        ("bad\x00name", None),
    ]:
        launch = Launch.start(context.settings, caller, as_user)
        try:
            expected: str | None = identity.acting_username(caller, as_user)
        except EquipshareError:
            expected = None  # the usual way must say why: the launch leaves it to it
        assert (launch.actor_username if launch else None) == expected, (caller, as_user)
        if launch is not None:
            launch.close()
    # A refused search is the service's to say, in its words.
    launch = Launch.start(context.settings, "alice", None)
    assert launch is not None
    with launch:
        assert launch.first_page(CatalogueQuery(search="x" * 201), 10) is None
        assert launch.context().settings is context.settings  # SQLAlchemy's, opened late


def test_a_schema_not_at_head_or_a_replica_beside_sqlite_goes_the_usual_way(
    context: ServiceContext, database_url: str, world: World
) -> None:
    settings = context.settings
    if context.database.backend == "sqlite":
        assert (
            Launch.start(
                settings.with_database_url(database_url, "postgresql://x/y"), "alice", None
            )
            is None
        )
        assert (
            Launch.start(settings.with_database_url(database_url + ".missing"), "alice", None)
            is None
        )
    else:  # a read_url that is not a standby: ReplicaReads would refuse it
        assert (
            Launch.start(settings.with_database_url(database_url, database_url), "alice", None)
            is None
        )
    with context.database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert Launch.start(settings, "alice", None) is None


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://equipshare@127.0.0.1:54329/bench",
        "postgres://u:p%40ss%3Aw@db.example.org/equip%20share",
        "postgresql+psycopg://u@[::1]:5433/db?sslmode=require&application_name=eq",
        "postgresql://u@/db?options=-csearch_path%3Dequipshare",
        "postgresql:///db",
        "postgresql://u:@h/db?connect_timeout=5&sslrootcert=%2Fetc%2Fca.pem",
    ],
)
def test_postgresql_urls_connect_as_sqlalchemy_connects_them(url: str) -> None:
    parsed = make_url(url).set(drivername="postgresql+psycopg")
    _, expected = create_engine(parsed).dialect.create_connect_args(parsed)  # connects not
    expected.pop("context")  # SQLAlchemy's own type adapters, for its own statements
    assert psycopg_arguments(url) == expected


def test_forms_only_sqlalchemy_reads_are_left_to_it() -> None:
    for url in (
        "postgresql://u@h1,h2/db",
        "postgresql://u@h/db?host=/tmp&host=/run",
        "postgresql://u@h:port/db",
        "mysql://u@h/db",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:x.db?uri=true",
        "sqlite:////no/such/file.db",
    ):
        assert psycopg_arguments(url) is None and sqlite_file(url) is None, url

"""First run: an empty database gets its schema, first institution and admin, once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from equipshare.config import Settings, parse_settings
from equipshare.db import migrate
from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import Institution, User
from equipshare.domain.enums import InstitutionSector, Role
from equipshare.domain.errors import InputError, RefusedError
from equipshare.domain.records.consortium import InitRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.consortium.service import FirstRunService, InstitutionService
from equipshare.services.plumbing.context import ServiceContext

REQUEST = InitRequest(
    institution_code="warwick",
    institution_name="University of Warwick",
    sector=InstitutionSector.ACADEMIC,
    is_partner=True,
    email_domains=("warwick.ac.uk",),
    admin_username="root",
    admin_email="root@warwick.ac.uk",
    organisation="Midlands Innovation",
    timezone="Europe/London",
)


@pytest.fixture
def empty(empty_database_url: str, clock: FrozenClock) -> Iterator[ServiceContext]:
    database = Database.connect(empty_database_url)
    yield ServiceContext(database, clock, Settings().with_database_url(empty_database_url))
    database.dispose()


def _people(database: Database) -> list[tuple[str, Role, str, str | None]]:
    with database.readonly() as session:
        rows = session.execute(
            select(User.username, User.role, Institution.code, User.email).join(Institution)
        )
        return [(r.username, r.role, r.code, r.email) for r in rows]


def test_init_sets_up_an_empty_database_once(empty: ServiceContext, tmp_path: Path) -> None:
    config = tmp_path / "equipshare.toml"
    service = FirstRunService(empty)
    dry = service.init(REQUEST, config, dry_run=True)
    assert dry.schema_before is None and dry.institution_created and dry.admin_created
    assert migrate.current_revision(empty.database.engine) is None
    assert not config.exists()

    report = service.init(REQUEST, config)
    assert (report.schema_before, report.schema_head) == (None, migrate.shipped_head())
    assert report.institution.code == "WARWICK" and report.institution_created
    assert report.config_changes == (("name", "Midlands Innovation"), ("timezone", "Europe/London"))
    assert _people(empty.database) == [("root", Role.ADMIN, "WARWICK", "root@warwick.ac.uk")]
    settings = parse_settings(config.read_text(), config)
    assert (settings.organisation.name, settings.organisation.timezone) == (
        "Midlands Innovation",
        "Europe/London",
    )
    with empty.database.readonly() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["institution.create", "user.create"]
    root_id = session_user_id(empty.database, "root")
    assert {e.actor_id for e in events} == {root_id}
    # The new admin can act at once.
    assert [i.code for i in InstitutionService(empty).list("root")] == ["WARWICK"]

    again = service.init(REQUEST, config)
    assert again.already_done and not again.config_changes
    assert len(_people(empty.database)) == 1


def session_user_id(database: Database, username: str) -> int:
    with database.readonly() as session:
        return session.scalars(select(User.id).where(User.username == username)).one()


def test_a_database_set_up_otherwise_is_refused(empty: ServiceContext, tmp_path: Path) -> None:
    service = FirstRunService(empty)
    plain = InitRequest("WARWICK", "University of Warwick", InstitutionSector.ACADEMIC, True,
                        ("warwick.ac.uk",), "root")  # fmt: skip
    service.init(plain, tmp_path / "equipshare.toml")
    for different in (
        InitRequest("ASTON", "Aston University", InstitutionSector.ACADEMIC, True, (), "root"),
        InitRequest(
            "WARWICK",
            "University of Warwick",
            InstitutionSector.ACADEMIC,
            True,
            ("warwick.ac.uk",),
            "someone",
        ),
        InitRequest("WARWICK", "Warwick", InstitutionSector.ACADEMIC, True, (), "root"),
    ):
        with pytest.raises(RefusedError, match="already"):
            service.init(different, tmp_path / "equipshare.toml")
        with pytest.raises(RefusedError):
            service.init(different, tmp_path / "equipshare.toml", dry_run=True)
    assert _people(empty.database) == [("root", Role.ADMIN, "WARWICK", None)]


def test_a_current_schema_without_users_is_set_up_too(
    database: Database, clock: FrozenClock, database_url: str
) -> None:
    context = ServiceContext(database, clock, Settings().with_database_url(database_url))
    report = FirstRunService(context).init(
        InitRequest("KEELE", "Keele University", InstitutionSector.ACADEMIC, True, (), "ann"),
        None,
    )
    assert not report.schema_upgraded and report.admin_created
    assert _people(database) == [("ann", Role.ADMIN, "KEELE", None)]


def test_the_config_file_keeps_its_other_lines_and_is_never_overwritten(
    empty: ServiceContext, tmp_path: Path
) -> None:
    config = tmp_path / "site.toml"
    original = "# our site\n[feeds]\ndays_back = 10  # a month is too long\n\n[organisation]\n"
    original += 'name = "Midlands Innovation"\n'
    config.write_text(original)
    service = FirstRunService(empty)
    report = service.init(REQUEST, config)
    assert report.config_changes == (("timezone", "Europe/London"),)
    text = config.read_text()
    assert text == original.replace(
        "[organisation]\n", '[organisation]\ntimezone = "Europe/London"\n'
    )
    clash = InitRequest(**(REQUEST.given() | {"timezone": "Europe/Paris"}))  # type: ignore[arg-type]
    with pytest.raises(RefusedError, match=r"already sets \[organisation\] timezone"):
        service.init(clash, config)
    assert config.read_text() == text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"institution_code": "has space"}, "code"),
        ({"institution_name": " "}, "institution_name"),
        ({"email_domains": ("nodot",)}, "email_domain"),
        ({"admin_username": "no spaces please"}, "admin"),
        ({"admin_email": "root-at-warwick"}, "admin_email"),
        ({"timezone": "Midlands/Coventry"}, "timezone"),
    ],
)
def test_bad_values_name_their_field_and_write_nothing(
    empty: ServiceContext, tmp_path: Path, change: dict[str, object], field: str
) -> None:
    request = InitRequest(**(REQUEST.given() | change))  # type: ignore[arg-type]
    with pytest.raises(InputError) as raised:
        FirstRunService(empty).init(request, tmp_path / "equipshare.toml")
    assert raised.value.field == field
    assert migrate.current_revision(empty.database.engine) is None
    assert not (tmp_path / "equipshare.toml").exists()

"""A database URL's password is never printed: not when the URL is mistyped, not by
`db current`, `backup`, `restore` or `demo`. Only PostgreSQL URLs carry a password, so the
commands run against a real PostgreSQL database reached with one (its server trusts loopback
and ignores it); the mistyped URLs need no database at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from equipshare.db.engine import Database, masked_url, parse_database_url
from equipshare.domain.display.masking import mask_password
from equipshare.domain.errors import DatabaseError
from tests.cli.conftest import Invoke
from tests.support import backends
from tests.support.world import build_world

SECRET = "S3cretPW"


@pytest.fixture
def secret_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated PostgreSQL database holding the test world, by a URL with a password in
    its user part and again as a query parameter."""
    admin, template = request.getfixturevalue("postgres_template")
    url = backends.create_postgres_database(admin, template=template)
    with_secret = url.set(password=SECRET).update_query_dict({"password": SECRET})
    database = Database.connect(with_secret)
    build_world(database)
    database.dispose()
    yield with_secret.render_as_string(hide_password=False)
    backends.drop_postgres_database(admin, url.database or "")


MISTYPED = [
    f"postgresq://eq:{SECRET}@db.example.org/equipshare",
    f"postgresql://eq:{SECRET}@db.example.org:port/equipshare",
    f"postgresql://eq:{SECRET}@/@",
    f"eq:{SECRET}@db.example.org/equipshare",
    f"postgresql://eq:{SECRET}@PW@127.0.0.1:1/equipshare",
    f"mysql://eq@db.example.org/equipshare?password={SECRET}",
    f"postgresql+psycopg2://eq:{SECRET}@db.example.org/equipshare",
]


@pytest.mark.parametrize("url", MISTYPED)
def test_a_mistyped_url_is_refused_in_one_line_with_its_password_masked(
    invoke: Invoke, url: str
) -> None:
    result = invoke("--db", url, "db", "current")
    assert result.exit_code != 0
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert SECRET not in result.output and "S3cret" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url", MISTYPED)
def test_parse_errors_name_the_url_masked(url: str) -> None:
    try:
        parse_database_url(url)
    except DatabaseError as exc:
        assert "S3cret" not in str(exc) and "***" in str(exc)
    else:  # a well-formed URL that only fails on connecting
        assert "S3cret" not in masked_url(url)


def test_masking_covers_the_user_part_and_the_query() -> None:
    assert mask_password("postgresql://eq:pw@h:5/db") == "postgresql://eq:***@h:5/db"
    assert mask_password("postgresql://eq:p@w@h/db") == "postgresql://eq:***@h/db"
    assert mask_password("postgresql://eq@h/db?password=pw&x=1") == (
        "postgresql://eq@h/db?password=***&x=1"
    )
    assert mask_password("sqlite:////srv/main.db") == "sqlite:////srv/main.db"
    assert mask_password("postgresql://eq@h/db") == "postgresql://eq@h/db"
    assert masked_url(make_url("postgresql://eq:pw@h/db?password=pw")) == (
        "postgresql://eq:***@h/db?password=***"
    )


def test_db_current_backup_restore_and_demo_mask_the_password(
    invoke: Invoke, secret_url: str, tmp_path: Path
) -> None:
    outputs = []
    current = invoke("--db", secret_url, "db", "current")
    assert current.exit_code == 0, current.output
    assert ":***@" in current.stdout and "password=***" in current.stdout
    outputs.append(current.output)

    target = tmp_path / "site.backup"
    backup = invoke("backup", str(target), "--db", secret_url)
    assert backup.exit_code == 0, backup.output
    outputs.append(backup.output)
    refused = invoke("restore", str(target), "--db", secret_url)
    assert refused.exit_code == 1 and ":***@" in refused.stderr
    outputs.append(refused.output)
    restored = invoke("restore", str(target), "--force", "--db", secret_url)
    assert restored.exit_code == 0, restored.output
    outputs.append(restored.output)

    demo = invoke("demo", "--seed-only", "--db", secret_url)
    assert demo.exit_code == 1 and ":***@" in demo.stderr  # it holds data already
    outputs.append(demo.output)
    for output in outputs:
        assert SECRET not in output, output

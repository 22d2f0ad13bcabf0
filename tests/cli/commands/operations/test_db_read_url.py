"""`[database] read_url` at the command line: refused beside SQLite, shown masked beside
PostgreSQL (both engines; no replica needed, nothing is read from it here)."""

from __future__ import annotations

from sqlalchemy import make_url

from tests.cli.conftest import Invoke

SECRET = "S3cret"


def test_read_url_is_refused_beside_sqlite_and_shown_masked_beside_postgresql(
    invoke: Invoke, backend: str, database_url: str
) -> None:
    replica = make_url(database_url).set(password=SECRET) if backend == "postgresql" else None
    read_url = (
        replica.render_as_string(hide_password=False)
        if replica is not None
        else f"postgresql+psycopg://eq:{SECRET}@replica.example.ac.uk/equipshare"
    )
    env = {"EQUIPSHARE_DATABASE_URL": database_url, "EQUIPSHARE_DATABASE_READ_URL": read_url}
    result = invoke("db", "current", env=env)
    assert SECRET not in result.output
    if backend == "sqlite":
        assert result.exit_code == 2
        [line] = result.output.strip().splitlines()
        assert "[database] read_url: read replicas need PostgreSQL" in line
        return
    assert result.exit_code == 0, result.output
    [line] = result.output.strip().splitlines()
    assert line.endswith(f"; reads on the replica {make_url(read_url)!r}".replace(SECRET, "***"))

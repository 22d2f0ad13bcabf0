"""[database] read_url: which URL wins, and what is refused before anything connects."""

from __future__ import annotations

from pathlib import Path

import pytest

from equipshare.config import DATABASE_READ_URL_ENV, DATABASE_URL_ENV, load_settings
from equipshare.domain.errors import ConfigError

PRIMARY = "postgresql+psycopg://eq@db.example.ac.uk/equipshare"
REPLICA = "postgresql+psycopg://eq:S3cret@replica.example.ac.uk/equipshare"


def config(tmp_path: Path, database: str) -> Path:
    path = tmp_path / "equipshare.toml"
    path.write_text(f"[database]\n{database}\n", encoding="utf-8")
    return path


def test_the_files_replica_goes_with_the_files_url(tmp_path: Path) -> None:
    path = config(tmp_path, f'url = "{PRIMARY}"\nread_url = "{REPLICA}"')
    assert load_settings(path, environ={}).database.read_url == REPLICA
    # Another database named by --db or the environment is not the one the file's replica
    # copies, so the replica is dropped with the file's url...
    other = "postgresql+psycopg://eq@elsewhere/equipshare"
    assert load_settings(path, environ={DATABASE_URL_ENV: other}).database.read_url == ""
    assert load_settings(path, database_url=other, environ={}).database.read_url == ""
    # ...unless the environment names its replica too.
    both = {DATABASE_URL_ENV: other, DATABASE_READ_URL_ENV: "postgresql://eq@r2/equipshare"}
    settings = load_settings(path, environ=both)
    assert (settings.database_url, settings.database.read_url) == (
        other,
        both[DATABASE_READ_URL_ENV],
    )


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("sqlite:///replica.db", "must start postgresql+psycopg://"),
        ("mysql://eq:S3cret@replica/equipshare", "must start sqlite:/// or postgresql+psycopg://"),
    ],
)
def test_a_read_url_that_is_not_postgresql_is_refused_in_one_line(
    tmp_path: Path, value: str, says: str
) -> None:
    path = config(tmp_path, f'url = "{PRIMARY}"\nread_url = "{value}"')
    with pytest.raises(ConfigError) as refused:
        load_settings(path, environ={})
    message = str(refused.value)
    assert "[database] read_url:" in message and says in message
    assert "S3cret" not in message and "\n" not in message


def test_replica_wait_ms_is_bounded(tmp_path: Path) -> None:
    path = config(tmp_path, "replica_wait_ms = 60000")
    with pytest.raises(
        ConfigError, match=r"\[database\] replica_wait_ms: must be between 0 and 10000"
    ):
        load_settings(path, environ={})

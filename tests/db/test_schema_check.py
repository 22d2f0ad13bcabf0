"""The start-up schema check: the head read from the scripts, the version row read by SQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from equipshare.db import migrate
from equipshare.db.engine import Database
from equipshare.domain.errors import DatabaseError, DatabaseNotAtHead

HEADER = '''"""{doc}"""

from alembic import op

revision: str = {revision!r}
down_revision: {annotation} = {down!r}
branch_labels = None
'''


def write_scripts(folder: Path, *scripts: tuple[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for revision, down in scripts:
        annotation = "tuple[str, ...]" if isinstance(down, tuple) else "str | None"
        body = HEADER.format(
            doc=f"rev {revision}", revision=revision, down=down, annotation=annotation
        )
        (folder / f"{revision}_x.py").write_text(body, encoding="utf-8")
    return folder


def test_the_scripts_head_is_the_one_alembic_computes() -> None:
    assert migrate.shipped_head() == migrate.head_revision()


def test_a_linear_history_and_a_merge_each_have_one_head(tmp_path: Path) -> None:
    linear = write_scripts(tmp_path / "linear", ("a1", None), ("b2", "a1"), ("c3", "b2"))
    assert migrate.linear_head(linear) == "c3"
    merged = write_scripts(
        tmp_path / "merged", ("a1", None), ("b2", "a1"), ("b3", "a1"), ("m4", ("b2", "b3"))
    )
    assert migrate.linear_head(merged) == "m4"


def test_scripts_that_are_not_plain_leave_the_head_to_alembic(tmp_path: Path) -> None:
    two_heads = write_scripts(tmp_path / "branched", ("a1", None), ("b2", "a1"), ("b3", "a1"))
    assert migrate.linear_head(two_heads) is None
    dangling = write_scripts(tmp_path / "dangling", ("b2", "a1"))
    assert migrate.linear_head(dangling) is None
    computed = tmp_path / "computed"
    computed.mkdir()
    (computed / "a1_x.py").write_text("revision = make_id()\ndown_revision = None\n")
    assert migrate.linear_head(computed) is None
    assert migrate.linear_head(tmp_path / "empty") is None


def test_an_intermediate_revision_is_refused_with_what_to_run(empty_database_url: str) -> None:
    db = Database.connect(empty_database_url)
    try:
        migrate.upgrade(db.engine, "0001")
        assert migrate.current_revision(db.engine) == "0001"
        with pytest.raises(DatabaseNotAtHead) as caught:
            migrate.ensure_at_head(db.engine)
        assert caught.value.current == "0001"
        assert caught.value.head == migrate.head_revision()
        assert str(caught.value) == (
            f"database schema is at 0001, but this equipshare needs {migrate.head_revision()}: "
            "run `equipshare db upgrade`"
        )
    finally:
        db.dispose()


def test_two_version_rows_are_an_error_not_a_guess(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('zz99')"))
    with pytest.raises(DatabaseError, match="several heads"):
        migrate.ensure_at_head(database.engine)


def test_the_check_never_imports_alembic(database_url: str) -> None:
    code = (
        "import sys\n"
        "from equipshare.db.engine import Database\n"
        "from equipshare.db import migrate\n"
        f"db = Database.connect({database_url!r}, create=False)\n"
        "migrate.ensure_at_head(db.engine)\n"
        "db.dispose()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

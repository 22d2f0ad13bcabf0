"""A kill -9 half way through `equipshare import instruments` of 10,000 rows changes nothing.

The import runs as a real process. Its -v progress lines on stderr come from inside the
transaction, after each 500 rows written, so the first one says the process is mid-write:
it is then killed, and every table must read exactly as before, row for row.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from equipshare.db import tables
from equipshare.db.engine import Database
from tests.support.sheet_files import many_rows
from tests.support.world import World


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of all its rows in primary-key order."""
    database = Database.connect(url)
    try:
        found = {}
        with database.readonly() as session:
            for table in tables.metadata.sorted_tables:
                rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
                digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
                found[table.name] = (len(rows), digest)
        return found
    finally:
        database.dispose()


def equipshare(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "equipshare", *args, "--db", url]


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EQUIPSHARE_")}
    return env | {"EQUIPSHARE_USER": "root", "XDG_CONFIG_HOME": str(tmp_path)}


def test_kill_9_mid_import_leaves_every_table_as_it_was(
    database_url: str, world: World, tmp_path: Path
) -> None:
    env = clean_env(tmp_path)
    # 100 instruments already imported, so the big sheet both updates and creates.
    earlier = tmp_path / "earlier.csv"
    earlier.write_bytes(many_rows(100).replace(b"Instrument ", b"Old instrument "))
    command = equipshare(database_url, "import", "instruments", "--institution", "WARWICK")
    subprocess.run([*command, str(earlier)], env=env, cwd=tmp_path, check=True, capture_output=True)
    sheet = tmp_path / "big.csv"
    sheet.write_bytes(many_rows(10_000))
    before = fingerprint(database_url)

    process = subprocess.Popen(
        [*command, str(sheet), "-v"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    first = process.stderr.readline()  # b"" only if the process ended without a line
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    rest = process.stderr.read()
    process.stderr.close()
    assert first.startswith(b"importing big.csv: 500 of 10000 rows written"), first + rest
    assert process.returncode == -signal.SIGKILL, first + rest
    assert b"imported" not in rest  # it never got as far as committing

    assert fingerprint(database_url) == before

    # The database is whole and unlocked: the same import now runs to the end.
    done = subprocess.run(
        [*command, str(sheet)], env=env, cwd=tmp_path, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert b"9900 created, 100 updated, 0 unchanged" in done.stderr
    assert fingerprint(database_url)["instruments"][0] == 10_005

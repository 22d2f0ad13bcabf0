"""Backup and restore on both engines: under write load, into a fresh database, then checked."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import InputError, RefusedError
from equipshare.services.admin import backup as backup_module
from equipshare.services.admin.backup import BackupService
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.plumbing.context import ServiceContext
from tests.support import backends
from tests.support.world import T0, World, london


class Booker(threading.Thread):
    """Books WAR-RAM-01 slot after slot, one transaction each, until told to stop."""

    def __init__(self, url: str, world: World) -> None:
        super().__init__(daemon=True)
        self.db = Database.connect(url)
        self.world = world
        self.committed: list[int] = []
        self.stop = threading.Event()
        self.enough = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        start = london(2026, 4, 1, 0)
        try:
            while not self.stop.is_set():
                slot = start + timedelta(minutes=30 * len(self.committed))
                with self.db.sessions.begin() as session:
                    row = Booking(
                        instrument_id=self.world.instruments["WAR-RAM-01"],
                        user_id=self.world.users["alice"],
                        created_by_id=self.world.users["alice"],
                        technician_id=self.world.users["tech"],
                        starts_at=slot,
                        ends_at=slot + timedelta(minutes=30),
                        status=BookingStatus.CONFIRMED,
                        ical_uid=f"load-{uuid.uuid4()}",
                        sequence=0,
                        created_at=T0,
                        updated_at=T0,
                    )
                    session.add(row)
                    session.flush()
                    booking_id = row.id
                self.committed.append(booking_id)  # only once the commit has returned
                if len(self.committed) >= 30:
                    self.enough.set()
        except BaseException as exc:  # pragma: no cover - reported by the test
            self.error = exc
            self.enough.set()
        finally:
            self.db.dispose()


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even a schema (a PostgreSQL one made by createdb)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'restored.db'}"
        return
    admin = backends.postgres_admin_url()
    if admin is None:
        pytest.skip(f"PostgreSQL not configured: set ${backends.PG_URL_ENV}")
    url = backends.create_postgres_database(admin)
    yield url.render_as_string(hide_password=False)
    backends.drop_postgres_database(admin, url.database or "")


def open_context(url: str, context: ServiceContext) -> ServiceContext:
    return ServiceContext(
        database=Database.connect(url),
        clock=context.clock,
        settings=Settings().with_database_url(url),
    )


def test_a_backup_under_write_load_restores_every_row_committed_before_it(
    context: ServiceContext, world: World, database_url: str, fresh_url: str, tmp_path: Path
) -> None:
    booker = Booker(database_url, world)
    booker.start()
    try:
        assert booker.enough.wait(30), "the booker did not get going"
        before = list(booker.committed)
        result = BackupService(context).backup(tmp_path / "backup.file")
        seen = len(booker.committed)
        # The booker kept booking while the backup ran and after it.
        for _ in range(200):
            if len(booker.committed) > seen + 5:
                break
            booker.stop.wait(0.01)
    finally:
        booker.stop.set()
        booker.join(10)
    assert booker.error is None
    assert len(booker.committed) > len(before)
    assert result.path.is_file() and result.size_bytes > 0
    assert not list(tmp_path.glob(".backup.file.*.tmp"))

    restored = open_context(fresh_url, context)
    try:
        outcome = BackupService(restored).restore(result.path)
        assert outcome.at_head and not outcome.replaced_data
        with restored.database.readonly() as session:
            ids = set(session.scalars(select(Booking.id)))
        assert set(before) <= ids
        assert ids <= set(booker.committed)  # nothing half-written, nothing invented
        report = IntegrityService(restored).check()
        assert report.clean, report.problems
        with pytest.raises(RefusedError, match="holds data; restore with --force"):
            BackupService(restored).restore(result.path)
        assert BackupService(restored).restore(result.path, force=True).replaced_data
    finally:
        restored.close()


def test_a_backup_replaces_an_older_one_at_the_same_path(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    (tmp_path / "backups").mkdir()
    target = tmp_path / "backups" / "nightly.backup"
    first = BackupService(context).backup(target)
    second = BackupService(context).backup(target)
    assert first.path == second.path == target.resolve()
    assert [p.name for p in target.parent.iterdir()] == ["nightly.backup"]


def test_bad_paths_and_files_are_bad_input(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    service = BackupService(context)
    with pytest.raises(InputError, match="does not exist"):
        service.backup(tmp_path / "missing-dir" / "x.backup")
    with pytest.raises(InputError, match="is a directory"):
        service.backup(tmp_path)
    with pytest.raises(InputError, match="no such backup file"):
        service.restore(tmp_path / "nothing-here", force=True)
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    with pytest.raises(InputError, match=r"junk\.backup: not a"):
        service.restore(junk, force=True)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_refuses_to_back_up_onto_itself(context: ServiceContext, world: World) -> None:
    live = Path(context.database.engine.url.database or "")
    with pytest.raises(InputError, match="is the database itself"):
        BackupService(context).backup(live)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgres_without_pg_dump_says_so_and_refuses(
    context: ServiceContext, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(backup_module, "PG_BIN_GLOB", str(tmp_path / "no-postgresql" / "*"))
    with pytest.raises(RefusedError, match="pg_dump was not found on PATH"):
        BackupService(context).backup(tmp_path / "x.dump")
    assert not list(tmp_path.glob("*.dump*")) and not list(tmp_path.glob(".x.dump*"))


def test_pg_tools_are_found_under_usr_lib_postgresql_when_not_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for version in ("9.6", "15", "13"):
        tool = tmp_path / "postgresql" / version / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(backup_module, "PG_BIN_GLOB", str(tmp_path / "postgresql" / "*" / "bin"))
    assert backup_module.find_pg_tool("pg_dump") == str(
        tmp_path / "postgresql" / "15" / "bin" / "pg_dump"
    )

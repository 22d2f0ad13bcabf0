"""The wheel ships the migrations, so `pip install .` can upgrade a database from anywhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = out.glob("equipshare-*.whl")
    return built


def test_wheel_contains_migrations_and_entry_point(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "equipshare/migrations/env.py" in names
    assert "equipshare/migrations/script.py.mako" in names
    versions = {n for n in names if n.startswith("equipshare/migrations/versions/")}
    source_versions = {p.name for p in (ROOT / "migrations" / "versions").glob("*.py")}
    assert {Path(n).name for n in versions} == source_versions
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "equipshare = equipshare.cli.main:main"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )


def test_installed_wheel_upgrades_a_database_from_another_directory(
    wheel: Path, tmp_path: Path
) -> None:
    # Install the wheel alone into a target dir; dependencies come from this interpreter.
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    url = f"sqlite:///{tmp_path / 'installed.db'}"
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    code = "from equipshare.cli.main import main; main()"
    upgrade = subprocess.run(
        [sys.executable, "-c", code, "--db", url, "db", "upgrade"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    located = subprocess.run(
        [
            sys.executable,
            "-c",
            "import equipshare.db.migrate as m; print(m.migrations_directory())",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert located.stdout.strip().startswith(str(target))
    current = subprocess.run(
        [sys.executable, "-c", code, "db", "current", "--db", url],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert current.returncode == 0 and "(head)" in current.stdout

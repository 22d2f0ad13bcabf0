"""The import rule: tui -> services -> db, and the pure modules import nothing above them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "equipshare"

PURE = {
    "domain",
    "records",
    "permissions",
    "timewords",
    "timeparse",
    "errors",
    "config",
    "clock",
    "ical",
    "sheets",
    "uniquip",
    "people_sheets",
    "records_admin",
}
# For each layer, the top-level parts of equipshare it must never import.
FORBIDDEN: dict[str, set[str]] = {
    "domain": {"db", "services", "cli", "tui", "server", "ical", "config"},
    "records": {"db", "services", "cli", "tui", "server", "ical", "config"},
    "timewords": {"db", "services", "cli", "tui", "server", "ical", "config"},
    "timeparse": {"db", "services", "cli", "tui", "server", "ical", "config"},
    "permissions": {"db", "services", "cli", "tui", "server", "ical", "config"},
    "errors": {"db", "services", "cli", "tui", "server", "ical", "config", "domain"},
    "clock": {"db", "services", "cli", "tui", "server", "ical", "config"},
    "config": {"db", "services", "cli", "tui", "server", "ical"},
    "sheets": {"db", "services", "cli", "tui", "server", "ical", "config"},
    "uniquip": {"db", "services", "cli", "tui", "server", "ical", "config"},
    "people_sheets": {"db", "services", "cli", "tui", "server", "ical", "config"},
    "records_admin": {"db", "services", "cli", "tui", "server", "ical", "config"},
    "ical": {"db", "services", "cli", "tui", "server"},
    "db": {"services", "cli", "tui", "server", "ical"},
    "services": {"cli", "tui", "server"},
    "tui": {"db", "cli", "server"},
    "cli": {"db"},  # cli launches the TUI (tui_command.py); it never touches the DB layer
    "server": {"db", "cli", "tui"},
}
THIRD_PARTY_FORBIDDEN: dict[str, set[str]] = {
    "tui": {"sqlalchemy", "alembic", "psycopg"},
    "cli": {"sqlalchemy", "alembic"},
    "domain": {"sqlalchemy", "textual", "click"},
    "records": {"sqlalchemy", "textual", "click"},
    "permissions": {"sqlalchemy", "textual", "click"},
    "errors": {"sqlalchemy", "textual", "click"},
    "config": {"sqlalchemy", "textual", "click"},
    "sheets": {"sqlalchemy", "textual", "click"},
    "uniquip": {"sqlalchemy", "textual", "click"},
    "people_sheets": {"sqlalchemy", "textual", "click"},
    "records_admin": {"sqlalchemy", "textual", "click"},
    "ical": {"sqlalchemy", "textual", "click"},
    "services": {"textual", "click"},
    "db": {"textual", "click"},
}


def layer_of(path: Path, package: Path) -> str:
    relative = path.relative_to(package)
    return relative.parts[0].removesuffix(".py")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def violations(package: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted(package.rglob("*.py")):
        layer = layer_of(path, package)
        for line, module in imported_modules(path):
            parts = module.split(".")
            if parts[0] == "equipshare" and len(parts) > 1:
                target = parts[1]
                if target in FORBIDDEN.get(layer, set()):
                    problems.append(
                        f"{path.relative_to(package.parent)}:{line} {layer} imports {module}"
                    )
            elif parts[0] in THIRD_PARTY_FORBIDDEN.get(layer, set()):
                problems.append(
                    f"{path.relative_to(package.parent)}:{line} {layer} imports {module}"
                )
    return problems


def test_no_module_breaks_the_layer_rule() -> None:
    assert violations() == []


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    fake = tmp_path / "equipshare"
    (fake / "tui").mkdir(parents=True)
    (fake / "tui" / "bad.py").write_text(
        "from equipshare.db.models import Booking\nimport sqlalchemy\n"
    )
    (fake / "domain.py").write_text("from equipshare.services import x\n")
    found = violations(fake)
    assert len(found) == 3
    assert any("tui imports equipshare.db.models" in f for f in found)
    assert any("tui imports sqlalchemy" in f for f in found)
    assert any("domain imports equipshare.services" in f for f in found)


@pytest.mark.parametrize("module", sorted(PURE - {"ical"}))
def test_pure_modules_load_no_database_or_ui_code(module: str) -> None:
    code = (
        f"import sys, equipshare.{module}; "
        "bad = [m for m in ('sqlalchemy', 'textual', 'alembic', 'click') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_scripted_commands_do_not_load_the_tui() -> None:
    """Cron jobs import the CLI; only `equipshare`, `tui` and `demo` should load Textual."""
    code = "import sys, equipshare.cli; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""The layer contract, read from the import graph: who may import whom, and no cycles.

`tui | cli | server` stand above `services` (and `demo`, which seeds through the same
tables), above `db`, above the pure `domain`, `config` (whose parts live in `settings`),
`ical` and `sheets`. Front ends import a feature through its one public module
(`services/<feature>/service.py`) or the service context, never a feature's own helpers.
Every import counts, also those inside functions, which keep start-up lazy but are
dependencies all the same.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "equipshare"

PURE = ("domain", "config", "settings", "ical", "sheets")
FRONT_ENDS = ("tui", "cli", "server")
# For each top-level part of equipshare, the parts it may import (itself included).
ALLOWED: dict[str, set[str]] = {
    "domain": {"domain"},
    "config": {"config", "settings", "domain"},
    # config.py is the one door to settings; its parts live in the settings package.
    "settings": {"settings", "domain"},
    "ical": {"ical", "domain", "config"},
    "sheets": {"sheets", "domain"},
    "db": {"db", "domain", "config"},
    "services": {"services", "db", "domain", "config", "ical", "sheets"},
    "demo": {"demo", "services", "db", "domain", "config", "ical", "sheets"},
    "tui": {"tui", "services", "domain", "config", "ical"},
    "server": {"server", "services", "domain", "config", "ical"},
    "cli": {"cli", "services", "domain", "config", "ical", "sheets", "tui", "server", "demo"},
    "__main__": {"cli"},
    "__init__": set(),
}
THIRD_PARTY_FORBIDDEN: dict[str, set[str]] = {
    "domain": {"sqlalchemy", "alembic", "textual", "click", "aiohttp"},
    "config": {"sqlalchemy", "alembic", "textual", "click", "aiohttp"},
    "settings": {"sqlalchemy", "alembic", "textual", "click", "aiohttp"},
    "ical": {"sqlalchemy", "alembic", "textual", "click"},
    "sheets": {"sqlalchemy", "alembic", "textual", "click", "aiohttp"},
    "db": {"textual", "click"},
    "services": {"textual", "click"},
    "demo": {"textual", "click"},
    "tui": {"sqlalchemy", "alembic", "psycopg"},
    "cli": {"sqlalchemy", "alembic"},
    "server": {"sqlalchemy", "alembic", "textual"},
}
# What a front end may import from services: a feature's public module, the context, or
# the launch and its read-ahead (`equipshare tui` reads its first screen through them,
# in a forked child, before the context can be opened without SQLAlchemy's import: issue
# 22, start-up).
PUBLIC_SERVICE_MODULES = ("service",)
SHARED_SERVICE_MODULES = {
    "equipshare.services.plumbing.context",
    "equipshare.services.plumbing.launch",
    "equipshare.services.plumbing.launch_ahead",
}


def module_name(path: Path, package: Path) -> str:
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path, known: Iterable[str] = ()) -> list[tuple[int, str]]:
    """Every absolute import in the file, with `from pkg import module` read as the module."""
    known = set(known)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            for alias in node.names:
                if f"{node.module}.{alias.name}" in known:
                    found.append((node.lineno, f"{node.module}.{alias.name}"))
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, dict[str, int]]:
    """module -> {imported equipshare module: first line}, for every module of the package."""
    paths = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    graph: dict[str, dict[str, int]] = {}
    for module, path in paths.items():
        edges: dict[str, int] = {}
        for line, target in imports_of(path, paths):
            if target in paths and target not in (module, package.name):
                edges.setdefault(target, line)
        graph[module] = edges
    return graph


def violations(package: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted(package.rglob("*.py")):
        module = module_name(path, package)
        layer = layer_of(module)
        where = f"{path.relative_to(package.parent)}"
        for line, target in imports_of(path):
            parts = target.split(".")
            if parts[0] == package.name and len(parts) > 1:
                if parts[1] not in ALLOWED.get(layer, set()):
                    problems.append(f"{where}:{line} {layer} imports {target}")
                elif (
                    layer in FRONT_ENDS
                    and parts[1] == "services"
                    and len(parts) > 3
                    and parts[3] not in PUBLIC_SERVICE_MODULES
                    and target not in SHARED_SERVICE_MODULES
                ):
                    problems.append(f"{where}:{line} {layer} imports a private {target}")
            elif parts[0] in THIRD_PARTY_FORBIDDEN.get(layer, set()):
                problems.append(f"{where}:{line} {layer} imports {target}")
    return problems


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def package_graph(graph: Mapping[str, Iterable[str]], packages: set[str]) -> dict[str, set[str]]:
    """Edges between the packages holding each module; a package may use its own subpackages."""

    def home(module: str) -> str:
        return module if module in packages else module.rpartition(".")[0]

    edges: dict[str, set[str]] = {}
    for module, targets in graph.items():
        for target in targets:
            source, dest = home(module), home(target)
            if source != dest and not dest.startswith(source + "."):
                edges.setdefault(source, set()).add(dest)
    return edges


def packages_of(package: Path = PACKAGE) -> set[str]:
    return {module_name(p, package) for p in package.rglob("__init__.py")}


def test_no_module_breaks_the_layer_rule() -> None:
    assert violations() == []


def test_no_module_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_no_package_import_cycle() -> None:
    assert cycles(package_graph(import_graph(), packages_of())) == []


def test_the_rules_catch_violations_and_cycles(tmp_path: Path) -> None:
    fake = tmp_path / "equipshare"
    for folder in ("tui", "domain", "services/bookings", "services/charging"):
        (fake / folder).mkdir(parents=True)
        (fake / folder / "__init__.py").write_text("")
    (fake / "tui" / "bad.py").write_text(
        "from equipshare.db.models import Booking\nimport sqlalchemy\n"
        "from equipshare.services.bookings.create import x\n"
    )
    (fake / "domain" / "rules.py").write_text("from equipshare.services import x\n")
    (fake / "services" / "bookings" / "create.py").write_text(
        "def f():\n    from equipshare.services.charging import pricing\n"
    )
    (fake / "services" / "charging" / "pricing.py").write_text(
        "from equipshare.services.bookings.create import f\n"
    )
    found = violations(fake)
    assert len(found) == 4
    assert any("tui imports equipshare.db.models" in f for f in found)
    assert any("tui imports sqlalchemy" in f for f in found)
    assert any("tui imports a private equipshare.services.bookings.create" in f for f in found)
    assert any("domain imports equipshare.services" in f for f in found)
    graph = import_graph(fake)
    assert cycles(graph) == [
        ["equipshare.services.bookings.create", "equipshare.services.charging.pricing"]
    ]
    assert cycles(package_graph(graph, packages_of(fake))) == [
        ["equipshare.services.bookings", "equipshare.services.charging"]
    ]


@pytest.mark.parametrize("layer", PURE)
def test_pure_packages_load_no_database_or_ui_code(layer: str) -> None:
    root = PACKAGE / layer
    paths = sorted(root.rglob("*.py")) if root.is_dir() else [PACKAGE / f"{layer}.py"]
    modules = [module_name(p, PACKAGE) for p in paths]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        "bad = [m for m in ('sqlalchemy', 'textual', 'alembic', 'click') if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_init_is_only_a_docstring() -> None:
    """Start-up time depends on lazy imports: a package's __init__ imports nothing."""
    busy = []
    for path in PACKAGE.rglob("__init__.py"):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        statements = [n for n in body if not (isinstance(n, ast.Expr) and n is body[0])]
        if any(isinstance(n, ast.Import | ast.ImportFrom) for n in statements):
            busy.append(str(path.relative_to(PACKAGE)))
    assert busy == []


def test_scripted_commands_do_not_load_the_tui() -> None:
    """Cron jobs import the CLI; only `equipshare`, `tui` and `demo` should load Textual."""
    code = "import sys, equipshare.cli.main; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

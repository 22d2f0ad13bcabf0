"""Migrations are frozen: a revision imports from equipshare only what its DDL and refusals name.

An old revision must do the same thing however the package changes later, so it carries its
own copy of any arithmetic, enum values or table shapes it uses. Two things may come from
the package, because a change to them cannot silently change what a revision does:

- `equipshare.db.base.UTCDateTime`, a column type for DDL. The revision template
  (migrations/script.py.mako) imports `equipshare.db.base` so that autogenerate can name it.
- `equipshare.domain.errors.DatabaseError`, the refusal a revision raises when it will not
  go on (0007 names the bookings that stop it). The command line prints it on one line and
  exits 1, as it does every EquipshareError; any other exception would read as a bug.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
ALLOWED: dict[str, frozenset[str]] = {
    "equipshare.db.base": frozenset({"UTCDateTime"}),
    "equipshare.domain.errors": frozenset({"DatabaseError"}),
}


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _from_equipshare(name: str) -> bool:
    return name == "equipshare" or name.startswith("equipshare.")


def live_imports(source: str, filename: str) -> list[str]:
    """Each use of package code that `ALLOWED` does not admit, as 'file:line: what'."""
    found: list[str] = []
    module_imports: set[str] = set()  # `import equipshare.db.base`: its uses are checked below
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _from_equipshare(node.module):
            allowed = ALLOWED.get(node.module, frozenset())
            for alias in node.names:
                if alias.name not in allowed:
                    what = f"from {node.module} import {alias.name}"
                    found.append(f"{filename}:{node.lineno}: {what}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if not _from_equipshare(alias.name):
                    continue
                if alias.name in ALLOWED and alias.asname is None:
                    module_imports.add(alias.name)
                else:
                    shown = alias.name + (f" as {alias.asname}" if alias.asname else "")
                    found.append(f"{filename}:{node.lineno}: import {shown}")
        elif isinstance(node, ast.Call) and _dotted(node.func) in (
            "__import__",
            "importlib.import_module",
            "import_module",
        ):
            first = node.args[0] if node.args else None
            if (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and _from_equipshare(first.value)
            ):
                found.append(f"{filename}:{node.lineno}: imports {first.value} at run time")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            owner = _dotted(node.value)
            if owner in module_imports and node.attr not in ALLOWED[owner]:
                found.append(f"{filename}:{node.lineno}: uses {owner}.{node.attr}")
    return sorted(dict.fromkeys(found), key=lambda line: int(line.split(":")[1]))


def test_there_are_revisions_to_check() -> None:
    assert len(list(VERSIONS.glob("*.py"))) >= 7


@pytest.mark.parametrize("script", sorted(VERSIONS.glob("*.py")), ids=lambda p: p.name)
def test_a_revision_imports_no_live_package_code(script: Path) -> None:
    found = live_imports(script.read_text(encoding="utf-8"), script.name)
    assert found == [], "a migration must carry its own copy of package code:\n" + "\n".join(found)


def test_the_check_names_the_file_and_line_of_each_live_import() -> None:
    source = "\n".join(
        [
            "import equipshare.db.base",
            "from equipshare.domain.money.charging import pence_of",
            "from equipshare.domain.errors import DatabaseError, InputError",
            "from equipshare.db.base import UTCDateTime, enum_check",
            "import equipshare.db.models as models",
            "column_type = equipshare.db.base.UTCDateTime()",
            "check = equipshare.db.base.enum_check",
            "def later():",
            "    from equipshare.domain.enums import UserClass",
            "    return __import__('equipshare.domain.money.charging')",
        ]
    )
    assert live_imports(source, "0099_x.py") == [
        "0099_x.py:2: from equipshare.domain.money.charging import pence_of",
        "0099_x.py:3: from equipshare.domain.errors import InputError",
        "0099_x.py:4: from equipshare.db.base import enum_check",
        "0099_x.py:5: import equipshare.db.models as models",
        "0099_x.py:7: uses equipshare.db.base.enum_check",
        "0099_x.py:9: from equipshare.domain.enums import UserClass",
        "0099_x.py:10: imports equipshare.domain.money.charging at run time",
    ]

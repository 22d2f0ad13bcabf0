"""The binding ids users may remap in [keymap], found by walking the TUI's own classes.

The walk imports every screen, modal and widget module, which a launch would otherwise
defer until each is first shown; so it runs only when the config has a [keymap] table.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping

from textual.binding import Binding
from textual.dom import DOMNode

from equipshare.config import Settings
from equipshare.domain.errors import ConfigError

PACKAGES = ("equipshare.tui.screens", "equipshare.tui.modals", "equipshare.tui.widgets")


def _classes() -> Iterable[type[DOMNode]]:
    import pkgutil  # here: only a [keymap] table has every class walked

    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        # walk_packages, not iter_modules: screens/administration/ is a package of its own.
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, DOMNode)
                    and value.__module__ == module.__name__
                ):
                    yield value


def binding_ids(extra: Iterable[type[DOMNode]] = ()) -> frozenset[str]:
    """Every binding id declared by our screens, modals, widgets and `extra` (the app)."""
    ids: set[str] = set()
    for cls in (*_classes(), *extra):
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
            if binding.id:
                ids.add(binding.id)
    return frozenset(ids)


def checked_keymap(settings: Settings, extra: Iterable[type[DOMNode]] = ()) -> Mapping[str, str]:
    """The [keymap] table, refusing an id no binding has, so a typo is not silently ignored.

    `extra` are classes outside the walked packages (the app) whose bindings may be remapped.
    """
    if not settings.keymap:
        return settings.keymap
    known = binding_ids(extra)
    where = settings.source or "equipshare.toml"
    for binding_id, keys in settings.keymap.items():
        if binding_id not in known:
            raise ConfigError(
                f"{where}: [keymap] {binding_id}: no key binding has this id; "
                "the help screen (?) lists them"
            )
        if not keys.strip() or any(not key.strip() for key in keys.split(",")):
            raise ConfigError(f"{where}: [keymap] {binding_id}: {keys!r} names no key")
    return settings.keymap

"""The catalogue feature's public face: search, instrument detail, editing, sheet import and export.

Front ends import from here only; the modules beside it are the package's own. Only the
catalogue search (Core, no ORM) loads with this module: the rest load on first use, so
the terminal app's first page waits for none of them (issue 22, start-up).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from equipshare.services.catalogue.search import CatalogueService

if TYPE_CHECKING:
    from equipshare.services.catalogue.code_lookup import InstrumentLookupService
    from equipshare.services.catalogue.detail import InstrumentDetailService, training_words
    from equipshare.services.catalogue.editing import InstrumentEditingService
    from equipshare.services.catalogue.instrument_status import InstrumentStatusService
    from equipshare.services.catalogue.sheet_export import CatalogueExportService
    from equipshare.services.catalogue.sheet_import import CatalogueImportService

#: Each name loaded on first use, and the module beside this one that holds it.
_LATER = {
    "CatalogueExportService": "sheet_export",
    "CatalogueImportService": "sheet_import",
    "InstrumentDetailService": "detail",
    "InstrumentEditingService": "editing",
    "InstrumentLookupService": "code_lookup",
    "InstrumentStatusService": "instrument_status",
    "training_words": "detail",
}

__all__ = [
    "CatalogueExportService",
    "CatalogueImportService",
    "CatalogueService",
    "InstrumentDetailService",
    "InstrumentEditingService",
    "InstrumentLookupService",
    "InstrumentStatusService",
    "training_words",
]


def __getattr__(name: str) -> Any:
    """Load a name of `_LATER` from its module on first use (PEP 562)."""
    module = _LATER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__package__}.{module}"), name)
    globals()[name] = value
    return value

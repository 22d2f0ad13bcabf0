"""The catalogue feature's public face: search, instrument detail, editing, sheet import and export.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.catalogue.code_lookup import InstrumentLookupService
from equipshare.services.catalogue.detail import InstrumentDetailService, training_words
from equipshare.services.catalogue.editing import InstrumentEditingService
from equipshare.services.catalogue.instrument_status import InstrumentStatusService
from equipshare.services.catalogue.search import CatalogueService
from equipshare.services.catalogue.sheet_export import CatalogueExportService
from equipshare.services.catalogue.sheet_import import CatalogueImportService

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

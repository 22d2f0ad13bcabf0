"""The admin feature's public face: schema, backups, integrity checks and retention.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.admin.backup import BackupService
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.admin.integrity_rollups import RollupRepairService
from equipshare.services.admin.retention import RetentionService
from equipshare.services.admin.schema import SchemaService, SchemaState

__all__ = [
    "BackupService",
    "IntegrityService",
    "RetentionService",
    "RollupRepairService",
    "SchemaService",
    "SchemaState",
]

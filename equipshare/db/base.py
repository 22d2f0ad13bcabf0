"""Declarative base with a naming convention; the column types live in db/column_types.py."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from equipshare.db.column_types import (
    NAMING_CONVENTION,
    UTCDateTime,
    enum_check,
    enum_column_type,
    json_safe,
)

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "UTCDateTime",
    "enum_check",
    "enum_column_type",
    "json_safe",
]


class Base(DeclarativeBase):
    """Root of every model; its metadata names constraints predictably for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

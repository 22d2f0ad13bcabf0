"""Column types and naming that behave alike on both engines, with no ORM import.

The declarative models (db/base.py) and the Core tables read before the ORM is loaded
(db/start_tables.py) share them, so a start-up read decodes columns as the models do.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Dialect, Enum
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as UTC and always returned as an aware UTC datetime.

    SQLite's DateTime(timezone=True) drops the offset without converting, so
    10:00+02:00 would come back as 10:00; this type converts on the way in and
    refuses naive values, which are the usual source of silent hour shifts.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} given; equipshare stores instants"
            )
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column_type(enum_cls: type[enum.StrEnum]) -> Enum:
    """A VARCHAR holding the member's value, read back as the enum member.

    Native PostgreSQL enums are avoided because adding a member needs DDL outside
    a transaction; the allowed values live in a named CHECK instead (`enum_check`).
    """
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def enum_check(
    column: str, enum_cls: type[enum.StrEnum], name: str | None = None
) -> CheckConstraint:
    """A named CHECK that keeps `column` inside the enum, on every engine."""
    values = ", ".join(f"'{m.value}'" for m in enum_cls)
    return CheckConstraint(f"{column} IN ({values})", name=name or f"{column}_valid")


def json_safe(value: Any) -> Any:
    """Make audit snapshots JSON-serialisable without losing instants or enums."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value

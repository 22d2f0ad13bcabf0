"""Schema life cycle behind `equipshare db`: upgrade, downgrade, current revision."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.util.exc import CommandError

from equipshare.db import migrate
from equipshare.db.engine import masked_url
from equipshare.domain.errors import InputError
from equipshare.services.plumbing.context import ServiceContext


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands relative to this version of equipshare."""

    url: str
    backend: str
    current: str | None
    head: str
    replica: str | None = None  # [database] read_url, its password masked

    @property
    def at_head(self) -> bool:
        return self.current == self.head


class SchemaService:
    """Each migration runs in a transaction, so a failed upgrade leaves the schema as it was."""

    def __init__(self, context: ServiceContext) -> None:
        self._engine = context.database.engine
        self._replica = context.database.replica

    def state(self) -> SchemaState:
        return SchemaState(
            url=masked_url(self._engine.url),
            backend=self._engine.dialect.name,
            current=migrate.current_revision(self._engine),
            head=migrate.head_revision(self._engine),
            replica=self._replica.shown_url if self._replica is not None else None,
        )

    def upgrade(self, revision: str = "head") -> SchemaState:
        try:
            migrate.upgrade(self._engine, revision)
        except CommandError as exc:
            raise InputError(f"cannot upgrade to {revision!r}: {exc}") from None
        return self.state()

    def downgrade(self, revision: str) -> SchemaState:
        try:
            migrate.downgrade(self._engine, revision)
        except CommandError as exc:
            raise InputError(f"cannot downgrade to {revision!r}: {exc}") from None
        return self.state()

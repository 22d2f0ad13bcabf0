"""Every model module imported, so that Base.metadata holds every table.

Alembic's environment and the schema check compare the whole schema; a service imports
only the models it uses.
"""

from __future__ import annotations

from equipshare.db.base import Base
from equipshare.db.models import (  # noqa: F401  (each import registers its tables)
    audit,
    bookings,
    catalogue,
    charging,
    credit,
    feeds,
    grants,
    queue,
    rollups,
    ssh,
    training,
    web,
)

metadata = Base.metadata

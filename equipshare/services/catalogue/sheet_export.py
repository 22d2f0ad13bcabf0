"""CatalogueExportService: the instrument catalogue as uniquip entries, for sheets and scripts.

Any active user may export: the catalogue and its contacts are what universities publish
on equipment.data.ac.uk anyway. Bookings, training and prices are never in it.
"""

from __future__ import annotations

from sqlalchemy import select

from equipshare.db.models.catalogue import Facility, Institution, Instrument
from equipshare.domain.errors import InputError, PermissionDenied
from equipshare.domain.records.operations.admin import CatalogueEntry
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from equipshare.sheets.uniquip import INSTRUMENT_FIELDS


class CatalogueExportService:
    """Reads the catalogue in one query, ordered by institution then instrument code."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database

    def entries(self, actor_username: str, institution: str | None = None) -> list[CatalogueEntry]:
        """Every instrument (of one institution, given its code) as a catalogue entry."""
        with self._db.reads() as session:
            actor = row_records.load_actor(session, actor_username)
            if not actor.user.active:
                raise PermissionDenied(
                    f"{actor_username} may not export: the account is deactivated"
                )
            query = (
                select(
                    Instrument,
                    Institution.code,
                    Facility.code,
                    Facility.name,
                )
                .join(Facility, Instrument.facility_id == Facility.id)
                .join(Institution, Facility.institution_id == Institution.id)
                .order_by(Institution.code, Instrument.code)
            )
            if institution:
                code = institution.strip().upper()
                if session.scalar(select(Institution.id).where(Institution.code == code)) is None:
                    raise InputError(
                        f"--institution: no institution with code {code!r}", "institution"
                    )
                query = query.where(Institution.code == code)
            return [
                CatalogueEntry(
                    code=row.code,
                    institution_code=institution_code,
                    facility_code=facility_code,
                    facility_name=facility_name,
                    category=row.category,
                    status=row.status,
                    access_level=row.access_level,
                    uniquip_id=row.uniquip_id or row.code,
                    uniquip_type=row.uniquip_type,
                    **{name: getattr(row, name) for name in INSTRUMENT_FIELDS},
                )
                for row, institution_code, facility_code, facility_name in session.execute(query)
            ]
